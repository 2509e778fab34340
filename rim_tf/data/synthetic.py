"""A tiny, self-made data folder in the layout of the official archives, for tests.

:func:`write_fake_bsds300` writes ``BSDS300/iids_{train,test}.txt`` and smooth random JPEGs
(both orientations); :func:`write_fake_selfexsr` writes ``SelfExSR/BSD100`` HR/LR PNG pairs
made from those test images as SelfExSR made theirs (HR: top-left crop of the decoded JPEG
to a multiple of the scale; LR: here a box-filter downscale, which is enough for layout
tests). :func:`make_tarball` packs a tree as its archive does.
"""
from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Optional, Sequence

import imageio.v3 as iio
import numpy as np

from rim_tf.data.images import read_dataset_image
from rim_tf.data.locate import PathLike, read_ids
from rim_tf.data.testsets import sr_names


def smooth_image(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A random ``uint8 [H, W, 3]`` image of smooth gradients and waves, with some texture."""
    yy, xx = np.mgrid[0:height, 0:width] / max(height, width)
    channels = []
    for _ in range(3):
        a, b, f, ph = rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(2, 9), rng.uniform(0, 6.3)
        channels.append(0.5 + 0.25 * (a * yy + b * xx) + 0.2 * np.sin(f * (xx + yy) + ph))
    image = np.stack(channels, axis=-1) + 0.03 * rng.standard_normal((height, width, 3))
    return np.clip(np.round(255 * image), 0, 255).astype(np.uint8)


def _fake_ids(rng, n: int, taken: set) -> list:
    ids = []
    while len(ids) < n:
        i = str(int(rng.integers(1000, 400000)))
        if i not in taken:
            taken.add(i)
            ids.append(i)
    return ids


def write_fake_bsds300(
    root: PathLike,
    *,
    n_train: int = 6,
    n_test: int = 4,
    size: tuple = (40, 56),
    test_ids: Optional[Sequence[str]] = None,
    seed: int = 0,
) -> Path:
    """Write ``root/BSDS300`` with random ids; every other image is portrait. Returns it."""
    rng = np.random.default_rng(seed)
    taken = set(test_ids or ())
    train_ids = _fake_ids(rng, n_train, taken)
    test_ids = list(test_ids) if test_ids is not None else _fake_ids(rng, n_test, taken)
    base = Path(root) / "BSDS300"
    for split, ids in (("train", train_ids), ("test", test_ids)):
        folder = base / "images" / split
        folder.mkdir(parents=True, exist_ok=True)
        (base / f"iids_{split}.txt").write_text("".join(f"{i}\n" for i in ids))
        for k, i in enumerate(ids):
            h, w = size if k % 2 == 0 else size[::-1]
            iio.imwrite(folder / f"{i}.jpg", smooth_image(rng, h, w), quality=90)
    return base


def box_downscale(image: np.ndarray, scale: int) -> np.ndarray:
    """Mean over ``scale x scale`` blocks, rounded to uint8 (a stand-in for bicubic)."""
    h, w, c = image.shape
    blocks = image[: h - h % scale, : w - w % scale].reshape(h // scale, scale, w // scale, scale, c)
    return np.round(blocks.mean(axis=(1, 3))).astype(np.uint8)


def write_fake_selfexsr(root: PathLike, scales: Sequence[int] = (2, 3, 4)) -> Path:
    """Write ``root/SelfExSR/BSD100`` from the test images of ``root/BSDS300``. Returns it."""
    root = Path(root)
    test_ids = read_ids(root / "BSDS300" / "iids_test.txt")
    base = root / "SelfExSR" / "BSD100"
    for s in scales:
        folder = base / f"image_SRF_{s}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, i in sr_names(test_ids):
            image = read_dataset_image(root / "BSDS300" / "images" / "test" / f"{i}.jpg")
            h, w = image.shape[0] - image.shape[0] % s, image.shape[1] - image.shape[1] % s
            hr = image[:h, :w]
            iio.imwrite(folder / f"{name}_SRF_{s}_HR.png", hr)
            iio.imwrite(folder / f"{name}_SRF_{s}_LR.png", box_downscale(hr, s))
    return base


def make_tarball(root: PathLike, folder: str, archive: PathLike) -> Path:
    """Pack ``root/folder`` into a gzipped tar whose members start with ``folder/``."""
    archive = Path(archive)
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(Path(root) / folder, arcname=folder)
    return archive
