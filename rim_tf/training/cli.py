"""Command line of the ``scripts/train_*.py`` front ends: a preset plus overrides."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import typing

from rim_tf.training.config import PRESETS, TrainConfig, preset_config

_FIXED = {"experiment", "preset"}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def build_parser(experiment: str, description: str = "") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=description or f"Train the {experiment} RIM of Putzky & Welling (2017).",
        epilog="Every setting of the chosen preset can be overridden with its flag; the settings "
               "used are printed at the start and stored in <out>/config.json and model.json.")
    p.add_argument("--preset", default="cpu", choices=PRESETS,
                   help="paper: the paper's setup (for a GPU); cpu: ~30 min on a 2-core CPU; "
                        "smoke: seconds (default: cpu)")
    p.add_argument("--out", help="output folder (default: runs/<experiment>-<model>-<preset>)")
    p.add_argument("--data-dir", help="folder holding BSDS300/ (default: $RIM_DATA, else ~/.cache/rim_tf)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--threads", type=int, default=None,
                   help="CPU threads for TensorFlow's ops (default: all cores); e.g. 1 to run two "
                        "trainings side by side on a 2-core machine")
    hints = typing.get_type_hints(TrainConfig)
    for field in dataclasses.fields(TrainConfig):
        if field.name in _FIXED:
            continue
        kind = hints[field.name]
        if kind is bool:
            p.add_argument(_flag(field.name), type=lambda s: s.lower() in ("1", "true", "yes"),
                           metavar="{true,false}", default=None)
        elif kind is tuple:
            item = int if field.name == "scales" else float
            p.add_argument(_flag(field.name), type=item, nargs="+", default=None)
        else:
            base = typing.get_args(kind)[0] if typing.get_origin(kind) is typing.Union else kind
            p.add_argument(_flag(field.name), type=base, default=None)
    return p


def config_from_args(experiment: str, args: argparse.Namespace) -> TrainConfig:
    overrides = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)
                 if f.name not in _FIXED}
    overrides = {k: (tuple(v) if isinstance(v, list) else v) for k, v in overrides.items()}
    return preset_config(experiment, args.preset, **overrides)


def main(experiment: str, argv=None, description: str = "") -> dict:
    """Parse the command line, print the settings, train, print where the model went."""
    parser = build_parser(experiment, description)
    args = parser.parse_args(argv)
    try:
        config = config_from_args(experiment, args)
    except ValueError as err:
        parser.error(str(err))
    out = args.out or f"runs/{experiment}-{config.model}-{config.preset}"
    print(json.dumps({"preset": config.preset, "reduced_budget": config.reduced_budget,
                      **config.to_dict()}, indent=None))
    if args.threads:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    from rim_tf.training.trainer import Trainer  # heavy imports after argument checking

    trainer = Trainer(config, out, data_dir=args.data_dir, progress=not args.no_progress)
    try:
        sidecar = trainer.train(resume=args.resume)
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2)
    print(f"saved {out}/model.keras ({sidecar['label']}): {sidecar['iterations']} iterations, "
          f"{sidecar['patches_seen']} patches, {sidecar['wall_time_s']} s, "
          f"validation PSNR {sidecar['val_psnr']}")
    return sidecar
