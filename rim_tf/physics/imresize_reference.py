"""A slow, plain-numpy float64 reference of MATLAB's ``imresize(I, scale, 'bicubic')``.

This module is deliberately written the way MATLAB's documentation and its
``imresize.m`` describe the algorithm, one output sample at a time, and shares no
code with the fast TensorFlow version in :mod:`rim_tf.physics.imresize`; the tests compare
the two, and ``scripts/benchmark_imresize.py`` times them side by side.

The algorithm (MATLAB R2013a onwards, ``'bicubic'`` with antialiasing on):

1. Output size ``ceil(scale * n)`` per spatial dimension (or the given size, in
   which case the scale of each dimension is ``out / in``).
2. For each dimension, output sample ``x = 1..out`` (1-based) sits at input
   coordinate ``u = x / scale + 0.5 * (1 - 1/scale)``.
3. The kernel is Keys' cubic with ``a = -0.5`` (support 4); when shrinking
   (``scale < 1``) it is stretched to ``h(t) = scale * cubic(scale * t)`` with
   support ``4 / scale`` (antialiasing).
4. The ``ceil(support) + 2`` taps starting at ``floor(u - support/2)`` get weights
   ``h(u - j)``, normalised to sum to one.
5. Taps outside ``1..n`` are clamped to the edge sample (``border="replicate"``,
   the comment in MATLAB's ``imresize.m`` reads "has the effect of replicating
   end-points"). A symmetric mirror that repeats the edge sample
   (``[1..n, n..1]`` periodically, as several Python ports do) is available as
   ``border="symmetric"``; only ``"replicate"`` reproduces the authors' SelfExSR
   LR files (see ``scripts/benchmark_imresize.py --data``).
6. The dimensions are resized one at a time, the one with the smaller scale
   first (``sort`` is stable, so rows -- the height -- go first on a tie).
7. For ``uint8`` input each one-dimensional pass returns ``uint8``: rounded to
   nearest (halves away from zero) and saturated to ``0..255``.

The options ``pass_order`` and ``intermediate`` exist to test hypotheses about how
the authors' files were made; the defaults are MATLAB's documented behaviour.
"""
from __future__ import annotations

import math

import numpy as np

KERNEL_SUPPORT = 4.0


def cubic_kernel(t: float) -> float:
    """Keys' cubic convolution kernel with ``a = -0.5`` at a single point ``t``."""
    a = abs(t)
    if a <= 1.0:
        return 1.5 * a ** 3 - 2.5 * a ** 2 + 1.0
    if a <= 2.0:
        return -0.5 * a ** 3 + 2.5 * a ** 2 - 4.0 * a + 2.0
    return 0.0


def border_index(j: int, n: int, border: str = "replicate") -> int:
    """Map a 0-based index ``j`` that may fall outside ``0..n-1`` back inside.

    ``"replicate"`` clamps to the nearest edge sample; ``"symmetric"`` reflects,
    repeating the edge sample (``[1..n, n..1]`` periodically, 1-based).
    """
    if border == "replicate":
        return min(max(j, 0), n - 1)
    if border == "symmetric":
        j = j % (2 * n)
        return j if j < n else 2 * n - 1 - j
    raise ValueError(f"unknown border {border!r}; expected 'replicate' or 'symmetric'")


def output_taps(x: int, in_length: int, scale: float, antialias: bool = True,
                border: str = "replicate"):
    """Input indices (0-based, inside the image) and weights of 1-based output ``x``."""
    if scale < 1.0 and antialias:
        support = KERNEL_SUPPORT / scale

        def h(t):
            return scale * cubic_kernel(scale * t)
    else:
        support = KERNEL_SUPPORT
        h = cubic_kernel
    u = x / scale + 0.5 * (1.0 - 1.0 / scale)
    left = math.floor(u - support / 2.0)
    taps = int(math.ceil(support)) + 2
    indices, weights = [], []
    for p in range(taps):
        j = left + p  # 1-based input index, possibly outside 1..in_length
        indices.append(border_index(j - 1, in_length, border))
        weights.append(h(u - j))
    total = sum(weights)
    return indices, [w / total for w in weights]


def _to_uint8(values: np.ndarray) -> np.ndarray:
    """MATLAB's conversion of doubles to uint8: round halves away from zero, saturate."""
    rounded = np.sign(values) * np.floor(np.abs(values) + 0.5)
    return np.clip(rounded, 0, 255)


def resize_along_axis(image: np.ndarray, axis: int, out_length: int, scale: float,
                      antialias: bool = True, border: str = "replicate") -> np.ndarray:
    """One-dimensional bicubic resize of ``image`` (float64) along ``axis``."""
    image = np.moveaxis(np.asarray(image, dtype=np.float64), axis, 0)
    out = np.zeros((out_length,) + image.shape[1:], dtype=np.float64)
    for x in range(1, out_length + 1):
        indices, weights = output_taps(x, image.shape[0], scale, antialias, border)
        acc = np.zeros(image.shape[1:], dtype=np.float64)
        for j, w in zip(indices, weights):
            acc += w * image[j]
        out[x - 1] = acc
    return np.moveaxis(out, 0, axis)


def imresize_reference(image, scale=None, output_size=None, antialias: bool = True,
                       border: str = "replicate", pass_order: str = "matlab",
                       intermediate: str = "uint8"):
    """Resize an ``HW`` or ``HWC`` numpy image like MATLAB's bicubic ``imresize``.

    Args:
      image: ``[H, W]`` or ``[H, W, C]`` array; ``uint8`` input gets MATLAB's uint8
        semantics, anything else is computed in float64.
      scale: a positive number (both dimensions) or a pair ``(scale_h, scale_w)``.
      output_size: ``(out_h, out_w)`` instead of ``scale``; one may be ``None``.
      antialias: widen the kernel when shrinking (MATLAB's default).
      border: ``"replicate"`` (clamp; reproduces the SelfExSR LR files exactly) or
        ``"symmetric"`` (mirror repeating the edge sample).
      pass_order: ``"matlab"`` (smaller scale first, height first on a tie),
        ``"height_first"`` or ``"width_first"``.
      intermediate: for uint8 input, what the first pass returns: ``"uint8"``
        (MATLAB: rounded and saturated), ``"round"`` (rounded, not saturated) or
        ``"float"`` (neither; only the final result is converted).

    Returns:
      The resized image, ``uint8`` for ``uint8`` input, float64 otherwise.
    """
    image = np.asarray(image)
    is_uint8 = image.dtype == np.uint8
    in_size = image.shape[:2]
    if output_size is not None and None in output_size:
        # MATLAB's [NaN w] / [h NaN]: keep the aspect ratio of the given dimension.
        d = 0 if output_size[0] is not None else 1
        s = output_size[d] / in_size[d]
        scales = (s, s)
        out_size = tuple(int(math.ceil(s * n)) for n in in_size)
        out_size = tuple(output_size[k] if k == d else out_size[k] for k in range(2))
    elif output_size is not None:
        out_size = tuple(int(s) for s in output_size)
        scales = tuple(o / i for o, i in zip(out_size, in_size))
    else:
        scales = tuple(np.broadcast_to(np.asarray(scale, dtype=np.float64), (2,)))
        out_size = tuple(int(math.ceil(s * n)) for s, n in zip(scales, in_size))
    if pass_order == "matlab":
        order = sorted(range(2), key=lambda d: scales[d])  # stable, like MATLAB's sort
    elif pass_order == "height_first":
        order = [0, 1]
    elif pass_order == "width_first":
        order = [1, 0]
    else:
        raise ValueError(f"unknown pass_order {pass_order!r}")
    out = image.astype(np.float64)
    for k, axis in enumerate(order):
        out = resize_along_axis(out, axis, out_size[axis], scales[axis], antialias, border)
        if is_uint8:
            last = k == len(order) - 1
            if last or intermediate == "uint8":
                out = _to_uint8(out)
            elif intermediate == "round":
                out = np.sign(out) * np.floor(np.abs(out) + 0.5)
            elif intermediate != "float":
                raise ValueError(f"unknown intermediate {intermediate!r}")
    return out.astype(np.uint8) if is_uint8 else out
