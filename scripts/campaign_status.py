#!/usr/bin/env python
"""Where a training campaign stands: iteration, patches, hours, validation PSNR, flatness.

    python scripts/campaign_status.py campaigns/denoise [campaigns/superres ...] [--json]

"Flat" is the project's stop rule: the last fifth of the run (in patches seen) gained less
than 0.05 dB of validation PSNR.
"""
import argparse
import json
import sys

from rim_tf.training.campaign import describe, summarize


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folders", nargs="+", help="campaign (run) folders")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args(argv)
    status = 0
    for folder in args.folders:
        try:
            s = summarize(folder)
        except (OSError, ValueError) as err:
            print(f"error: {folder}: {err}", file=sys.stderr)
            status = 2
            continue
        print(json.dumps(s) if args.json else describe(s))
    return status


if __name__ == "__main__":
    sys.exit(main())
