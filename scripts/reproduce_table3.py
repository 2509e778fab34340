#!/usr/bin/env python
"""Table 3: super-resolution x2/x3/x4 on SelfExSR BSD100 (Y channel, shave = scale).

    python scripts/reproduce_table3.py --weights runs/superres/model.keras
    python scripts/reproduce_table3.py --weights none      # the bicubic baseline only

The bicubic row is computed here by the RIM's own initial-estimate code path; A+, SRCNN and
SelfExSR are the published values. The paper's RIM row is unknown: SRCNN's row is the bar
to beat. Writes results/table3.md and results/table3.json.
"""
import argparse
import sys

from rim_tf.quiet import quiet_tensorflow  # noqa: E402

quiet_tensorflow()  # before anything imports TensorFlow

from rim_tf.cli import sigma255
from rim_tf.cli.evaluation import add_common_arguments, cli, finish, load_model_arg
from rim_tf.evaluation import table3


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", default="superres",
                        help="a .keras file (or run folder), a shipped name, or none for bicubic only "
                             "(default: superres)")
    parser.add_argument("--scales", type=int, nargs="+", default=[2, 3, 4], choices=[2, 3, 4])
    parser.add_argument("--sigma", type=sigma255, default=None,
                        help="likelihood noise std on the 0..255 scale, as every sigma of rim_tf "
                             "(default: the std of 8-bit rounding, 1/sqrt(12) = 0.29)")
    add_common_arguments(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    sigma = None if args.sigma is None else args.sigma / 255.0
    loaded = load_model_arg(args.weights, "superres", precision=args.precision,
                                allow_other_task=args.allow_other_task)
    model, sidecar, label = loaded if loaded is not None else (None, None, None)
    report = table3(model, sidecar, label, scales=args.scales, steps=args.steps, limit=args.limit, subset=args.subset,
                    data_dir=args.data_dir, batch_size=args.batch_size, sigma=sigma,
                    progress=not args.quiet)
    return finish(report, args.out)


if __name__ == "__main__":
    sys.exit(cli(main))
