"""MATLAB-compatible bicubic ``imresize`` as fast, differentiable TensorFlow ops.

The super-resolution forward model of the paper (section 3, "Data") is "MATLAB bicubic
down-sampling reimplemented in TensorFlow, which agrees with the forward model in Huang
et al."; Huang et al.'s SelfExSR LR test images were made with MATLAB's
``imresize(HR, 1/s, 'bicubic')``. This module reproduces that function:

* Keys' cubic kernel with ``a = -0.5``; when shrinking (``scale < 1``) the kernel is
  stretched by ``1/scale`` and scaled by ``scale`` (MATLAB's antialiasing).
* Output size ``ceil(scale * n)``; output sample ``x = 1..out`` (1-based) sits at input
  coordinate ``u = x / scale + 0.5 * (1 - 1/scale)``; taps ``floor(u - support/2) + p``,
  ``p = 0..ceil(support) + 1``, weights normalised to sum to one.
* Out-of-range taps are clamped to the edge sample (``border="replicate"``), as MATLAB's
  ``imresize.m`` does ("has the effect of replicating end-points"). With this border the
  result equals all 300 of the authors' SelfExSR BSD100 LR files exactly (see
  ``scripts/benchmark_imresize.py --data`` and ``tests/test_imresize.py``). A symmetric
  mirror that repeats the edge sample (several Python ports) is ``border="symmetric"``;
  it matches only 99.28 / 98.97 / 98.57 % of those pixels (x2 / x3 / x4), off by up to
  10 grey levels, all in the outermost rows and columns.
* Separable: for ``uint8`` input the dimension with the smaller scale is resized first
  (height first on a tie, as MATLAB's stable ``sort`` orders them); the order matters
  there because every pass rounds. For floating input the two passes are linear and
  commute, so the cheaper order is used (width first when the height grows); results
  differ from MATLAB's order only by floating-point rounding.
* ``uint8`` input gets MATLAB's ``uint8`` semantics: every one-dimensional pass returns
  ``uint8`` (rounded half away from zero and saturated to ``0..255``); the arithmetic is
  float64 like MATLAB's doubles. (float32 would be ~1.3x faster and happens to reproduce
  all 300 LR files as well, but on random images it rounds some near-ties the other way,
  e.g. 14 of 889,440 pixels at scale 1.7, so it is not used.)

How a pass is computed. Every one-dimensional pass is the linear map of a dense
``[out, in]`` weight matrix (:func:`resize_weights`, built once per (length, size, scale)
in numpy float64 and cached), but an output sample only has ``4 / scale`` taps when
shrinking and 4 when enlarging, so the dense product wastes most of its work. The pass is
applied to the axis laid out outermost (``[B, n, N]``; the width pass transposes the
image to ``[B, W*C, H]`` and back) by the cheapest of three exact schemes, all derived
from and checked against that matrix when they are built (:func:`pass_plan`):

* ``"conv"``: shrinking by an integer factor ``s`` uses one fixed kernel of ``~4 s`` taps
  at stride ``s``, so the pass is a strided depthwise convolution over the ``N`` columns
  (``tf.nn.depthwise_conv2d``) with zero padding, after which the two or three output
  rows at each end, where the border rule differs from zeros, are recomputed exactly
  (a small product, written over them by ``tf.tensor_scatter_nd_update``; this copies
  the output once, which is cheaper than padding the input by a gather).
* ``"band"``: any other scale. The output rows are cut into blocks of ``R``; block ``g``
  reads one window of ``L`` consecutive input rows, so the pass is one ``tf.gather`` of
  the windows and one batched ``[G, R, L] x [B, G, L, N]`` product.
* ``"dense"``: the matrix product itself, for sizes where the others do not pay.

A pass whose matrix is the identity (scale 1) is skipped. ``method="dense"`` keeps the
plain dense products in MATLAB's pass order, as the reference the fast schemes are tested
against.

In eager mode the ops of one call run as one cached ``tf.function`` per (shape, dtype,
arguments), which removes most of the per-op dispatch cost; inside a ``tf.function`` or
``tf.data`` pipeline the ops are simply added to the caller's graph. Everything is
differentiable, and the exact adjoint is the product with the transposed matrices
(:func:`imresize_transpose`). The shape logic is plain Python on static shapes, so both
functions are exempt from AutoGraph (converting them inside a ``tf.function`` would only
cost seconds of tracing).

Why not ``tf.image.resize(..., method="bicubic", antialias=True)``: it uses the same Keys
kernel (``a = -0.5``), sample positions and kernel widening, so its weights agree in the
interior, but at the image border it drops the taps that fall outside and renormalises
the remaining weights instead of replicating the edge sample, so the outermost two or
three rows and columns differ (single weights by up to 0.06 at scale 1/4);
it has no ``uint8`` semantics (no rounding between passes); and with
``antialias=False`` it does not widen the kernel when shrinking, unlike MATLAB.
"""
from __future__ import annotations

import collections
import functools
import math
import threading
from typing import NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np
import tensorflow as tf

KERNEL_SUPPORT = 4.0  # Keys' cubic is non-zero on (-2, 2)
BORDERS = ("replicate", "symmetric")

Scale = Union[float, Sequence[float]]
Size = Sequence[Optional[int]]

# Cost model for choosing the block size of a "band" pass, in units of copying one
# element per column: one multiply-add costs _MAC_COST, one block (one small matrix product
# of the batch) a fixed _BLOCK_COST. Rough fits to TF's CPU kernels (gather ~1 ns/element,
# batched products ~0.1-0.3 ns/multiply-add plus some microseconds per product); the
# choice is not critical (measured times vary by ~20 % over block sizes 8..32).
_MAC_COST = 0.1
_BLOCK_COST = 16.0
_MAX_BLOCK_ROWS = 64
_MAX_CACHED_GRAPHS = 64


def cubic(t: np.ndarray) -> np.ndarray:
    """Keys' cubic convolution kernel with ``a = -0.5`` (MATLAB's ``cubic``), vectorised."""
    a = np.abs(t)
    return np.where(
        a <= 1.0,
        1.5 * a ** 3 - 2.5 * a ** 2 + 1.0,
        np.where(a <= 2.0, -0.5 * a ** 3 + 2.5 * a ** 2 - 4.0 * a + 2.0, 0.0),
    )


def _check_border(border: str) -> None:
    if border not in BORDERS:
        raise ValueError(f"border must be one of {BORDERS}, got {border!r}")


def border_index(index: np.ndarray, length: int, border: str = "replicate") -> np.ndarray:
    """Map 0-based indices that may leave ``0..length-1`` back inside by the border rule.

    ``"replicate"`` clamps to the edge sample; ``"symmetric"`` mirrors, repeating the
    edge sample (``[1..n, n..1]`` periodically, 1-based).
    """
    _check_border(border)
    index = np.asarray(index, dtype=np.int64)
    if border == "replicate":
        return np.clip(index, 0, length - 1)
    period = np.mod(index, 2 * length)
    return np.where(period < length, period, 2 * length - 1 - period)


@functools.lru_cache(maxsize=512)
def resize_weights(in_length: int, out_length: int, scale: float, antialias: bool = True,
                   border: str = "replicate") -> np.ndarray:
    """The ``[out_length, in_length]`` float64 matrix of one bicubic resize pass.

    Row ``i`` holds the weights with which output sample ``i`` mixes the input samples;
    taps falling outside the input are folded onto the samples the ``border`` rule maps
    them to. Cached per argument tuple (the returned array is read-only).
    """
    _check_border(border)
    shrink = scale < 1.0 and antialias
    support = KERNEL_SUPPORT / scale if shrink else KERNEL_SUPPORT
    x = np.arange(1, out_length + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1.0 - 1.0 / scale)
    left = np.floor(u - support / 2.0)
    taps = int(math.ceil(support)) + 2
    index = left[:, None] + np.arange(taps)[None, :]  # 1-based, may leave 1..in_length
    distance = u[:, None] - index
    weights = scale * cubic(scale * distance) if shrink else cubic(distance)
    weights = weights / weights.sum(axis=1, keepdims=True)
    index = border_index(index.astype(np.int64) - 1, in_length, border)
    matrix = np.zeros((out_length, in_length), dtype=np.float64)
    rows = np.repeat(np.arange(out_length), taps)
    np.add.at(matrix, (rows, index.ravel()), weights.ravel())
    matrix.setflags(write=False)
    return matrix


# ---------------------------------------------------------------------------------------
# How one pass is computed: the dense matrix, or an exact cheaper equivalent of it.

class IdentityPass(NamedTuple):
    """The matrix is the identity (scale 1): nothing to do."""


class ConvPass(NamedTuple):
    """Correlation with ``kernel`` at stride ``stride`` over the input padded with zeros
    (``pad`` rows before and after), then the few border rows where the zeros differ
    from the border rule recomputed exactly: ``y[fix_rows] = fix_weights @ x[fix_cols]``."""
    kernel: np.ndarray  # [K] float64
    stride: int
    pad: Tuple[int, int]
    out_length: int
    fix_rows: np.ndarray  # [F] int32
    fix_cols: np.ndarray  # [M] int32
    fix_weights: np.ndarray  # [F, M] float64


class BandPass(NamedTuple):
    """Output block ``g`` (rows ``g R .. g R + R - 1``) is ``blocks[g] @ x[window g]``."""
    blocks: np.ndarray  # [G, R, L] float64
    index: np.ndarray  # [G * L] int32: window g is index[g L : (g + 1) L]
    out_length: int


class DensePass(NamedTuple):
    """``y = matrix @ x``."""
    matrix: np.ndarray  # [out, in] float64


Pass = Union[IdentityPass, ConvPass, BandPass, DensePass]


def _conv_plan(matrix: np.ndarray, scale: float) -> Optional[ConvPass]:
    """Shrinking by an integer factor ``s``: one kernel of ``~4 s`` taps at stride ``s``."""
    out_length, in_length = matrix.shape
    if scale >= 1.0 or out_length < 2:
        return None
    stride = int(round(1.0 / scale))
    if stride < 2 or abs(stride * scale - 1.0) > 1e-9:
        return None
    middle = out_length // 2
    taps = np.flatnonzero(matrix[middle])
    kernel = np.array(matrix[middle, taps[0]:taps[-1] + 1])
    before = stride * middle - int(taps[0])  # output o reads input rows o * s - before + t
    after = (out_length - 1) * stride + kernel.size - before - in_length
    if before < 0 or after < 0:
        return None
    # The matrix of the zero-padded correlation; the rows where it differs from the
    # border rule's matrix are recomputed, and everything must match the matrix.
    zero_padded = np.zeros_like(matrix)
    for o in range(out_length):
        first = o * stride - before
        lo, hi = max(first, 0), min(first + kernel.size, in_length)
        zero_padded[o, lo:hi] = kernel[lo - first:hi - first]
    fix_rows = np.flatnonzero(np.any(zero_padded != matrix, axis=1))
    fix_cols = np.flatnonzero(np.any(matrix[fix_rows] != 0.0, axis=0))
    fix_weights = np.array(matrix[np.ix_(fix_rows, fix_cols)])
    rebuilt = zero_padded.copy()
    rebuilt[fix_rows] = 0.0
    rebuilt[np.ix_(fix_rows, fix_cols)] = fix_weights
    if np.max(np.abs(rebuilt - matrix)) > 1e-12 or fix_rows.size > out_length // 2:
        return None
    return ConvPass(kernel, stride, (before, after), out_length, fix_rows.astype(np.int32),
                    fix_cols.astype(np.int32), fix_weights)


def _band_cost(out_length: int, rows: int, width: int) -> float:
    """Cost of a band pass (see ``_MAC_COST``): the gathered windows, the products, the
    per-block overhead and the slice that drops the padding rows of the last block."""
    blocks = -(-out_length // rows)
    cost = blocks * (width * (1.0 + _MAC_COST * rows) + _BLOCK_COST)
    return cost + (out_length if blocks * rows != out_length else 0)


def _band_plan(matrix: np.ndarray) -> Optional[BandPass]:
    """Blocks of output rows, each reading one window of input rows; ``None`` if not cheaper."""
    out_length, in_length = matrix.shape
    nonzero = matrix != 0.0
    first = np.argmax(nonzero, axis=1)
    last = in_length - 1 - np.argmax(nonzero[:, ::-1], axis=1)
    best = None
    for rows in range(1, min(out_length, _MAX_BLOCK_ROWS) + 1):
        starts = np.minimum.reduceat(first, np.arange(0, out_length, rows))
        ends = np.maximum.reduceat(last, np.arange(0, out_length, rows))
        width = int(np.max(ends - starts)) + 1
        cost = _band_cost(out_length, rows, width)
        if best is None or cost < best[0]:
            best = (cost, rows, width)
    cost, rows, width = best
    if width >= in_length or cost >= _MAC_COST * out_length * in_length:
        return None
    starts = np.minimum.reduceat(first, np.arange(0, out_length, rows))
    starts = np.minimum(starts, in_length - width)  # every window inside the input
    n_blocks = starts.size
    blocks = np.zeros((n_blocks, rows, width), dtype=np.float64)
    for g, start in enumerate(starts):
        part = matrix[g * rows:(g + 1) * rows]
        blocks[g, :part.shape[0]] = part[:, start:start + width]
    index = (starts[:, None] + np.arange(width)[None, :]).ravel().astype(np.int32)
    # Every non-zero weight of the matrix lies inside its block's window.
    covered = sum(float(np.abs(b).sum()) for b in blocks)
    if not math.isclose(covered, float(np.abs(matrix).sum()), rel_tol=1e-12):
        return None
    return BandPass(blocks, index, out_length)


@functools.lru_cache(maxsize=512)
def pass_plan(in_length: int, out_length: int, scale: float, antialias: bool = True,
              border: str = "replicate") -> Pass:
    """The cheapest exact way to apply :func:`resize_weights` of these arguments.

    An :class:`IdentityPass`, a :class:`ConvPass` (shrinking by an integer factor), a
    :class:`BandPass` (any other scale) or, when neither saves work, a
    :class:`DensePass`. Each is checked against the dense matrix when it is built.
    """
    matrix = resize_weights(in_length, out_length, scale, antialias, border)
    if (out_length == in_length and np.count_nonzero(matrix) == in_length
            and np.all(np.diagonal(matrix) == 1.0)):
        return IdentityPass()
    plan = _conv_plan(matrix, scale)
    if plan is None:
        plan = _band_plan(matrix)
    return DensePass(matrix) if plan is None else plan


def _batch_size(x: tf.Tensor):
    """The static batch size, else a scalar tensor (never ``-1``: reshapes of an empty
    batch cannot infer it)."""
    return x.shape[0] if x.shape[0] is not None else tf.shape(x)[0]


def _batch_row_indices(batch, rows: np.ndarray):
    """``[batch * len(rows), 2]`` index pairs ``(b, row)``, batch-major."""
    if isinstance(batch, int):
        grid = np.meshgrid(np.arange(batch, dtype=np.int32), rows, indexing="ij")
        return np.stack(grid, axis=-1).reshape(-1, 2)
    grid = tf.meshgrid(tf.range(batch, dtype=tf.int32), tf.constant(rows), indexing="ij")
    return tf.reshape(tf.stack(grid, axis=-1), [-1, 2])


def _apply_pass(plan: Pass, x: tf.Tensor) -> tf.Tensor:
    """``[B, n_in, N] -> [B, n_out, N]`` along axis 1; ``N`` must be static."""
    batch, columns = _batch_size(x), int(x.shape[2])
    if isinstance(plan, IdentityPass):
        return x
    if isinstance(plan, ConvPass):
        taps, stride = plan.kernel.size, plan.stride
        kernel = np.broadcast_to(plan.kernel[:, None, None, None], (taps, 1, columns, 1))
        y = tf.nn.depthwise_conv2d(
            tf.reshape(x, [batch, x.shape[1], 1, columns]), tf.constant(kernel, x.dtype),
            [1, stride, stride, 1], [[0, 0], list(plan.pad), [0, 0], [0, 0]])
        y = tf.reshape(y, [batch, plan.out_length, columns])
        if plan.fix_rows.size:
            rows = tf.matmul(tf.constant(plan.fix_weights, x.dtype),
                             tf.gather(x, plan.fix_cols, axis=1))  # [B, F, N]
            y = tf.tensor_scatter_nd_update(
                y, _batch_row_indices(batch, plan.fix_rows),
                tf.reshape(rows, [batch * plan.fix_rows.size, columns]))
        return y
    if isinstance(plan, BandPass):
        n_blocks, rows, width = plan.blocks.shape
        windows = tf.reshape(tf.gather(x, plan.index, axis=1), [batch, n_blocks, width, columns])
        y = tf.matmul(tf.constant(plan.blocks, x.dtype), windows)
        y = tf.reshape(y, [batch, n_blocks * rows, columns])
        if n_blocks * rows != plan.out_length:
            y = y[:, :plan.out_length]
        return y
    return tf.matmul(tf.constant(plan.matrix, x.dtype), x)


# ---------------------------------------------------------------------------------------
# Geometry and shapes.

def _check_scale(value, what: str) -> float:
    value = float(value)
    if not math.isfinite(value) or value <= 0.0:
        raise ValueError(f"{what} must be a finite positive number, got {value}")
    return value


def resize_geometry(in_size: Tuple[int, int], scale: Optional[Scale] = None,
                    output_size: Optional[Size] = None):
    """MATLAB's output size and per-dimension scale from ``scale`` or ``output_size``.

    Args:
      in_size: ``(H, W)`` of the input.
      scale: a positive number for both dimensions or a pair ``(scale_h, scale_w)``.
      output_size: ``(out_h, out_w)``; one of them may be ``None`` to keep the aspect
        ratio (MATLAB's ``NaN``).

    Returns:
      ``(out_size, scales)``, two pairs.
    """
    if (scale is None) == (output_size is None):
        raise ValueError("give exactly one of scale= and output_size=")
    if scale is not None:
        pair = tuple(scale) if isinstance(scale, (tuple, list)) else (scale, scale)
        if len(pair) != 2:
            raise ValueError(f"scale must be a number or a pair, got {scale!r}")
        scales = tuple(_check_scale(s, "scale") for s in pair)
        out_size = tuple(int(math.ceil(s * n)) for s, n in zip(scales, in_size))
        return out_size, scales
    if len(output_size) != 2:
        raise ValueError(f"output_size must be a pair (height, width), got {output_size!r}")
    if all(s is None for s in output_size):
        raise ValueError("output_size needs at least one of height and width")
    for s in output_size:
        if s is not None and (int(s) != s or s < 1):
            raise ValueError(f"output_size entries must be positive integers, got {output_size!r}")
    known = [d for d in range(2) if output_size[d] is not None]
    if len(known) == 2:
        out_size = (int(output_size[0]), int(output_size[1]))
        return out_size, (out_size[0] / in_size[0], out_size[1] / in_size[1])
    d = known[0]
    s = int(output_size[d]) / in_size[d]
    out_size = [0, 0]
    out_size[d] = int(output_size[d])
    out_size[1 - d] = int(math.ceil(s * in_size[1 - d]))
    return tuple(out_size), (s, s)


def _check_rank(image: tf.Tensor, what: str = "imresize") -> int:
    rank = image.shape.rank
    if rank not in (2, 3, 4):
        raise ValueError(
            f"{what} expects an image of rank 2 (HW), 3 (HWC) or 4 (NHWC), got shape "
            f"{image.shape}")
    return rank


def _as_batch(image) -> Tuple[tf.Tensor, int]:
    """``HW``, ``HWC`` or ``NHWC`` to ``NHWC``; returns the tensor and the input rank."""
    image = tf.convert_to_tensor(image)
    rank = _check_rank(image)
    if rank == 2:
        return image[None, :, :, None], rank
    if rank == 3:
        return image[None], rank
    return image, rank


def _from_batch(batch: tf.Tensor, rank: int) -> tf.Tensor:
    if rank == 2:
        return batch[0, :, :, 0]
    if rank == 3:
        return batch[0]
    return batch


def _spatial_size(shape: tf.TensorShape) -> Tuple[int, int]:
    """``(H, W)`` of an ``NHWC`` shape; both must be static and positive."""
    h, w = shape[1], shape[2]
    if h is None or w is None:
        raise ValueError(
            f"imresize needs a static height and width to build its weights, got {shape}")
    if h < 1 or w < 1:
        raise ValueError(f"imresize got an empty image of shape {shape}")
    return int(h), int(w)


def _batch_shape(shape: tf.TensorShape, rank: int) -> tf.TensorShape:
    """The ``NHWC`` shape of an image of this shape and rank."""
    dims = shape.as_list()
    if rank == 2:
        dims = [1] + dims + [1]
    elif rank == 3:
        dims = [1] + dims
    return tf.TensorShape(dims)


def _apply_height(matrix: tf.Tensor, x: tf.Tensor) -> tf.Tensor:
    """``[O, H] x [B, H, W, C] -> [B, O, W, C]``."""
    return tf.einsum("oh,bhwc->bowc", matrix, x)


def _apply_width(matrix: tf.Tensor, x: tf.Tensor) -> tf.Tensor:
    """``[O, W] x [B, H, W, C] -> [B, H, O, C]``."""
    return tf.einsum("ow,bhwc->bhoc", matrix, x)


def _to_uint8_range(x: tf.Tensor) -> tf.Tensor:
    """MATLAB's double-to-uint8 conversion, kept in float: round half up, saturate."""
    return tf.clip_by_value(tf.floor(x + 0.5), 0.0, 255.0)


def pass_order(scales: Tuple[float, float]) -> Tuple[int, int]:
    """Spatial axes (0 = height, 1 = width) in MATLAB's order: smaller scale first."""
    return (1, 0) if scales[1] < scales[0] else (0, 1)


def _fast_order(in_size: Tuple[int, int], out_size: Tuple[int, int]) -> Tuple[int, int]:
    """The cheaper order for floating images: the width pass, which transposes the image
    there and back, on the smaller of the two possible intermediate images."""
    return (1, 0) if out_size[0] > in_size[0] else (0, 1)


def _compute_dtype(dtype: tf.DType) -> tf.DType:
    if dtype == tf.uint8 or dtype == tf.float64:
        return tf.float64
    if dtype.is_floating:
        return tf.float32
    raise ValueError(f"imresize supports uint8 and floating images, got dtype {dtype.name}")


# ---------------------------------------------------------------------------------------
# The resize.

def _resize_passes(x: tf.Tensor, in_size, out_size, scales, order, antialias, border,
                   quantize: bool) -> tf.Tensor:
    """Both passes on a floating ``[B, H, W, C]`` batch with a static ``C``."""
    batch, channels = _batch_size(x), int(x.shape[3])
    size = list(in_size)
    x = tf.reshape(x, [batch, size[0], size[1] * channels])  # [B, H, W*C]
    for axis in order:
        plan = pass_plan(size[axis], out_size[axis], scales[axis], antialias, border)
        if isinstance(plan, IdentityPass):
            continue
        if axis == 0:
            x = _apply_pass(plan, x)
        else:  # the width axis outermost: [B, H, W*C] -> [B, W*C, H] = [B, W, C*H]
            x = tf.reshape(tf.transpose(x, [0, 2, 1]), [batch, size[1], channels * size[0]])
            x = _apply_pass(plan, x)
            x = tf.transpose(tf.reshape(x, [batch, out_size[1] * channels, size[0]]), [0, 2, 1])
        size[axis] = out_size[axis]
        if quantize:
            x = _to_uint8_range(x)
    return tf.reshape(x, [batch, out_size[0], out_size[1], channels])


def _resize_dense(x: tf.Tensor, in_size, out_size, scales, order, antialias, border,
                  quantize: bool) -> tf.Tensor:
    """Both passes as dense matrix products (any ``C``, also unknown)."""
    for axis in order:
        matrix = tf.constant(
            resize_weights(in_size[axis], out_size[axis], scales[axis], antialias, border),
            x.dtype)
        x = _apply_height(matrix, x) if axis == 0 else _apply_width(matrix, x)
        if quantize:
            x = _to_uint8_range(x)
    return x


def _resize_ops(image: tf.Tensor, rank: int, in_size, out_size, scales, order,
                antialias: bool, border: str, method: str) -> tf.Tensor:
    if rank == 2:
        batch = tf.reshape(image, [1, in_size[0], in_size[1], 1])
    elif rank == 3:
        batch = tf.expand_dims(image, 0)
    else:
        batch = image
    in_dtype = batch.dtype
    x = tf.cast(batch, _compute_dtype(in_dtype))
    resize = _resize_passes if method == "fast" else _resize_dense
    x = resize(x, in_size, out_size, scales, order, antialias, border, in_dtype == tf.uint8)
    x = tf.cast(x, in_dtype)
    if rank == 2:
        return tf.reshape(x, list(out_size))
    if rank == 3:
        return tf.squeeze(x, 0)
    return x


_GRAPHS: "collections.OrderedDict[tuple, tf.types.experimental.ConcreteFunction]" = (
    collections.OrderedDict())
_GRAPHS_LOCK = threading.Lock()


def _current_device() -> str:
    """The device scope eager ops run under (part of the graph cache key)."""
    try:
        from tensorflow.python.eager import context  # pylint: disable=import-outside-toplevel
        return str(context.context().device_name)
    except (ImportError, AttributeError):  # pragma: no cover - private API moved
        return ""


def _graph_function(key: tuple, build, spec: tf.TensorSpec):
    """``build`` traced once per key (shape, dtype, arguments, device) as a concrete
    ``tf.function``; calling that skips the per-op dispatch of eager mode and the argument
    matching of a polymorphic ``tf.function``. The least recently used ones are dropped."""
    with _GRAPHS_LOCK:
        fn = _GRAPHS.get(key)
        if fn is not None:
            _GRAPHS.move_to_end(key)
            return fn
    fn = tf.function(build, autograph=False).get_concrete_function(spec)
    with _GRAPHS_LOCK:
        fn = _GRAPHS.setdefault(key, fn)
        while len(_GRAPHS) > _MAX_CACHED_GRAPHS:
            _GRAPHS.popitem(last=False)
    return fn


@tf.autograph.experimental.do_not_convert
def imresize(image, scale: Optional[Scale] = None, output_size: Optional[Size] = None,
             antialias: bool = True, border: str = "replicate",
             method: str = "fast") -> tf.Tensor:
    """MATLAB's ``imresize(image, scale, 'bicubic')`` (or ``imresize(image, [h w], ...)``).

    Args:
      image: ``[H, W]``, ``[H, W, C]`` or ``[B, H, W, C]``, ``uint8`` or floating point,
        with static ``H`` and ``W``. Floating images are resized linearly in their own
        precision (float32 for half types), the two passes in the cheaper order;
        ``uint8`` images get MATLAB's ``uint8`` semantics (each pass rounds and
        saturates; float64 arithmetic; MATLAB's pass order).
      scale: positive number, or a pair ``(scale_h, scale_w)``.
      output_size: ``(out_h, out_w)`` instead of ``scale``; one may be ``None``.
      antialias: widen the kernel when shrinking (MATLAB's default, ``True``).
      border: ``"replicate"`` (MATLAB) or ``"symmetric"``.
      method: ``"fast"`` (default: the cheapest exact scheme per pass, see the module
        docstring) or ``"dense"`` (dense matrix products in MATLAB's pass order, the
        reference the fast schemes are tested against).

    Returns:
      The resized image, same rank and dtype as ``image``.
    """
    image = tf.convert_to_tensor(image)
    rank = _check_rank(image)
    in_dtype = image.dtype
    _compute_dtype(in_dtype)
    _check_border(border)
    if method not in ("fast", "dense"):
        raise ValueError(f"method must be 'fast' or 'dense', got {method!r}")
    batch_shape = _batch_shape(image.shape, rank)
    in_size = _spatial_size(batch_shape)
    out_size, scales = resize_geometry(in_size, scale, output_size)
    quantize = in_dtype == tf.uint8
    if batch_shape[3] is None:
        method = "dense"
    order = pass_order(scales) if quantize or method == "dense" else _fast_order(in_size,
                                                                                 out_size)
    args = (rank, in_size, tuple(out_size), tuple(scales), order, bool(antialias), border,
            method)
    if not tf.executing_eagerly():  # inside a tf.function or tf.data: add the ops there
        return _resize_ops(image, *args)
    key = (tuple(image.shape.as_list()), in_dtype.name, _current_device()) + args

    def build(x):
        return _resize_ops(x, *args)

    return _graph_function(key, build, tf.TensorSpec(image.shape, in_dtype))(image)


@tf.autograph.experimental.do_not_convert
def imresize_transpose(output, input_size: Tuple[int, int], scale: Optional[Scale] = None,
                       output_size: Optional[Size] = None, antialias: bool = True,
                       border: str = "replicate") -> tf.Tensor:
    """The exact adjoint (transpose) of the floating-point :func:`imresize`.

    For images ``x`` of spatial size ``input_size`` and ``y`` of the size ``imresize``
    gives them, ``<imresize(x, ...), y> == <x, imresize_transpose(y, input_size, ...)>``.
    The two passes of the forward map are linear and commute, so the adjoint is
    ``W_h^T y W_w`` whatever their order. (Every fast scheme of :func:`imresize` applies
    exactly the matrices used here, so this is its adjoint too, up to float rounding.)

    Args:
      output: floating ``[h, w]``, ``[h, w, C]`` or ``[B, h, w, C]`` in the resized space.
      input_size: ``(H, W)`` of the images the forward map was applied to.
      scale, output_size, antialias, border: as given to :func:`imresize`.
    """
    batch, rank = _as_batch(output)
    if not batch.dtype.is_floating:
        raise ValueError(f"imresize_transpose needs a floating input, got {batch.dtype.name}")
    in_size = (int(input_size[0]), int(input_size[1]))
    if min(in_size) < 1:
        raise ValueError(f"input_size must be positive, got {input_size!r}")
    out_size, scales = resize_geometry(in_size, scale, output_size)
    got = _spatial_size(batch.shape)
    if got != tuple(out_size):
        raise ValueError(
            f"imresize_transpose got spatial size {got}, but resizing {in_size} gives {out_size}")
    dtype = _compute_dtype(batch.dtype)
    y = tf.cast(batch, dtype)
    for axis in (0, 1):
        matrix = tf.constant(
            resize_weights(in_size[axis], out_size[axis], scales[axis], antialias, border).T,
            dtype)
        y = _apply_height(matrix, y) if axis == 0 else _apply_width(matrix, y)
    return _from_batch(tf.cast(y, batch.dtype), rank)
