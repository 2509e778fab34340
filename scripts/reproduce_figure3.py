#!/usr/bin/env python
"""Figure 3: RIM vs GDN vs FFN, per-step PSNR on random projections and inpainting.

    python scripts/reproduce_figure3.py --weights runs/3task/model.keras \\
        --gdn runs/3task-gdn/model.keras --ffn runs/3task-ffn/model.keras [--limit 500]

Random 32x32 gray test patches (5000 in the paper; --limit N for fewer), Gaussian, binary and
Fourier projections at each --ratios (m/n) and inpainting at each --inpaint, run for twice the
trained number of steps by default. Writes results/figure3.png, figure3.json and figure3.md.
"""
import argparse
import sys

from rim_tf.quiet import quiet_tensorflow  # noqa: E402

quiet_tensorflow()  # before anything imports TensorFlow

from rim_tf.cli import positive_float, sigma255
from rim_tf.cli.evaluation import add_common_arguments, cli, finish, load_model_arg
from rim_tf.evaluation import figure3


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", default="3task", help="the RIM (default: shipped 3task); none to skip")
    parser.add_argument("--gdn", default="gdn", help="the GDN ablation (default: shipped gdn); none to skip")
    parser.add_argument("--ffn", default="ffn", help="the FFN ablation (default: shipped ffn); none to skip")
    parser.add_argument("--ratios", type=float, nargs="+", default=None,
                        help="measurement ratios m/n (default: the RIM's training ratios, else 0.25 0.5)")
    parser.add_argument("--inpaint", type=float, nargs="*", default=[0.5],
                        help="fractions of pixels removed for the inpainting task (default: 0.5)")
    parser.add_argument("--projection-sigma", type=positive_float, default=1.0,
                        help="measurement noise std of the projections, in the measurements' own units, not 0..255: "
                             "a projection's outputs are not pixels (paper: 1)")
    parser.add_argument("--inpaint-sigma", type=sigma255, default=None,
                        help="inpainting noise std on kept pixels, on the 0..255 scale "
                             "(default: 255 x projection sigma / patch size = 7.97)")
    parser.add_argument("--patch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    add_common_arguments(parser, steps_help="RIM steps (default: twice the trained number)", subset=False)
    parser.set_defaults(limit=None, batch_size=250)
    args = parser.parse_args(argv)
    return args


def main(argv=None):
    args = parse_args(argv)
    models = {}
    for label, arg, default in (("RIM", args.weights, "3task"), ("GDN", args.gdn, "gdn"), ("FFN", args.ffn, "ffn")):
        loaded = load_model_arg(arg, default, precision=args.precision,
                                allow_other_task=args.allow_other_task)
        if loaded is not None:
            models[label] = loaded
    ratios = args.ratios
    if ratios is None:
        first = next(iter(models.values()), (None, {}, None))[1] or {}
        ratios = (first.get("config") or {}).get("measurement_ratios") or (0.25, 0.5)
    report = figure3(models, ratios=tuple(ratios), inpaint_fractions=tuple(args.inpaint),
                     n=args.limit or 5000, size=args.patch_size, steps=args.steps,
                     projection_sigma=args.projection_sigma, inpaint_sigma=None if args.inpaint_sigma is None else args.inpaint_sigma / 255.0,
                     data_dir=args.data_dir, batch_size=args.batch_size, seed=args.seed,
                     progress=not args.quiet)
    return finish(report, args.out)


if __name__ == "__main__":
    sys.exit(cli(main))
