"""Per-file checksums of the data trees, and their verification.

``checksums.json`` beside this module records the size and sha256 of every file of the
two trees (``BSDS300`` and ``SelfExSR/BSD100``) as the official archives unpack, computed
from a reference copy of the two trees with::

    python -m rim_tf.data.manifest <data folder>

A tree is verified against it file by file, so a download is accepted only when what
arrived is byte-identical to those copies, whatever the archive around it looked like.
Paths are relative to the data folder and use ``/``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Optional

from rim_tf.atomic import atomic_write_text
from rim_tf.data.locate import CorruptDataError, DataNotFoundError, PathLike, how_to_get

MANIFEST_PATH = Path(__file__).with_name("checksums.json")
DATASETS = ("BSDS300", "SelfExSR/BSD100")

Manifest = Mapping[str, Mapping[str, tuple]]  # dataset -> {relative path: (size, sha256)}


def sha256_file(path: PathLike, chunk_size: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def build_manifest(data_dir: PathLike, datasets=DATASETS) -> dict:
    """``{dataset: {relpath: [size, sha256]}}`` for every file under each dataset folder."""
    root = Path(data_dir)
    manifest = {}
    for name in datasets:
        base = root / name
        if not base.is_dir():
            raise DataNotFoundError(f"cannot build a manifest: missing folder {base}")
        files = sorted(p for p in base.rglob("*") if p.is_file())
        manifest[name] = {
            p.relative_to(root).as_posix(): [p.stat().st_size, sha256_file(p)] for p in files
        }
    return manifest


@lru_cache(maxsize=1)
def load_manifest() -> dict:
    """The packaged manifest of the official trees (``checksums.json``)."""
    with open(MANIFEST_PATH) as fh:
        return json.load(fh)["datasets"]


def verify_tree(
    data_dir: PathLike,
    dataset: str,
    *,
    manifest: Optional[Manifest] = None,
    level: str = "sha256",
) -> int:
    """Check every file the manifest lists for ``dataset`` under ``data_dir``.

    ``level="size"`` compares sizes only (a stat per file, for a quick check);
    ``"sha256"`` also hashes every file. Extra files are allowed. Raises
    :class:`DataNotFoundError` for the first missing file and :class:`CorruptDataError`
    for the first damaged one, naming it; returns the number of files checked.
    """
    if level not in ("size", "sha256"):
        raise ValueError(f"level must be 'size' or 'sha256', got {level!r}")
    manifest = load_manifest() if manifest is None else manifest
    if dataset not in manifest:
        raise ValueError(f"unknown dataset {dataset!r}; the manifest has {sorted(manifest)}")
    root = Path(data_dir)
    entries = manifest[dataset]
    for rel, (size, digest) in entries.items():
        path = root / rel
        if not path.is_file():
            raise DataNotFoundError(f"missing {dataset} file: {path}. {how_to_get(dataset, root)}")
        actual = path.stat().st_size
        if actual != size:
            raise CorruptDataError(
                f"{dataset} file {path} has {actual} bytes, expected {size} (truncated or "
                f"replaced?). {how_to_get(dataset, root)}"
            )
        if level == "sha256" and sha256_file(path) != digest:
            raise CorruptDataError(
                f"{dataset} file {path} fails its sha256 check (expected {digest}). "
                f"{how_to_get(dataset, root)}"
            )
    return len(entries)


def is_official_file(path: PathLike, rel: str, manifest: Optional[Manifest] = None) -> bool:
    """Whether ``path`` is byte-identical to the manifest's ``rel`` (a sha256 check)."""
    manifest = load_manifest() if manifest is None else manifest
    for entries in manifest.values():
        if rel in entries:
            size, digest = entries[rel]
            p = Path(path)
            return p.is_file() and p.stat().st_size == size and sha256_file(p) == digest
    return False


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Write checksums.json from a data folder.")
    parser.add_argument("data_dir", help="folder holding BSDS300/ and SelfExSR/BSD100/")
    parser.add_argument("--out", default=str(MANIFEST_PATH))
    args = parser.parse_args(argv)
    datasets = build_manifest(args.data_dir)
    payload = {
        "about": "size and sha256 of every file of the official BSDS300 and SelfExSR/BSD100 "
        "trees, computed from the project's verified copies by rim_tf.data.manifest",
        "datasets": datasets,
    }
    text = json.dumps(payload, indent=1, sort_keys=True)
    text = re.sub(r"\[\s+(\d+),\s+(\"[0-9a-f]+\")\s+\]", r"[\1, \2]", text)  # one file a line
    atomic_write_text(args.out, text + "\n")
    print(f"wrote {args.out}: " + ", ".join(f"{k}: {len(v)} files" for k, v in datasets.items()))


if __name__ == "__main__":
    main()
