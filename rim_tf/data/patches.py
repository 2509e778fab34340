"""Training patches of the BSDS300 images, held compactly and cut on demand.

The paper trains on 32x32 patches cut with stride 4 from the 200 BSDS300 training images
(36x36 for super-resolution). Materialising them would take 1.6 million x 32 x 32 bytes;
instead a :class:`PatchSet` keeps

* ``pixels``: every image's pixels, row-major, concatenated into one flat uint8 buffer
  (images of different sizes and orientations need no padding), and
* ``index``: one row ``(image, row, col)`` per patch, the top-left corner of the patch,

and patches are cut from these in the input graph (:mod:`rim_tf.data.pipeline`) or with
:meth:`PatchSet.cut` in numpy. An image of height H and width W gives
``(floor((H - P) / s) + 1) * (floor((W - P) / s) + 1)`` patches of size P at stride s.

Validation patches are held out as whole images (:func:`split_bsds300`): a seeded choice
of ``val_images`` training images supplies the ``val_patches`` validation patches and
never contributes a training patch, so overlapping patches cannot leak between the two.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from rim_tf.data.images import COLOR_MODES, convert_color, read_dataset_image
from rim_tf.data.locate import PathLike, bsds300_split


def patches_per_image(height: int, width: int, patch_size: int, stride: int) -> int:
    """``(floor((H - P) / s) + 1) * (floor((W - P) / s) + 1)``, 0 if the image is smaller than P."""
    if height < patch_size or width < patch_size:
        return 0
    return ((height - patch_size) // stride + 1) * ((width - patch_size) // stride + 1)


def grid_index(shapes: np.ndarray, patch_size: int, stride: int) -> np.ndarray:
    """``int32 [N, 3]`` rows ``(image, row, col)`` of all grid patches, image-major order."""
    blocks = []
    for k, (h, w) in enumerate(np.asarray(shapes)[:, :2]):
        if h < patch_size or w < patch_size:
            continue
        rows = np.arange(0, h - patch_size + 1, stride, dtype=np.int32)
        cols = np.arange(0, w - patch_size + 1, stride, dtype=np.int32)
        r, c = np.meshgrid(rows, cols, indexing="ij")
        blocks.append(np.stack([np.full(r.size, k, np.int32), r.ravel(), c.ravel()], axis=1))
    if not blocks:
        return np.zeros((0, 3), np.int32)
    return np.concatenate(blocks)


@dataclass(frozen=True, eq=False)
class PatchSet:
    """Patches of a few images: a flat uint8 pixel buffer plus an ``(image, row, col)`` table.

    Attributes:
        pixels: ``uint8 [sum H*W*C]``, the images row-major, one after the other.
        offsets: ``int64 [n]``, where each image starts in ``pixels``.
        shapes: ``int64 [n, 3]``, ``(H, W, C)`` of each image.
        ids: the images' BSDS ids.
        index: ``int32 [N, 3]``, ``(image, row, col)`` of each patch's top-left corner.
        patch_size: P; patches are ``[P, P, C]``.
    """

    pixels: np.ndarray
    offsets: np.ndarray
    shapes: np.ndarray
    ids: tuple
    index: np.ndarray
    patch_size: int

    @classmethod
    def from_images(
        cls,
        images: Sequence[np.ndarray],
        ids: Sequence[str],
        patch_size: int,
        stride: Optional[int] = None,
        index: Optional[np.ndarray] = None,
    ) -> "PatchSet":
        """Pack ``uint8 [H, W, C]`` images; the index is the stride grid unless given."""
        if patch_size < 1:
            raise ValueError(f"patch_size must be positive, got {patch_size}")
        if len(images) != len(ids):
            raise ValueError(f"{len(images)} images but {len(ids)} ids")
        if not images:
            raise ValueError("no images to cut patches from")
        channels = {im.shape[-1] for im in images}
        if any(im.dtype != np.uint8 or im.ndim != 3 for im in images) or len(channels) != 1:
            raise ValueError("images must all be uint8 [H, W, C] with the same C")
        shapes = np.array([im.shape for im in images], np.int64)
        sizes = shapes.prod(axis=1)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        pixels = np.concatenate([im.ravel() for im in images])
        if index is None:
            if stride is None or stride < 1:
                raise ValueError(f"stride must be a positive int, got {stride!r}")
            index = grid_index(shapes, patch_size, stride)
        index = np.asarray(index, np.int32)
        ps = cls(pixels, offsets, shapes, tuple(ids), index, int(patch_size))
        ps._check_index()
        return ps

    def _check_index(self) -> None:
        idx = self.index
        if idx.ndim != 2 or idx.shape[1] != 3:
            raise ValueError(f"index must be [N, 3] (image, row, col), got {idx.shape}")
        if len(idx) == 0:
            return
        img = idx[:, 0]
        if img.min() < 0 or img.max() >= len(self.ids):
            raise ValueError(f"index refers to image {img.max()} of {len(self.ids)}")
        h, w = self.shapes[img, 0], self.shapes[img, 1]
        p = self.patch_size
        if (idx[:, 1] < 0).any() or (idx[:, 2] < 0).any() or (idx[:, 1] + p > h).any() or (
            idx[:, 2] + p > w
        ).any():
            raise ValueError(f"index has a {p}x{p} patch that leaves its image")

    @property
    def channels(self) -> int:
        return int(self.shapes[0, 2])

    @property
    def num_patches(self) -> int:
        return len(self.index)

    @property
    def num_images(self) -> int:
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        """Host memory of the buffer, offsets, shapes and index table, in bytes."""
        return self.pixels.nbytes + self.offsets.nbytes + self.shapes.nbytes + self.index.nbytes

    def with_index(self, index: np.ndarray) -> "PatchSet":
        """The same images (buffer shared, not copied) with another patch table."""
        ps = dataclasses.replace(self, index=np.asarray(index, np.int32))
        ps._check_index()
        return ps

    def image(self, k: int) -> np.ndarray:
        """Image ``k`` as ``uint8 [H, W, C]`` (a view of the buffer)."""
        h, w, c = self.shapes[k]
        start = self.offsets[k]
        return self.pixels[start : start + h * w * c].reshape(h, w, c)

    def images(self) -> list:
        return [self.image(k) for k in range(self.num_images)]

    def cut(self, rows: Sequence[int]) -> np.ndarray:
        """Patches ``rows`` of the index as ``uint8 [len(rows), P, P, C]`` (numpy reference)."""
        p = self.patch_size
        out = [self.image(k)[r : r + p, c : c + p] for k, r, c in self.index[np.asarray(rows)]]
        return np.stack(out) if out else np.zeros((0, p, p, self.channels), np.uint8)

    def describe(self) -> str:
        """A one-line summary with the memory it takes."""
        return (
            f"{self.num_patches} patches of {self.patch_size}x{self.patch_size}x{self.channels} "
            f"from {self.num_images} images; pixels {self.pixels.nbytes / 2**20:.1f} MiB + index "
            f"{self.index.nbytes / 2**20:.1f} MiB = {self.nbytes / 2**20:.1f} MiB (materialised: "
            f"{self.num_patches * self.patch_size**2 * self.channels / 2**20:.0f} MiB as uint8)"
        )


@dataclass(frozen=True, eq=False)
class PatchSplit:
    """Training patches and held-out validation patches, from disjoint sets of images."""

    train: PatchSet
    val: Optional[PatchSet]

    @property
    def val_ids(self) -> tuple:
        return () if self.val is None else self.val.ids


def load_bsds300_images(
    data_dir: Optional[PathLike] = None, split: str = "train", color: str = "gray"
) -> tuple[list, list]:
    """``(ids, images)`` of a BSDS300 split in the colour mode ``color`` (uint8 [H, W, C])."""
    if color not in COLOR_MODES:
        raise ValueError(f"color must be one of {COLOR_MODES}, got {color!r}")
    pairs = bsds300_split(data_dir, split)
    images = [convert_color(read_dataset_image(path), color) for _, path in pairs]
    return [i for i, _ in pairs], images


def split_bsds300(
    ids: Sequence[str],
    images: Sequence[np.ndarray],
    *,
    patch_size: int = 32,
    stride: int = 4,
    val_images: int = 10,
    val_patches: int = 1000,
    seed: int = 0,
) -> PatchSplit:
    """Hold out ``val_images`` whole images for ``val_patches`` validation patches.

    The held-out images are a seeded choice among ``ids``; the validation patches are a
    seeded sample (without replacement) of their stride grid, in a fixed order. Every
    other image gives all its grid patches to training. ``val_images=0`` means no
    validation set (``val`` is None).
    """
    n = len(ids)
    small = min(images, key=lambda im: min(im.shape[:2])) if len(images) else None
    if small is not None and patch_size > min(small.shape[:2]):
        raise ValueError(f"patch size {patch_size} is larger than the smallest image "
                         f"({small.shape[1]}x{small.shape[0]} pixels); choose --patch-size <= "
                         f"{min(small.shape[:2])}")
    if not 0 <= val_images < n:
        raise ValueError(f"val_images must be in [0, {n - 1}], got {val_images}")
    rng = np.random.default_rng([seed, 0x5EED])
    held = np.sort(rng.permutation(n)[:val_images])
    keep = np.setdiff1d(np.arange(n), held)
    train = PatchSet.from_images([images[k] for k in keep], [ids[k] for k in keep], patch_size, stride)
    if val_images == 0:
        return PatchSplit(train, None)
    val_all = PatchSet.from_images([images[k] for k in held], [ids[k] for k in held], patch_size, stride)
    if val_patches < 1 or val_patches > val_all.num_patches:
        raise ValueError(
            f"val_patches must be in [1, {val_all.num_patches}] (the grid patches of "
            f"{val_images} held-out images), got {val_patches}"
        )
    chosen = rng.choice(val_all.num_patches, size=val_patches, replace=False)
    return PatchSplit(train, val_all.with_index(val_all.index[chosen]))


def load_bsds300_patches(
    data_dir: Optional[PathLike] = None,
    *,
    patch_size: int = 32,
    stride: int = 4,
    color: str = "gray",
    val_images: int = 10,
    val_patches: int = 1000,
    seed: int = 0,
) -> PatchSplit:
    """The paper's training/validation patches of the 200 BSDS300 training images.

    Denoising and random projections: ``patch_size=32, stride=4``; super-resolution:
    ``patch_size=36``. ``color`` is ``"gray"`` (MATLAB rgb2gray), ``"rgb"`` or ``"y"``.
    """
    ids, images = load_bsds300_images(data_dir, "train", color)
    return split_bsds300(ids, images, patch_size=patch_size, stride=stride,
                         val_images=val_images, val_patches=val_patches, seed=seed)
