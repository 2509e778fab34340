"""Image-quality metrics of the paper's evaluation protocols (colours: :mod:`rim_tf.color`).

Everything here is evaluation code: it runs in numpy float64 on host arrays, so that
the numbers we compare against the paper's tables do not depend on float32 round-off.
TensorFlow tensors are accepted (eager tensors are converted with ``.numpy()``).

Conventions
-----------
* An image is ``[H, W]`` (gray) or ``[H, W, C]``; with ``batch=True`` a leading image
  axis is added: ``[N, H, W]`` or ``[N, H, W, C]``.
* ``data_range`` is never guessed: PSNR and SSIM take it as a required keyword, ``1.0``
  for images in ``[0, 1]`` and ``255`` for 8-bit images.
* The colour conversions (MATLAB ``rgb2gray``, ``rgb2ycbcr``) live in :mod:`rim_tf.color`;
  they are re-exported here for older imports.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from rim_tf.color import YCBCR_MATRIX, YCBCR_OFFSET, rgb2gray, rgb2y, rgb2ycbcr  # noqa: F401  (re-exported)

__all__ = [
    "psnr",
    "ssim",
    "rgb2ycbcr",
    "rgb2y",
    "rgb2gray",
    "shave",
    "sr_psnr",
    "YCBCR_MATRIX",
    "YCBCR_OFFSET",
]

_INTEGER_RANGES = {np.dtype(np.uint8): 255, np.dtype(np.uint16): 65535}


# --------------------------------------------------------------------------- checks
def _to_numpy(x, name: str) -> np.ndarray:
    """A numpy view of ``x`` (numpy array, eager TF tensor, or nested list)."""
    if hasattr(x, "numpy") and callable(x.numpy):
        x = x.numpy()
    arr = np.asarray(x)
    if arr.dtype == np.bool_ or not (
        np.issubdtype(arr.dtype, np.floating) or arr.dtype in _INTEGER_RANGES
    ):
        raise ValueError(
            f"{name}: unsupported dtype {arr.dtype}; expected a float array or uint8/uint16"
        )
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return arr


def _check_pair(a, b, data_range, check_range: bool):
    """Validate a (estimate, reference) pair; return both as float64 arrays."""
    a = _to_numpy(a, "first image")
    b = _to_numpy(b, "second image")
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch: {a.shape} vs {b.shape}")
    if a.size == 0:
        raise ValueError("empty images")
    if not np.isscalar(data_range) or not data_range > 0:
        raise ValueError(f"data_range must be a positive number, got {data_range!r}")
    for name, arr in (("first image", a), ("second image", b)):
        if arr.dtype in _INTEGER_RANGES and data_range != _INTEGER_RANGES[arr.dtype]:
            raise ValueError(
                f"{name} is {arr.dtype} but data_range={data_range}; "
                f"use data_range={_INTEGER_RANGES[arr.dtype]} for {arr.dtype} images"
            )
        if check_range:
            lo, hi = float(arr.min()), float(arr.max())
            if lo < 0 or hi > data_range:
                raise ValueError(
                    f"{name} has values in [{lo:g}, {hi:g}], outside [0, {data_range:g}] "
                    "(wrong data_range? clip the image, or pass check_range=False)"
                )
    return a.astype(np.float64), b.astype(np.float64)


def _check_image_rank(x: np.ndarray, batch: bool, name: str) -> None:
    allowed = (3, 4) if batch else (2, 3)
    if x.ndim not in allowed:
        layout = "[N, H, W] or [N, H, W, C]" if batch else "[H, W] or [H, W, C]"
        raise ValueError(f"{name}: expected {layout}, got shape {x.shape}")


# --------------------------------------------------------------------------- PSNR
def psnr(a, b, *, data_range: float, batch: bool = False, check_range: bool = True):
    """Peak signal-to-noise ratio ``10 log10(data_range^2 / MSE)`` in dB.

    Args:
      a, b: images of equal shape (numpy arrays or TF tensors); ``[H, W]``/``[H, W, C]``,
        or with ``batch=True`` ``[N, ...]``.
      data_range: the peak value: ``1.0`` for images in ``[0, 1]``, ``255`` for 8-bit.
      batch: treat axis 0 as the image index and return one PSNR per image.
      check_range: raise if a value lies outside ``[0, data_range]`` (catches a
        0..255 image passed with ``data_range=1``). Turn off for unclipped noisy images.

    Returns:
      A Python float (``inf`` for identical images), or with ``batch=True`` a float64
      array ``[N]``. The MSE is taken over all pixels and channels of an image.
    """
    a, b = _check_pair(a, b, data_range, check_range)
    if batch:
        if a.ndim < 2:
            raise ValueError(f"batch=True needs a leading image axis, got shape {a.shape}")
        mse = np.mean((a - b).reshape(a.shape[0], -1) ** 2, axis=1)
    else:
        mse = np.mean((a - b) ** 2)
    with np.errstate(divide="ignore"):
        out = 10.0 * np.log10(float(data_range) ** 2 / mse)
    return out if batch else float(out)


# --------------------------------------------------------------------------- SSIM
def _gaussian_window_1d(size: int, sigma: float) -> np.ndarray:
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    w = np.exp(-(x**2) / (2.0 * sigma**2))
    return w / w.sum()


def _valid_filter(x: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Separable 2-D filtering of ``[H, W]`` keeping only fully-overlapping positions.

    This is MATLAB's ``filter2(w, x, 'valid')`` of Wang et al.'s ``ssim_index.m``.
    """
    y = ndimage.correlate1d(x, window, axis=0, mode="constant")
    y = ndimage.correlate1d(y, window, axis=1, mode="constant")
    r = (len(window) - 1) // 2
    return y[r : y.shape[0] - r, r : y.shape[1] - r]


def _ssim_gray(x, y, data_range, window, k1, k2) -> float:
    c1 = (k1 * data_range) ** 2
    c2 = (k2 * data_range) ** 2
    mu_x = _valid_filter(x, window)
    mu_y = _valid_filter(y, window)
    var_x = _valid_filter(x * x, window) - mu_x**2
    var_y = _valid_filter(y * y, window) - mu_y**2
    cov = _valid_filter(x * y, window) - mu_x * mu_y
    num = (2 * mu_x * mu_y + c1) * (2 * cov + c2)
    den = (mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2)
    return float(np.mean(num / den))


def ssim(
    a,
    b,
    *,
    data_range: float,
    batch: bool = False,
    win_size: int = 11,
    sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
    check_range: bool = True,
):
    """Mean structural similarity (Wang, Bovik, Sheikh and Simoncelli, 2004).

    The reference implementation's settings: an ``11 x 11`` Gaussian window with
    standard deviation 1.5, ``K1 = 0.01``, ``K2 = 0.03``, population (not sample)
    statistics, and the mean taken over the positions where the window fits inside
    the image (no padding). For colour images the SSIM of each channel is averaged.
    Equal to ``skimage.metrics.structural_similarity(a, b, data_range=...,
    gaussian_weights=True, sigma=1.5, use_sample_covariance=False, channel_axis=-1)``.

    Returns a float, or with ``batch=True`` a float64 array ``[N]``.
    """
    a, b = _check_pair(a, b, data_range, check_range)
    _check_image_rank(a, batch, "ssim input")
    if win_size < 3 or win_size % 2 == 0:
        raise ValueError(f"win_size must be odd and >= 3, got {win_size}")
    images_a = a if batch else a[None]
    images_b = b if batch else b[None]
    if images_a.ndim == 3:  # gray: add a channel axis
        images_a, images_b = images_a[..., None], images_b[..., None]
    h, w = images_a.shape[1:3]
    if h < win_size or w < win_size:
        raise ValueError(f"images of size {h}x{w} are smaller than the {win_size}x{win_size} window")
    window = _gaussian_window_1d(win_size, sigma)
    values = np.array(
        [
            np.mean(
                [
                    _ssim_gray(xa[..., c], xb[..., c], float(data_range), window, k1, k2)
                    for c in range(xa.shape[-1])
                ]
            )
            for xa, xb in zip(images_a, images_b)
        ]
    )
    return values if batch else float(values[0])


# --------------------------------------------------------------------------- protocol
def shave(img, border: int, *, batch: bool = False) -> np.ndarray:
    """Remove ``border`` pixels from each of the four image borders.

    ``img`` is ``[H, W]`` or ``[H, W, C]``, or with ``batch=True`` ``[N, H, W(, C)]``.
    ``border = 0`` returns the image unchanged.
    """
    arr = img.numpy() if hasattr(img, "numpy") and callable(img.numpy) else np.asarray(img)
    _check_image_rank(arr, batch, "shave input")
    if int(border) != border or border < 0:
        raise ValueError(f"border must be a non-negative integer, got {border!r}")
    border = int(border)
    h_axis = 1 if batch else 0
    h, w = arr.shape[h_axis], arr.shape[h_axis + 1]
    if 2 * border >= min(h, w):
        raise ValueError(f"cannot shave {border} pixels off each border of a {h}x{w} image")
    if border == 0:
        return arr
    index = [slice(None)] * arr.ndim
    index[h_axis] = slice(border, h - border)
    index[h_axis + 1] = slice(border, w - border)
    return arr[tuple(index)]


def sr_psnr(sr_rgb_uint8, hr_rgb_uint8, scale: int) -> float:
    """PSNR of a super-resolved image under the protocol of Huang et al. (2015).

    The SelfExSR evaluation (``compute_difference.m``), used for Table 3: both images
    go to the Y channel of MATLAB ``rgb2ycbcr``, rounded to uint8; ``scale`` pixels are
    shaved off every border; PSNR over the range 0..255. A 2-D uint8 image is taken to
    be luminance already, as in the original code.

    Args:
      sr_rgb_uint8: the super-resolved image, uint8 ``[H, W, 3]``.
      hr_rgb_uint8: the ground-truth high-resolution image, uint8 ``[H, W, 3]``.
      scale: the super-resolution factor (2, 3 or 4 in the paper).
    """
    images = []
    for name, img in (("super-resolved image", sr_rgb_uint8), ("high-resolution image", hr_rgb_uint8)):
        arr = img.numpy() if hasattr(img, "numpy") and callable(img.numpy) else np.asarray(img)
        if arr.dtype != np.uint8:
            raise ValueError(
                f"{name}: the SelfExSR protocol works on uint8 images, got {arr.dtype} "
                "(round and clip to uint8 first, as the saved PNGs are)"
            )
        if arr.ndim == 3 and arr.shape[-1] == 3:
            arr = rgb2y(arr)
        elif arr.ndim != 2:
            raise ValueError(f"{name}: expected [H, W, 3] RGB or [H, W] luma, got shape {arr.shape}")
        images.append(arr)
    if images[0].shape != images[1].shape:
        raise ValueError(
            f"shape mismatch: super-resolved {np.shape(sr_rgb_uint8)} vs "
            f"high-resolution {np.shape(hr_rgb_uint8)}"
        )
    if int(scale) != scale or scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale!r}")
    sr_y, hr_y = (shave(y, int(scale)) for y in images)
    return psnr(sr_y, hr_y, data_range=255)
