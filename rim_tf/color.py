"""Colour conversions of the paper's data and protocols, as MATLAB computes them.

The paper's test sets and baselines were made with MATLAB, so its conversions are the
reference: ``rgb2gray`` made the 68-image gray test set (Roth and Black), ``rgb2ycbcr``
(ITU-R BT.601, studio range) gives the Y channel on which super-resolution is run and
scored (Huang et al.). As in MATLAB, the output has the class of the input: uint8 in,
rounded uint8 out; float in [0, 1] in, float out. :func:`rgb_to_ycbcr` and
:func:`ycbcr_to_rgb` are the unchecked float32 pair used on people's own images (whose
chroma may leave the studio range after processing).

Data loading, inference and the metrics all take their colours from here.
"""
from __future__ import annotations

import numpy as np

__all__ = ["YCBCR_MATRIX", "YCBCR_OFFSET", "GRAY_WEIGHTS", "rgb2gray", "rgb2y", "rgb2ycbcr",
           "rgb_to_ycbcr", "ycbcr_to_rgb"]

# MATLAB rgb2ycbcr (ITU-R BT.601), for R, G, B in [0, 1] and Y, Cb, Cr in [0, 255].
YCBCR_MATRIX = np.array(
    [
        [65.481, 128.553, 24.966],
        [-37.797, -74.203, 112.0],
        [112.0, -93.786, -18.214],
    ]
)
YCBCR_OFFSET = np.array([16.0, 128.0, 128.0])

# MATLAB rgb2gray: the first row of the inverse of MATLAB's NTSC (YIQ) matrix.
GRAY_WEIGHTS = np.array([0.298936021, 0.587043074, 0.114020904])

_YCBCR_INV = np.linalg.inv(YCBCR_MATRIX)


def _to_numpy(x, name: str) -> np.ndarray:
    if hasattr(x, "numpy") and callable(x.numpy):
        x = x.numpy()
    arr = np.asarray(x)
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.floating) or arr.dtype == np.uint8
                                     or arr.dtype == np.uint16):
        raise ValueError(f"{name}: unsupported dtype {arr.dtype}; expected a float array or uint8")
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return arr


def _round_to_uint8(x: np.ndarray) -> np.ndarray:
    """MATLAB's conversion of a double to uint8: round half away from zero, saturate."""
    return np.clip(np.floor(x + 0.5), 0, 255).astype(np.uint8)


def _rgb_input(rgb, name: str) -> np.ndarray:
    arr = _to_numpy(rgb, name)
    if arr.ndim < 3 or arr.shape[-1] != 3:
        raise ValueError(f"{name}: expected RGB images [..., H, W, 3], got shape {arr.shape}")
    if arr.dtype == np.uint16:
        raise ValueError(f"{name}: uint16 is not supported; pass uint8 or float in [0, 1]")
    if arr.dtype != np.uint8:
        lo, hi = float(arr.min()), float(arr.max())
        if lo < 0 or hi > 1:
            raise ValueError(
                f"{name}: float RGB must lie in [0, 1] (MATLAB convention), got [{lo:g}, {hi:g}]"
            )
    return arr


def rgb2ycbcr(rgb) -> np.ndarray:
    """MATLAB ``rgb2ycbcr`` (BT.601, studio range), on ``[..., H, W, 3]`` images.

    ``Y = 16 + 65.481 R + 128.553 G + 24.966 B`` with ``R, G, B`` in ``[0, 1]`` and
    ``Y`` in ``[16, 235]`` (``Cb``, ``Cr`` in ``[16, 240]``). As in MATLAB:
    uint8 input gives uint8 output, rounded (white -> 235, black -> 16);
    float input in ``[0, 1]`` gives float output divided by 255 (Y in ``[16/255, 235/255]``).
    """
    arr = _rgb_input(rgb, "rgb2ycbcr input")
    if arr.dtype == np.uint8:
        ycbcr = arr.astype(np.float64) @ (YCBCR_MATRIX.T / 255.0) + YCBCR_OFFSET
        return _round_to_uint8(ycbcr)
    ycbcr = arr.astype(np.float64) @ YCBCR_MATRIX.T + YCBCR_OFFSET
    return (ycbcr / 255.0).astype(arr.dtype)


def rgb2y(rgb) -> np.ndarray:
    """The Y (luma) channel of :func:`rgb2ycbcr`, shape ``[..., H, W]``."""
    return rgb2ycbcr(rgb)[..., 0]


def rgb2gray(rgb) -> np.ndarray:
    """MATLAB ``rgb2gray``: ``0.298936021 R + 0.587043074 G + 0.114020904 B``.

    uint8 in, rounded uint8 out (this is how the 68-image gray test set was made);
    float in ``[0, 1]`` in, float out. Shape ``[..., H, W, 3]`` -> ``[..., H, W]``.
    """
    arr = _rgb_input(rgb, "rgb2gray input")
    gray = arr.astype(np.float64) @ GRAY_WEIGHTS
    if arr.dtype == np.uint8:
        return _round_to_uint8(gray)
    return gray.astype(arr.dtype)


def rgb_to_ycbcr(rgb) -> np.ndarray:
    """MATLAB ``rgb2ycbcr`` on float RGB in ``[0, 1]``: float Y, Cb, Cr divided by 255.

    ``Y = (16 + 65.481 R + 128.553 G + 24.966 B) / 255`` etc., as :func:`rgb2ycbcr` does
    for float input, without its range check, in float32.
    """
    rgb = np.asarray(rgb, np.float64)
    return ((rgb @ YCBCR_MATRIX.T + YCBCR_OFFSET) / 255.0).astype(np.float32)


def ycbcr_to_rgb(ycbcr) -> np.ndarray:
    """MATLAB ``ycbcr2rgb`` on float input: the exact inverse of :func:`rgb_to_ycbcr` (not clipped)."""
    ycbcr = np.asarray(ycbcr, np.float64)
    return ((ycbcr * 255.0 - YCBCR_OFFSET) @ _YCBCR_INV.T).astype(np.float32)
