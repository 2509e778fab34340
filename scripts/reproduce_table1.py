#!/usr/bin/env python
"""Table 1: colour denoising, sigma 25, 8-bit quantized, on CBSD68 (and all 100 test images).

    python scripts/reproduce_table1.py --weights runs/color/model.keras [--testset cbsd68 bsds300-test] [--bm3d]

Writes results/table1.md and results/table1.json (the paper's value, ours, the difference).
"""
import argparse
import sys

from rim_tf.quiet import quiet_tensorflow  # noqa: E402

quiet_tensorflow()  # before anything imports TensorFlow

from rim_tf.cli import positive_int, sigma255
from rim_tf.cli.evaluation import add_common_arguments, cli, finish, load_model_arg
from rim_tf.evaluation import table1


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", default="color",
                        help="a .keras file (or run folder) or a shipped name (default: color)")
    parser.add_argument("--testset", nargs="+", default=["cbsd68"], choices=["cbsd68", "bsds300-test"],
                        help="cbsd68 (68 images) and/or bsds300-test (all 100)")
    parser.add_argument("--sigma", type=sigma255, default=25.0, help="noise std on the 0..255 scale (paper: 25)")
    parser.add_argument("--bm3d", action="store_true", help="also run CBM3D (pip install bm3d), timed per image")
    parser.add_argument("--bm3d-workers", type=positive_int, default=1,
                        help="CBM3D images denoised at once, in separate processes (CBM3D is single-threaded: "
                             "2 halves its time on an idle 2-core machine; default 1)")
    add_common_arguments(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    model, sidecar, label = load_model_arg(args.weights, "color", precision=args.precision,
                                allow_other_task=args.allow_other_task)
    report = table1(model, sidecar, label, testsets=args.testset, sigma=args.sigma, steps=args.steps,
                    limit=args.limit, subset=args.subset, data_dir=args.data_dir, batch_size=args.batch_size,
                    bm3d=args.bm3d, bm3d_workers=args.bm3d_workers, progress=not args.quiet)
    return finish(report, args.out)


if __name__ == "__main__":
    sys.exit(cli(main))
