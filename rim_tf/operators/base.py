"""The interface every forward model of the paper implements.

The RIM only learns about its task through the likelihood gradient of eq. 9,
``A^T (y - A x) / (sigma^2 + eps)``; so a forward model is just a pair of linear maps,
``forward`` (``A``) and ``adjoint`` (``A^T``), on batched NHWC images.
"""
from __future__ import annotations

import tensorflow as tf


class LinearOperator:
    """A linear forward model ``y = A x`` acting on a batch of NHWC images.

    Subclasses implement :meth:`forward` and :meth:`adjoint`; both are
    differentiable TensorFlow functions, and must be constructible inside a
    ``tf.function`` from tensors (no eager-only state).
    """

    def forward(self, x: tf.Tensor) -> tf.Tensor:
        """``A x``: images ``[B, H, W, C]`` to measurements."""
        raise NotImplementedError

    def adjoint(self, y: tf.Tensor) -> tf.Tensor:
        """``A^T y``: measurements back to images ``[B, H, W, C]`` (real)."""
        raise NotImplementedError

    def initial_estimate(self, y: tf.Tensor) -> tf.Tensor:
        """A first guess of ``x`` from ``y`` that the RIM starts from (eta_0).

        The adjoint by default; operators with a better cheap inverse
        (bicubic up-sampling for super-resolution) override it.
        """
        return self.adjoint(y)


class Identity(LinearOperator):
    """``A = I``: the forward model of denoising."""

    def forward(self, x):
        return tf.convert_to_tensor(x)

    def adjoint(self, y):
        return tf.convert_to_tensor(y)
