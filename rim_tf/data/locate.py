"""Where the data lives, and a clear error when it is not there.

The data folder holds the two public image sets in the layout of their own archives::

    <data_dir>/BSDS300/iids_train.txt              200 ids, one a line
    <data_dir>/BSDS300/iids_test.txt               100 ids
    <data_dir>/BSDS300/images/{train,test}/<id>.jpg
    <data_dir>/SelfExSR/BSD100/image_SRF_<s>/img_<NNN>_SRF_<s>_{HR,LR}.png

It is found, in this order, from the ``data_dir`` argument, the ``RIM_DATA``
environment variable, or a per-user cache folder (``$XDG_CACHE_HOME/rim_tf``, by default
``~/.cache/rim_tf``), which is where ``scripts/download_data.py`` puts the files.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

PathLike = Union[str, os.PathLike]

ENV_VAR = "RIM_DATA"
BSDS300_URL = "https://www2.eecs.berkeley.edu/Research/Projects/CS/vision/bsds/BSDS300-images.tgz"
SELFEXSR_REPO = "https://github.com/jbhuang0604/SelfExSR (folder data/BSD100)"
SR_SCALES = (2, 3, 4)


class DataNotFoundError(FileNotFoundError):
    """A file of the data tree is missing; the message names it and says how to get it."""


class CorruptDataError(ValueError):
    """A file of the data tree exists but is damaged (wrong size, checksum or undecodable)."""


def default_cache_dir() -> Path:
    """The per-user cache folder: ``$XDG_CACHE_HOME/rim_tf``, else ``~/.cache/rim_tf``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "rim_tf"


def resolve_data_dir(data_dir: Optional[PathLike] = None) -> Path:
    """The data folder: ``data_dir``, else ``$RIM_DATA``, else :func:`default_cache_dir`.

    The folder need not exist yet (the downloader creates it); loaders check its content.
    """
    if data_dir is not None and str(data_dir) != "":
        return Path(data_dir).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return default_cache_dir()


def how_to_get(dataset: str, root: Path) -> str:
    """The paragraph appended to every missing-data error: where the files go and how."""
    if dataset == "BSDS300":
        where = f"{root / 'BSDS300'} (unpack {BSDS300_URL} into {root})"
    else:
        where = f"{root / 'SelfExSR' / 'BSD100'} (the folder data/BSD100 of {SELFEXSR_REPO})"
    return (
        f"Put {dataset} at {where}, or run `python scripts/download_data.py --data-dir {root}` "
        f"on a machine with internet access. The data folder is taken from data_dir=, else "
        f"${ENV_VAR}, else {default_cache_dir()}."
    )


def _require(path: Path, dataset: str, root: Path, what: str = "file") -> Path:
    if not path.exists():
        raise DataNotFoundError(f"missing {dataset} {what}: {path}. {how_to_get(dataset, root)}")
    return path


def read_ids(path: Path) -> list[str]:
    """Image ids from an ``iids_*.txt`` file, in file order; blank lines are ignored."""
    ids = [line.strip() for line in Path(path).read_text().splitlines() if line.strip()]
    if not ids:
        raise CorruptDataError(f"{path} lists no image ids")
    bad = [i for i in ids if not i.isdigit()]
    if bad:
        raise CorruptDataError(f"{path}: not a BSDS image id: {bad[0]!r}")
    return ids


def bsds300_dir(data_dir: Optional[PathLike] = None) -> Path:
    """The ``BSDS300`` folder, checked for its two id lists (not yet for the images)."""
    root = resolve_data_dir(data_dir)
    base = _require(root / "BSDS300", "BSDS300", root, "folder")
    for split in ("train", "test"):
        _require(base / f"iids_{split}.txt", "BSDS300", root)
    return base


def bsds300_split(data_dir: Optional[PathLike] = None, split: str = "train") -> list[tuple[str, Path]]:
    """``(id, jpeg path)`` of a BSDS300 split, ids in the order of ``iids_<split>.txt``.

    Every listed image must exist; the first missing one is named in the error.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    base = bsds300_dir(data_dir)
    root = base.parent
    ids = read_ids(base / f"iids_{split}.txt")
    pairs = [(i, base / "images" / split / f"{i}.jpg") for i in ids]
    for _, path in pairs:
        _require(path, "BSDS300", root)
    return pairs


def selfexsr_path(data_dir: Optional[PathLike], scale: int, number: int, kind: str) -> Path:
    """Path of ``img_<NNN>_SRF_<s>_<HR|LR>.png``; checked to exist."""
    if scale not in SR_SCALES:
        raise ValueError(f"SelfExSR scale must be one of {SR_SCALES}, got {scale!r}")
    if kind not in ("HR", "LR"):
        raise ValueError(f"kind must be 'HR' or 'LR', got {kind!r}")
    root = resolve_data_dir(data_dir)
    folder = root / "SelfExSR" / "BSD100" / f"image_SRF_{scale}"
    path = folder / f"img_{number:03d}_SRF_{scale}_{kind}.png"
    return _require(path, "SelfExSR/BSD100", root)
