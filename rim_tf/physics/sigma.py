"""The one rule for a noise standard deviation, whatever its unit.

Every sigma of the package -- a task's observation noise, the likelihood's ``sigma`` of
eq. 9, the 0..255 levels of the command lines and tables -- passes :func:`check_sigma`: a
finite number > 0. The unit only adds what can be judged in it: on the 0..255 scale a value
below :data:`SIGMA255_MIN` is plainly on the 0..1 scale, one above 255 larger than the range.
"""
from __future__ import annotations

import numpy as np

UNITS = {"0..1": "in the units of the [0, 1] images", "0..255": "on the 0..255 scale"}
"""The units a sigma is given in, and how error messages name them."""

SIGMA255_MIN = 0.25
"""Every user-facing sigma is on the 0..255 scale; below this it was plainly given on 0..1.

A quarter of an 8-bit level is below the noise that rounding to 8 bits alone adds (0.29), so no
real 0..255 setting is refused, while every usual 0..1 level up to sigma 63 (0.25) is caught."""


def check_sigma(sigma, name: str = "sigma", unit: str = "0..1"):
    """A noise standard deviation: finite and > 0, else ``ValueError`` naming ``name`` and ``unit``.

    Args:
      sigma: a number, or an array of them (one per sample).
      name: how the message names the argument (``"--sigma-range"``, ``"sigma_range[0]"``).
      unit: ``"0..1"`` (image units; also the measurements' units of a projection) or
        ``"0..255"`` (8-bit levels, whatever the bit depth: also within [0.25, 255]).

    Returns:
      ``sigma`` as a float (a float64 array for array input).
    """
    if unit not in UNITS:
        raise ValueError(f"unknown sigma unit {unit!r}; choose one of {', '.join(UNITS)}")
    where = UNITS[unit]
    try:
        values = np.asarray(sigma, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number {where}, got {sigma!r}") from None
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError(f"{name} (the noise standard deviation {where}) must be > 0 and finite, "
                         f"got {sigma}")
    if unit == "0..255":
        if np.any(values < SIGMA255_MIN):
            low = float(values.min())
            raise ValueError(f"{name} = {low:g} on the 0..255 scale is far below the rounding noise of "
                             f"8-bit data (0.29); it looks like the 0..1 scale: give {low * 255:.4g}")
        if np.any(values > 255):
            raise ValueError(f"{name} = {float(values.max()):g} is larger than the whole 0..255 range")
    return float(values) if values.ndim == 0 else values


def check_sigma_range(sigma_range, name: str = "sigma_range", unit: str = "0..1") -> tuple:
    """A range ``(lo, hi)`` of noise levels, ``0 < lo <= hi`` (``lo == hi``: one level); each
    end passes :func:`check_sigma`. Returned as a tuple of floats."""
    if isinstance(sigma_range, (str, bytes)) or not hasattr(sigma_range, "__len__") or len(sigma_range) != 2:
        raise ValueError(f"{name} must be a range (lo, hi), got {sigma_range!r}")
    lo = check_sigma(sigma_range[0], f"{name}[0]", unit)
    hi = check_sigma(sigma_range[1], f"{name}[1]", unit)
    if lo > hi:
        raise ValueError(f"{name} must have lo <= hi, got {sigma_range!r}")
    return (lo, hi)


def check_sigma_or_range(sigma, name: str = "sigma", unit: str = "0..1"):
    """A fixed level (a number: returned as ``float``) or a range ``(lo, hi)`` to draw one
    level per sample from (:func:`check_sigma_range`, returned as a tuple of floats)."""
    if isinstance(sigma, (list, tuple)):
        return check_sigma_range(sigma, name, unit)
    value = check_sigma(sigma, name, unit)
    if not isinstance(value, float):
        raise ValueError(f"{name} must be a number or a range (lo, hi), got {sigma!r}")
    return value
