"""Command line of the ``scripts/train_*.py`` front ends: a preset plus overrides."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import typing
from pathlib import Path

from rim_tf.atomic import check_writable_folder
from rim_tf.training.config import PRESETS, RESUMABLE_CHANGES, TrainConfig, preset_config

_FIXED = {"experiment", "preset"}
DEFAULT_PRESET = "quick"  # what a user who types only the script's name gets: ~30 minutes


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def build_parser(experiment: str, description: str = "") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=description or f"Train the {experiment} RIM of Putzky & Welling (2017).",
        epilog="Every setting of the chosen preset can be overridden with its flag; the settings "
               "used are printed at the start and stored in <out>/config.json and model.json.")
    p.add_argument("--preset", default=None, choices=PRESETS,
                   help="paper: the paper's setup (for a GPU); cpu: the long CPU training (8 h "
                        "of wall time, over several sittings with --resume); quick: ~30 min on a "
                        "2-core CPU; smoke: seconds (default: quick, or the resumed run's)")
    p.add_argument("--out", help="output folder (default: runs/<experiment>-<model>-<preset>)")
    p.add_argument("--data-dir", help="folder holding BSDS300/ (default: $RIM_DATA, else ~/.cache/rim_tf)")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its last checkpoint, with the settings in "
                        "its config.json (only length and bookkeeping flags, such as --max-minutes "
                        "and --max-iterations, may be given anew)")
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
        elif field.name == "sigma_range":
            p.add_argument(_flag(field.name), type=float, nargs=2, default=None, metavar=("LOW", "HIGH"),
                           help="training noise levels on the 0..255 scale, drawn uniformly per "
                                "patch (default 5 60)")
        elif field.name == "projection_sigma_range":
            p.add_argument(_flag(field.name), type=float, nargs=2, default=None, metavar=("LOW", "HIGH"),
                           help="3task: training measurement noise drawn uniformly per patch "
                                "(default of the 3task presets 0.5 4; 1 1: the paper's evaluation "
                                "level alone); validation stays at --projection-sigma")
        elif kind is tuple:
            item = int if field.name == "scales" else float
            p.add_argument(_flag(field.name), type=item, nargs="+", default=None)
        else:
            base = typing.get_args(kind)[0] if typing.get_origin(kind) is typing.Union else kind
            p.add_argument(_flag(field.name), type=base, default=None)
    return p


def _overrides(args: argparse.Namespace) -> dict:
    """The settings given on the command line (flags left out are None and not included)."""
    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)
              if f.name not in _FIXED}
    values = {k: (tuple(v) if isinstance(v, list) else v) for k, v in values.items() if v is not None}
    if "sigma_range" in values:  # given on 0..255 like every user-facing sigma; stored on 0..1
        values["sigma_range"] = sigma_range_from_255(values["sigma_range"])
    return values


def sigma_range_from_255(values) -> tuple:
    """``--sigma-range LOW HIGH`` on the 0..255 scale -> the config's 0..1 tuple (checked)."""
    from rim_tf.inference import check_sigma255

    lo, hi = (check_sigma255(v, "--sigma-range") for v in values)
    if lo > hi:
        raise ValueError(f"--sigma-range LOW HIGH needs LOW <= HIGH, got {lo:g} {hi:g}")
    return (lo / 255.0, hi / 255.0)


def config_from_args(experiment: str, args: argparse.Namespace) -> TrainConfig:
    return preset_config(experiment, args.preset or DEFAULT_PRESET, **_overrides(args))


def resumed_config(experiment: str, saved: dict, args: argparse.Namespace) -> TrainConfig:
    """The config of a run being resumed: its saved settings, plus the length and bookkeeping
    flags given now (``RESUMABLE_CHANGES``); any other flag must repeat the saved value."""
    if saved.get("experiment") != experiment:
        raise ValueError(f"the run being resumed is a {saved.get('experiment')!r} run, not "
                         f"{experiment!r}; use scripts/train_{saved.get('experiment')}.py")
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    values = {k: (tuple(v) if isinstance(v, list) else v) for k, v in saved.items() if k in names}
    given = _overrides(args)
    if args.preset:
        given["preset"] = args.preset
    changed = sorted(k for k, v in given.items()
                     if k not in RESUMABLE_CHANGES and values.get(k) != v)
    if changed:
        raise ValueError("--resume continues a run with its saved settings; these differ: "
                         + ", ".join(f"{k}: {values.get(k)!r} -> {given[k]!r}" for k in changed))
    values.update(given)
    return TrainConfig(**values).validate()


def evaluation_command(experiment: str, model_path: str) -> str:
    """The command that scores a trained model the way the paper's table does."""
    return {
        "denoise": f"python scripts/reproduce_table2.py --weights-denoise {model_path} --weights-3task none",
        "3task": f"python scripts/reproduce_table2.py --weights-3task {model_path} --weights-denoise none",
        "color": f"python scripts/reproduce_table1.py --weights {model_path}",
        "superres": f"python scripts/reproduce_table3.py --weights {model_path}",
    }[experiment]


def main(experiment: str, argv=None, description: str = "") -> dict:
    """Parse the command line, print the settings, train, print where the model went."""
    parser = build_parser(experiment, description)
    args = parser.parse_args(argv)
    model = args.model or ("atrous" if experiment == "superres" else "rim")
    out = args.out or f"runs/{experiment}-{model}-{args.preset or DEFAULT_PRESET}"
    try:  # before any work: a run folder that cannot be written would lose the whole run
        check_writable_folder(out, "the run folder (--out)")
    except (OSError, ValueError) as err:
        parser.error(str(err))
    saved = None
    if args.resume and (Path(out) / "config.json").exists():
        try:
            saved = json.loads((Path(out) / "config.json").read_text())
        except (OSError, ValueError) as err:
            parser.error(f"cannot read the settings of the run to resume, {out}/config.json: {err}")
    try:
        config = (resumed_config(experiment, saved, args) if saved is not None
                  else config_from_args(experiment, args))
    except (ValueError, TypeError) as err:
        parser.error(str(err))
    print(json.dumps({"preset": config.preset, "reduced_budget": config.reduced_budget,
                      **config.to_dict()}, indent=None))
    from rim_tf.quiet import quiet_tensorflow

    quiet_tensorflow()
    if args.threads is not None and args.threads < 1:
        parser.error(f"--threads must be >= 1, got {args.threads}")
    if args.threads:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    from rim_tf.training.lock import RunFolderInUse
    from rim_tf.training.trainer import Trainer  # heavy imports after argument checking

    trainer = Trainer(config, out, data_dir=args.data_dir, progress=not args.no_progress)
    try:
        sidecar = trainer.train(resume=args.resume)
    except (ValueError, FileNotFoundError, RunFolderInUse) as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2)
    val = sidecar["val_psnr"]
    print(f"saved {out}/model.keras ({sidecar['label']}): {sidecar['iterations']} iterations, "
          f"{sidecar['patches_seen']} patches, {sidecar['wall_time_s']} s of training, "
          f"validation PSNR {'n/a' if val is None else f'{val:.2f} dB'}")
    if not sidecar.get("complete", True):
        print(f"the run stopped at its time budget; continue it with:\n"
              f"  python scripts/train_{experiment}.py --out {out} --resume [--max-minutes M]")
    print(f"evaluate it with:\n  {evaluation_command(experiment, f'{out}/model.keras')}")
    return sidecar
