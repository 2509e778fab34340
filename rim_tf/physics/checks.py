"""Checks every forward model must pass, for the project's operators and for users' own.

The RIM sees its task only through ``A^T (y - A x)`` (eq. 9), so an adjoint that is not
the transpose of ``forward`` silently trains the network on the wrong gradient. The
dot-product test catches that: for random ``x`` and ``y``, ``<A x, y> = <x, A^T y>``
(the real part of the complex inner product for complex measurements).

    from rim_tf.physics import adjointness_test
    adjointness_test(MyBlur(sigma=1.5), (2, 16, 16, 1))     # raises AssertionError if wrong
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import tensorflow as tf

__all__ = ["adjointness_test", "inner_product"]


def inner_product(a, b) -> float:
    """Real inner product in float64; for complex tensors ``Re sum(conj(a) b)``."""
    a, b = tf.convert_to_tensor(a), tf.convert_to_tensor(b)
    if a.dtype.is_complex:
        return float(tf.math.real(tf.reduce_sum(tf.cast(tf.math.conj(a), tf.complex128) * tf.cast(b, tf.complex128))))
    return float(tf.reduce_sum(tf.cast(a, tf.float64) * tf.cast(b, tf.float64)))


def _like(rng, reference: tf.Tensor) -> tf.Tensor:
    shape = tuple(reference.shape)
    real = rng.standard_normal(shape).astype(np.float32)
    if reference.dtype.is_complex:
        return tf.complex(real, rng.standard_normal(shape).astype(np.float32))
    return tf.constant(real)


def adjointness_test(operator, x_shape: Sequence[int], *, seed: int = 0, rtol: float = 1e-5,
                     graph: bool = True) -> float:
    """Check that ``operator.adjoint`` is the transpose of ``operator.forward``.

    Args:
      operator: a :class:`rim_tf.physics.LinearOperator`.
      x_shape: the ``[B, H, W, C]`` shape of the images it acts on.
      seed: seed of the random ``x`` and ``y``.
      rtol: allowed ``|<A x, y> - <x, A^T y>|`` relative to ``||A x|| ||y||``.
      graph: also run ``forward`` and ``adjoint`` inside a ``tf.function`` and require the
        same results (operators must work in the training graph).

    Returns:
      the relative error of the dot-product test.

    Raises:
      AssertionError: naming what failed (the adjoint's shape or dtype, the dot product,
        or a graph/eager difference).
    """
    rng = np.random.default_rng(seed)
    x = tf.constant(rng.standard_normal(tuple(x_shape)).astype(np.float32))
    ax = tf.convert_to_tensor(operator.forward(x))
    y = _like(rng, ax)
    aty = tf.convert_to_tensor(operator.adjoint(y))
    name = type(operator).__name__
    if tuple(aty.shape) != tuple(x.shape):
        raise AssertionError(f"{name}.adjoint returns shape {tuple(aty.shape)}, the images are {tuple(x.shape)}")
    if aty.dtype != tf.float32:
        raise AssertionError(f"{name}.adjoint returns {aty.dtype.name}; images are float32")
    lhs, rhs = inner_product(ax, y), inner_product(x, aty)
    scale = np.sqrt(inner_product(ax, ax) * inner_product(y, y)) or 1.0
    error = abs(lhs - rhs) / scale
    if not error <= rtol:
        raise AssertionError(f"{name}: <A x, y> = {lhs:.6g} but <x, A^T y> = {rhs:.6g} (relative error "
                             f"{error:.2e} > {rtol:.0e}); the adjoint is not the transpose of forward")
    if graph:
        both = tf.function(lambda x, y: (operator.forward(x), operator.adjoint(y)))
        gx, gy = both(x, y)
        for what, eager, traced in (("forward", ax, gx), ("adjoint", aty, gy)):
            if not np.allclose(eager.numpy(), traced.numpy(), rtol=1e-5, atol=1e-5):
                raise AssertionError(f"{name}.{what} gives different results inside a tf.function")
    return error
