#!/usr/bin/env python
"""Table 2: gray-scale denoising with RIM-3task and RIM-denoise, sigma 15/25/50, plain and 8-bit.

    python scripts/reproduce_table2.py            # shipped weights, quick: 8 of the 68 images
    python scripts/reproduce_table2.py --full     # all 68 images (the paper's protocol)
    python scripts/reproduce_table2.py --weights-denoise runs/denoise/model.keras \\
        --weights-3task runs/3task/model.keras [--testset bsd68 bsds300-test] [--bm3d]

The table has 2 models x 3 noise levels x 2 (plain, 8-bit) = 12 settings; on whole 481x321
images the shipped CPU models take ~3 s per image and setting on 2 CPU cores, so all 68
images take ~45 minutes there. Without ``--full``, ``--limit`` or ``--subset`` the script
therefore evaluates 8 images evenly spaced over the test set (~5 minutes) and says so in
every row; the full table made with ``--full`` is committed in
``reference_results/ours/table2-full/``.

Either model may be skipped with ``none``. The published baselines of the paper's table are
printed beside ours; ``--bm3d`` also runs BM3D here (pip install bm3d), timed per image;
``--bm3d-from <table2.json>`` takes BM3D's per-image values from an earlier run on the same
images instead (the noise is seeded per image and level, so they are the same values).
Writes results/table2.md and results/table2.json.
"""
import argparse
import sys

from rim_tf.quiet import quiet_tensorflow  # noqa: E402

quiet_tensorflow()  # before anything imports TensorFlow

from rim_tf.cli import positive_int, sigma255
from rim_tf.cli.evaluation import add_common_arguments, cli, finish, load_model_arg, read_report
from rim_tf.evaluation import table2

QUICK_SUBSET = 8  # images of the default, quick run (evenly spaced; --full for all)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights-denoise", "--weights", dest="weights_denoise", default="denoise",
                        help="RIM-denoise: a .keras file, a shipped name, or none (default: denoise)")
    parser.add_argument("--weights-3task", dest="weights_3task", default="3task",
                        help="RIM-3task: a .keras file, a shipped name, or none (default: 3task)")
    parser.add_argument("--testset", nargs="+", default=["bsd68"], choices=["bsd68", "bsds300-test"],
                        help="bsd68 (68 images) and/or bsds300-test (all 100, in parentheses in the paper)")
    parser.add_argument("--sigma", type=sigma255, nargs="+", default=[15, 25, 50],
                        help="noise levels on the 0..255 scale (default: 15 25 50)")
    parser.add_argument("--quantize", choices=["both", "plain", "8bit"], default="both",
                        help="plain Gaussian noise, 8-bit quantized, or both (default)")
    parser.add_argument("--bm3d", action="store_true", help="also run BM3D (pip install bm3d)")
    parser.add_argument("--bm3d-workers", type=positive_int, default=1,
                        help="BM3D images denoised at once, in separate processes (BM3D is single-threaded: "
                             "2 halves its time on an idle 2-core machine; default 1)")
    parser.add_argument("--bm3d-from", dest="bm3d_from", default=None, metavar="TABLE2_JSON",
                        help="take BM3D's per-image values from an earlier table2.json of the same images "
                             "instead of running BM3D again (the noise is seeded per image and sigma, so "
                             "they are the values BM3D would give; e.g. "
                             "reference_results/ours/table2-full/table2.json)")
    parser.add_argument("--full", action="store_true",
                        help="evaluate every image of the test set(s) (default: a quick subset of "
                             f"{QUICK_SUBSET} evenly spaced images)")
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    if args.bm3d and args.bm3d_from:
        parser.error("--bm3d runs BM3D, --bm3d-from reuses earlier BM3D results: give one")
    if args.full and (args.limit is not None or args.subset is not None):
        parser.error("--full evaluates every image; drop --limit/--subset")
    if not args.full and args.limit is None and args.subset is None:
        args.subset = QUICK_SUBSET
    return args


def main(argv=None):
    args = parse_args(argv)
    bm3d_from = read_report(args.bm3d_from) if args.bm3d_from else None  # before any model loads
    models = {}
    for label, arg, default in (("RIM-3task", args.weights_3task, "3task"),
                                ("RIM-denoise", args.weights_denoise, "denoise")):
        loaded = load_model_arg(arg, default, precision=args.precision,
                                allow_other_task=args.allow_other_task)
        if loaded is not None:
            models[label] = loaded
    quantize = {"both": (False, True), "plain": (False,), "8bit": (True,)}[args.quantize]
    report = table2(models, sigmas=args.sigma, quantize=quantize, testsets=args.testset, steps=args.steps,
                    limit=args.limit, subset=args.subset, data_dir=args.data_dir, batch_size=args.batch_size,
                    bm3d=args.bm3d, bm3d_workers=args.bm3d_workers, bm3d_from=bm3d_from,
                    bm3d_source=args.bm3d_from or "", progress=not args.quiet)
    paths = finish(report, args.out)
    if args.subset is not None and not args.quiet:
        print(f"NOTE: {args.subset} evenly spaced images per test set, not all (--full for the whole table).")
    return paths


if __name__ == "__main__":
    sys.exit(cli(main))
