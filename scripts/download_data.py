#!/usr/bin/env python
"""Download (or verify) BSDS300 and SelfExSR/BSD100 into the rim_tf data folder.

    python scripts/download_data.py                      # both, into $RIM_DATA or ~/.cache/rim_tf
    python scripts/download_data.py --data-dir /data/rim --only bsds300
    python scripts/download_data.py --verify             # sha256-check what is there, no network

Downloads are verified file by file against rim_tf/data/checksums.json and moved into
place only when complete (see rim_tf.data.download for sources and unverified constants).
"""
from __future__ import annotations

import argparse
import sys

from rim_tf.data import download as dl
from rim_tf.data.locate import CorruptDataError, DataNotFoundError, resolve_data_dir
from rim_tf.data.manifest import verify_tree

DATASETS = {"bsds300": "BSDS300", "selfexsr": "SelfExSR/BSD100"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None,
                        help="target folder (default: $RIM_DATA, else ~/.cache/rim_tf)")
    parser.add_argument("--only", choices=sorted(DATASETS), action="append", help="one data set (repeatable)")
    parser.add_argument("--verify", action="store_true", help="only check the files already there (sha256)")
    parser.add_argument("--force", action="store_true", help="replace an existing incomplete or damaged tree")
    parser.add_argument("--retries", type=int, default=3)
    parser.add_argument("--bsds300-url", action="append", help="archive URL(s) to try instead of Berkeley's")
    parser.add_argument("--selfexsr-base-url", default=dl.SELFEXSR_RAW_URL,
                        help="URL of the data/BSD100 folder")
    parser.add_argument("--skip-archive-checksum", action="store_true",
                        help="do not check the (unverified) archive sha256; files are still checked")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)

    root = resolve_data_dir(args.data_dir)
    chosen = args.only or sorted(DATASETS)
    try:
        for name in chosen:
            dataset = DATASETS[name]
            if args.verify:
                count = verify_tree(root, dataset, level="sha256")
                print(f"{root / dataset}: {count} files verified")
                continue
            common = dict(force=args.force, retries=args.retries, progress=not args.no_progress)
            if name == "bsds300":
                sha = None if args.skip_archive_checksum else dl.BSDS300_ARCHIVE_SHA256
                path = dl.download_bsds300(
                    root, urls=args.bsds300_url or dl.BSDS300_URLS, archive_sha256=sha, **common)
            else:
                path = dl.download_selfexsr(root, base_url=args.selfexsr_base_url, **common)
            print(f"{dataset} ready at {path}")
    except (dl.DownloadError, DataNotFoundError, CorruptDataError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
