#!/usr/bin/env python
"""Table 2: gray-scale denoising with RIM-3task and RIM-denoise, sigma 15/25/50, plain and 8-bit.

    python scripts/reproduce_table2.py --weights-denoise runs/denoise/model.keras \\
        --weights-3task runs/3task/model.keras [--testset bsd68 bsds300-test] [--bm3d]

Either model may be skipped with ``none``. The published baselines of the paper's table are
printed beside ours; ``--bm3d`` also runs BM3D here (pip install bm3d), timed per image.
Writes results/table2.md and results/table2.json.
"""
import argparse
import sys

from rim_tf.evaluation import add_common_arguments, cli, finish, load_model_arg, table2


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights-denoise", "--weights", dest="weights_denoise", default="denoise",
                        help="RIM-denoise: a .keras file, a shipped name, or none (default: denoise)")
    parser.add_argument("--weights-3task", dest="weights_3task", default="3task",
                        help="RIM-3task: a .keras file, a shipped name, or none (default: 3task)")
    parser.add_argument("--testset", nargs="+", default=["bsd68"], choices=["bsd68", "bsds300-test"],
                        help="bsd68 (68 images) and/or bsds300-test (all 100, in parentheses in the paper)")
    parser.add_argument("--sigma", type=float, nargs="+", default=[15, 25, 50], help="noise levels on 0..255")
    parser.add_argument("--quantize", choices=["both", "plain", "8bit"], default="both",
                        help="plain Gaussian noise, 8-bit quantized, or both (default)")
    parser.add_argument("--bm3d", action="store_true", help="also run BM3D (pip install bm3d)")
    add_common_arguments(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    models = {}
    for label, arg, default in (("RIM-3task", args.weights_3task, "3task"),
                                ("RIM-denoise", args.weights_denoise, "denoise")):
        loaded = load_model_arg(arg, default)
        if loaded is not None:
            models[label] = loaded
    quantize = {"both": (False, True), "plain": (False,), "8bit": (True,)}[args.quantize]
    report = table2(models, sigmas=args.sigma, quantize=quantize, testsets=args.testset, steps=args.steps,
                    limit=args.limit, data_dir=args.data_dir, batch_size=args.batch_size, bm3d=args.bm3d,
                    progress=not args.quiet)
    return finish(report, args.out)


if __name__ == "__main__":
    sys.exit(cli(main))
