#!/usr/bin/env python
"""Validation PSNR of several training runs in one figure, against patches and against hours.

    python scripts/plot_learning_curves.py campaigns/pilot-a campaigns/pilot-b \\
        -o reference_results/ours/pilot-sizes/curves.png --note "nothing else ran"

Each folder is a run folder with a ``history.jsonl``; the legend uses the folder's name, or
``--labels``. The note (what else ran on the machine, say) goes under the title.
"""
import argparse
import sys
from pathlib import Path

from rim_tf.plotting import plot_learning_curves
from rim_tf.training.campaign import read_history


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folders", nargs="+", help="run folders holding history.jsonl")
    p.add_argument("-o", "--out", required=True, help="the PNG to write")
    p.add_argument("--labels", nargs="+", help="legend entries, one per folder")
    p.add_argument("--title", default="validation PSNR during training")
    p.add_argument("--note", default="", help="a line under the title")
    args = p.parse_args(argv)
    if args.labels and len(args.labels) != len(args.folders):
        p.error(f"{len(args.labels)} labels for {len(args.folders)} folders")
    runs = {}
    for i, folder in enumerate(args.folders):
        rows = read_history(folder)
        if not rows:
            p.error(f"{folder} has no history.jsonl rows")
        runs[args.labels[i] if args.labels else Path(folder).name] = rows
    print(plot_learning_curves(runs, args.out, title=args.title, note=args.note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
