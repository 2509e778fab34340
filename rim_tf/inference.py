"""Running a trained RIM on people's own images: denoising and super-resolution, tiled.

Units: every noise level here is on the **0..255 scale** (8-bit units), whatever the bit
depth of the image: ``sigma=25`` means a standard deviation of ``25/255`` of the full
range, for a 16-bit image too (``25 * 257`` in 16-bit counts). Images are float arrays in
``[0, 1]`` (``uint8`` / ``uint16`` arrays are divided by 255 / 65535 first).

Tiling
------
A RIM sees every pixel of the image: its receptive field grows with every step (the
ConvGRU's state carries information a few pixels further each time). A large image is
therefore cut into overlapping tiles of at most ``tile x tile`` pixels, each tile is
processed on its own, and each output pixel is taken from the tile in which it lies
farthest from the tile's cut edges: the overlap band between two neighbours is split at
its middle, so every kept pixel has at least ``overlap // 2`` pixels of real context
beyond it (image borders are real borders, as for the whole image). Nothing is blended.
Tiled and whole results then agree up to the influence of pixels farther than
``overlap // 2`` away, which shrinks with the overlap and grows with the number of steps
(see ``tests/test_inference.py`` and the numbers in the CLI's ``--help``).

The tile grid is chosen so that a tile sees exactly what the whole image would show it:

* the paper's strided cell down-samples by 2 with ``"same"`` padding, whose sampling
  grid depends on the parity of the input size, so tiles start at even offsets and have
  the parity of the image in each dimension;
* for super-resolution the grid lives on the high-resolution image and tiles start at
  multiples of ``lcm(2, scale)``, so each covers whole low-resolution pixels and the
  bicubic operator's phases line up.

An image no larger than ``tile`` in a dimension is not cut in that dimension;
``tile=0`` (or ``None``) runs the whole image at once.
"""
from __future__ import annotations

import dataclasses
import math
import sys
from typing import Callable, List, Optional, Sequence

import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from rim_tf.physics.imresize import imresize
from rim_tf.color import rgb_to_ycbcr, ycbcr_to_rgb  # noqa: F401  (part of this module's API)
from rim_tf.physics import BicubicDownsample, Identity, quantization_noise_std
from rim_tf.physics.sigma import check_sigma

__all__ = [
    "DEFAULT_OVERLAP",
    "DEFAULT_SR_OVERLAP",
    "DEFAULT_TILE",
    "MIN_TILE",
    "SR_SCALES",
    "Span",
    "Tile",
    "bicubic_upscale",
    "check_sigma255",
    "check_steps",
    "denoise_image",
    "estimate_noise_sigma",
    "plan_spans",
    "plan_tiles",
    "rgb_to_ycbcr",
    "superres_image",
    "superres_y",
    "ycbcr_to_rgb",
]

SR_SCALES = (2, 3, 4)
"""The scales the super-resolution RIM is trained for (the paper's Table 3)."""

MIN_TILE = 16
"""The smallest tile side accepted."""

DEFAULT_TILE = 512
DEFAULT_OVERLAP = 64
"""Defaults of ``tile`` and ``overlap``. Measured with a trained ``cpu``-preset RIM-denoise
(600 iterations) on a BSDS300 photograph, noise 25, 3x3 tiles whose overlap is exactly
the nominal one, the largest |tiled - whole| (0..1 units) by overlap 16 / 32 / 48 / 64 was
1e-2 / 1e-3 / 2e-5 / 1e-6 at 20 steps and 9e-3 / 3e-4 / 2e-6 / 6e-7 at 10 steps (the
trained number): with an overlap of 64 tiling is invisible even in 16-bit output. A
512-pixel tile keeps the extra work of the overlap at (512/448)^2 = 1.31x and a whole
BSDS300 image in one tile."""

DEFAULT_SR_OVERLAP = 96
"""Super-resolution needs more overlap (in HR pixels): the likelihood gradient
``A^T (y - A x)`` of bicubic down-sampling reaches ``+-4 scale`` HR pixels per step on top
of the cell's reach. Measured with a trained ``cpu``-preset SR RIM (300 iterations, 10
steps) as above: at x3, overlap 24 / 48 / 72 / 96 gave 6e-3 / 4e-4 / 2e-5 / 5e-7 at 10
steps and 1e-2 / 2e-3 / 5e-4 / 5e-5 at 20 steps; at x2 and x4, 96 gave 1e-6 and 6e-7
(10 steps)."""

# Donoho's constant: the median of |N(0, 1)| is 0.6745, so median(|d|) / 0.6745 estimates sigma.
_MAD_TO_SIGMA = 0.6744897501960817


# =========================================================================== tiles
@dataclasses.dataclass(frozen=True)
class Span:
    """A tile's extent in one dimension: it covers ``[start, stop)``, and its result is
    kept on ``[keep_start, keep_stop)`` (the keep ranges of a plan partition the axis)."""

    start: int
    stop: int
    keep_start: int
    keep_stop: int


@dataclasses.dataclass(frozen=True)
class Tile:
    """A 2-D tile: ``rows`` and ``cols`` spans."""

    rows: Span
    cols: Span


def _check_tiling(tile, overlap):
    tile = 0 if tile is None else int(tile)
    overlap = int(overlap)
    if tile < 0:
        raise ValueError(f"tile must be >= 0 (0: no tiling), got {tile}")
    if 0 < tile < MIN_TILE:
        raise ValueError(f"tile must be at least {MIN_TILE} pixels (or 0 for no tiling), got {tile}")
    if overlap < 0:
        raise ValueError(f"overlap must be >= 0, got {overlap}")
    if tile and overlap >= tile:
        raise ValueError(f"tile {tile} is too small for overlap {overlap}: the overlap must be smaller "
                         "than the tile (use a larger --tile or a smaller --overlap)")
    return tile, overlap


def plan_spans(n: int, tile: Optional[int], overlap: int, *, unit: int = 1, align: int = 2) -> List[Span]:
    """Cut an axis of ``n`` pixels into overlapping spans of at most ``tile`` pixels.

    Args:
      n: the axis length (a multiple of ``unit``).
      tile: the largest span; ``0``/``None``, or ``n <= tile``, gives one span.
      overlap: the least number of pixels two neighbouring spans share.
      unit: spans start and end on multiples of ``unit`` (the SR scale; 1 for denoising).
      align: spans start at multiples of ``lcm(align, unit)`` and all have the parity
        of ``n`` (2 for the strided RIM).

    Returns:
      The spans in order; their keep ranges partition ``[0, n)``, the boundary between two
      neighbours at the middle of their shared band.
    """
    tile, overlap = _check_tiling(tile, overlap)
    n, unit, align = int(n), int(unit), int(align)
    if n < 1 or unit < 1 or align < 1:
        raise ValueError(f"need n, unit, align >= 1, got {n}, {unit}, {align}")
    if n % unit:
        raise ValueError(f"the axis length {n} is not a multiple of {unit}")
    if tile == 0 or n <= tile:
        return [Span(0, n, 0, n)]
    step = align * unit // math.gcd(align, unit)
    size = tile
    while size > 0 and (size % unit or (n - size) % step):
        size -= 1
    stride = (size - overlap) // step * step
    if size < 1 or stride < step:
        raise ValueError(
            f"tile {tile} is too small for overlap {overlap}: tiles (of {size} pixels here, to keep "
            f"offsets on multiples of {step}) must exceed the overlap by at least {step} pixels; "
            "use a larger --tile or a smaller --overlap")
    # as few tiles as the stride allows, spread evenly (on multiples of `step`) so that the
    # extra overlap is shared out instead of piling up before the last tile
    units, max_units = (n - size) // step, stride // step
    gaps = -(-units // max_units)
    starts = [0]
    for i in range(gaps):
        starts.append(starts[-1] + step * (units // gaps + (1 if i < units % gaps else 0)))
    bounds = [0] + [(starts[i + 1] + starts[i] + size) // 2 for i in range(len(starts) - 1)] + [n]
    return [Span(s, s + size, bounds[i], bounds[i + 1]) for i, s in enumerate(starts)]


def plan_tiles(height: int, width: int, tile: Optional[int], overlap: int, *, unit: int = 1,
               align: int = 2) -> List[Tile]:
    """The 2-D tiles of an image: every row span with every column span (rows first)."""
    rows = plan_spans(height, tile, overlap, unit=unit, align=align)
    cols = plan_spans(width, tile, overlap, unit=unit, align=align)
    return [Tile(r, c) for r in rows for c in cols]


def _run_tiles(tiles: Sequence[Tile], out_shape: tuple, run: Callable, *, progress: bool,
               desc: str) -> np.ndarray:
    """Assemble ``run(tile) -> [..., h, w, C]`` results into ``out_shape`` (``[..., H, W, C]``)."""
    out = np.empty(out_shape, np.float32)
    with tqdm(total=len(tiles), desc=desc, unit="tile", disable=None if progress else True, file=sys.stderr,
              dynamic_ncols=True, leave=False) as bar:
        for t in tiles:
            r, c = t.rows, t.cols
            result = run(t)
            out[..., r.keep_start:r.keep_stop, c.keep_start:c.keep_stop, :] = result[
                ..., r.keep_start - r.start:r.keep_stop - r.start,
                c.keep_start - c.start:c.keep_stop - c.start, :]
            bar.update(1)
    return out


# =========================================================================== helpers
def _as_image(image, name: str = "image") -> np.ndarray:
    """``[H, W]`` / ``[H, W, C]`` uint8, uint16 or float in [0, 1] -> float32 ``[H, W, C]``."""
    arr = np.asarray(image)
    if arr.dtype == np.uint8:
        arr = arr.astype(np.float32) / 255.0
    elif arr.dtype == np.uint16:
        arr = arr.astype(np.float32) / 65535.0
    elif arr.dtype.kind == "f":
        arr = arr.astype(np.float32)
    else:
        raise ValueError(f"{name}: expected uint8, uint16 or float samples, got {arr.dtype}")
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3 or arr.shape[-1] not in (1, 3) or min(arr.shape[:2]) < 1:
        raise ValueError(f"{name}: expected a gray [H, W(, 1)] or RGB [H, W, 3] image, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or Inf values")
    lo, hi = float(arr.min()), float(arr.max())
    # noisy observations may leave [0, 1] a little; far outside it is 0..255 data by mistake
    if lo < -2.0 or hi > 3.0:
        raise ValueError(f"{name}: float samples must be in [0, 1] units, got values in [{lo:g}, {hi:g}] "
                         "(divide 8-bit data by 255, 16-bit data by 65535)")
    return arr


def check_sigma255(sigma, name: str = "sigma") -> float:
    """A noise standard deviation on the 0..255 scale: finite, in [0.25, 255], else ``ValueError``
    (values below 0.25 are refused as plainly on the 0..1 scale). The rule is
    :func:`rim_tf.physics.sigma.check_sigma`'s."""
    return check_sigma(sigma, name, unit="0..255")


def check_steps(steps, model) -> int:
    """The number of RIM steps to run: ``model.steps`` for ``None``, else an integer >= 1."""
    steps = int(model.steps) if steps is None else steps
    if isinstance(steps, bool) or int(steps) != steps or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    return int(steps)


def _channels(model) -> int:
    channels = getattr(model, "channels", None)
    if channels is None:
        raise ValueError(f"expected a rim_tf RIM, got {type(model).__name__}")
    return int(channels)


def _call(model, y, operator, sigma01, steps, all_steps) -> np.ndarray:
    """The model on ``y [B, ...]`` -> ``[T, B, h, w, C]`` or ``[B, h, w, C]`` numpy."""
    out = model(tf.constant(y), operator=operator, sigma=sigma01, steps=steps)
    return out.numpy() if all_steps else out[-1].numpy()


# =========================================================================== up-sampling
def bicubic_upscale(image, scale: int) -> np.ndarray:
    """MATLAB ``imresize(image, scale, 'bicubic')`` of float ``[h, w, C]`` -> ``[s h, s w, C]``."""
    arr = np.asarray(image, np.float32)
    return imresize(tf.constant(arr[None]), scale=float(scale)).numpy()[0]


# =========================================================================== noise level
def estimate_noise_sigma(image) -> float:
    """Estimate the std of white Gaussian noise in an image, on the 0..255 scale.

    Donoho's robust estimator (Donoho and Johnstone, 1994): the median absolute value of
    the finest diagonal (HH) coefficients of the orthonormal Haar wavelet transform,
    divided by 0.6745. Each HH coefficient is ``(a - b - c + d) / 2`` over a 2x2 block,
    so white noise of std ``sigma`` gives HH coefficients of std ``sigma``, while smooth
    image content cancels. Edges and fine texture still leak into HH, so on detailed
    images the estimate is biased upwards at low noise levels; JPEG compression removes
    noise, so on JPEGs it is biased downwards. Colour channels are pooled.

    Args:
      image: ``[H, W]`` or ``[H, W, C]``; uint8, uint16, or float in ``[0, 1]``.

    Returns:
      sigma on the 0..255 scale (``25`` means ``25 / 255`` of the full range).
    """
    x = _as_image(image, "noise estimation input").astype(np.float64)
    h, w = (x.shape[0] // 2) * 2, (x.shape[1] // 2) * 2
    if h < 4 or w < 4:
        raise ValueError(f"the image ({x.shape[1]}x{x.shape[0]}) is too small to estimate its noise "
                         "level (at least 4x4 pixels); give the noise level explicitly")
    x = x[:h, :w]
    hh = (x[0::2, 0::2] - x[0::2, 1::2] - x[1::2, 0::2] + x[1::2, 1::2]) / 2.0
    return float(np.median(np.abs(hh)) / _MAD_TO_SIGMA * 255.0)


# =========================================================================== denoising
def denoise_image(model, image, sigma: float, steps: Optional[int] = None, tile: Optional[int] = DEFAULT_TILE,
                  overlap: int = DEFAULT_OVERLAP, *, progress: bool = False, all_steps: bool = False) -> np.ndarray:
    """Denoise one image with a RIM (``A = I``), tiled if it is larger than ``tile``.

    Args:
      model: a :class:`rim_tf.models.RIM`. A 1-channel model on an RGB image denoises
        each colour channel on its own; a 3-channel model needs an RGB image.
      image: ``[H, W]`` or ``[H, W, C]`` (C = 1 or 3); uint8, uint16 or float in ``[0, 1]``.
      sigma: the noise std on the **0..255 scale**, whatever the bit depth.
      steps: RIM steps; the model's trained number by default.
      tile, overlap: see the module docstring; ``tile=0`` runs the whole image at once.
      progress: a tqdm bar over the tiles on stderr.
      all_steps: return every step's estimate, ``[T, H, W, C]``.

    Returns:
      float32 ``[H, W, C]`` in ``(0, 1)`` (``[T, H, W, C]`` with ``all_steps``).
    """
    x = _as_image(image)
    sigma01 = check_sigma255(sigma) / 255.0
    steps = check_steps(steps, model)
    mc, (height, width, channels) = _channels(model), x.shape
    if mc == channels:
        to_batch = lambda t: t[None]                       # noqa: E731  [1, h, w, C]
        from_batch = lambda o: o[..., 0, :, :, :]          # noqa: E731
    elif mc == 1:
        # one gray image per colour channel, all in one batch
        to_batch = lambda t: np.moveaxis(t, -1, 0)[..., None]          # noqa: E731  [C, h, w, 1]
        from_batch = lambda o: np.moveaxis(o[..., 0], -3, -1)           # noqa: E731
    else:
        raise ValueError(f"these weights denoise {mc}-channel images, but the image has {channels} "
                         "channel(s); use a gray (1-channel) model for gray images")
    tiles = plan_tiles(height, width, tile, overlap, unit=1, align=2)
    operator = Identity()

    def run(t: Tile):
        patch = x[t.rows.start:t.rows.stop, t.cols.start:t.cols.stop]
        return from_batch(_call(model, to_batch(patch), operator, sigma01, steps, all_steps))

    shape = ((steps,) if all_steps else ()) + (height, width, channels)
    return _run_tiles(tiles, shape, run, progress=progress,
                      desc=f"denoising ({len(tiles)} tile{'s' * (len(tiles) != 1)})")


# =========================================================================== super-resolution
def _check_scale(scale) -> int:
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer, float)) or scale != int(scale) \
            or int(scale) not in SR_SCALES:
        raise ValueError(f"scale must be one of {', '.join(map(str, SR_SCALES))} (the scales the "
                         f"super-resolution RIM is trained for), got {scale!r}")
    return int(scale)


def superres_y(model, y, scale: int, steps: Optional[int] = None, tile: Optional[int] = DEFAULT_TILE,
               overlap: int = DEFAULT_SR_OVERLAP, *, sigma: Optional[float] = None, progress: bool = False,
               all_steps: bool = False) -> np.ndarray:
    """Super-resolve one channel ``[h, w]`` / ``[h, w, 1]`` (in ``[0, 1]``) by ``scale``.

    The forward model is MATLAB bicubic down-sampling
    (:class:`rim_tf.physics.BicubicDownsample`); the RIM starts from bicubic
    up-sampling. ``tile`` and ``overlap`` are in high-resolution pixels.

    Args:
      sigma: the likelihood's noise std on the 0..255 scale; by default the std of 8-bit
        rounding, ``1 / sqrt(12)`` (what the SR model is trained and evaluated with).

    Returns:
      float32 ``[s h, s w, 1]`` (``[T, s h, s w, 1]`` with ``all_steps``).
    """
    scale = _check_scale(scale)
    y = _as_image(y, "low-resolution image")
    if y.shape[-1] != 1:
        raise ValueError(f"superres_y works on one channel, got shape {y.shape}")
    if _channels(model) != 1:
        raise ValueError(f"super-resolution runs the RIM on the Y (luma) channel and needs a 1-channel "
                         f"model, but these weights restore {_channels(model)}-channel images")
    sigma01 = (quantization_noise_std() if sigma is None else check_sigma255(sigma) / 255.0)
    steps = check_steps(steps, model)
    height, width = scale * y.shape[0], scale * y.shape[1]
    tiles = plan_tiles(height, width, tile, overlap, unit=scale, align=2)

    def run(t: Tile):
        r, c = t.rows, t.cols
        patch = y[r.start // scale:r.stop // scale, c.start // scale:c.stop // scale]
        operator = BicubicDownsample(scale, hr_size=(r.stop - r.start, c.stop - c.start))
        out = _call(model, patch[None], operator, sigma01, steps, all_steps)
        return out[..., 0, :, :, :]

    shape = ((steps,) if all_steps else ()) + (height, width, 1)
    return _run_tiles(tiles, shape, run, progress=progress,
                      desc=f"super-resolving x{scale} ({len(tiles)} tile{'s' * (len(tiles) != 1)})")


def superres_image(model, image, scale: int, steps: Optional[int] = None, tile: Optional[int] = DEFAULT_TILE,
                   overlap: int = DEFAULT_SR_OVERLAP, *, sigma: Optional[float] = None,
                   progress: bool = False) -> np.ndarray:
    """Super-resolve a gray or RGB image by ``scale`` (2, 3 or 4), as in the paper's protocol.

    RGB: MATLAB ``rgb2ycbcr`` (float); the RIM on Y (:func:`superres_y`); Cb and Cr by
    bicubic up-sampling (MATLAB ``imresize``); back with the inverse transform, clipped
    to ``[0, 1]``. Gray: the RIM on the gray image.

    Returns:
      float32 ``[s h, s w, C]`` in ``[0, 1]``.
    """
    scale = _check_scale(scale)
    x = _as_image(image, "low-resolution image")
    kwargs = dict(steps=steps, tile=tile, overlap=overlap, sigma=sigma, progress=progress)
    if x.shape[-1] == 1:
        return superres_y(model, x, scale, **kwargs)
    ycbcr = rgb_to_ycbcr(x)
    y_hr = superres_y(model, ycbcr[..., :1], scale, **kwargs)
    cbcr_hr = bicubic_upscale(ycbcr[..., 1:], scale)
    rgb = ycbcr_to_rgb(np.concatenate([y_hr, cbcr_hr], axis=-1))
    return np.clip(rgb, 0.0, 1.0)
