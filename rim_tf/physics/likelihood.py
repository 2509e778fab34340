"""Likelihood models: the extrinsic information the RIM receives at every step."""
from __future__ import annotations

import math

import keras
import tensorflow as tf

from rim_tf.physics import sigma as sigma_rule
from rim_tf.physics.base import Identity, LinearOperator
from rim_tf.physics.noise import per_sample


def check_sigma(sigma) -> tf.Tensor:
    """``sigma`` as a float32 tensor (scalar or ``[B]``), by the rule of
    :func:`rim_tf.physics.sigma.check_sigma` (finite, > 0).

    Eagerly this raises ``ValueError``; inside a graph it adds an assertion.
    """
    sigma = tf.convert_to_tensor(sigma, dtype=tf.float32)
    if sigma.shape.rank is not None and sigma.shape.rank > 1:
        raise ValueError(f"sigma must be a scalar or a [batch] vector, got shape {sigma.shape}")
    if tf.executing_eagerly():
        sigma_rule.check_sigma(sigma.numpy())
        return sigma
    with tf.control_dependencies([tf.debugging.assert_positive(sigma, message="sigma must be > 0")]):
        return tf.identity(sigma)


@keras.saving.register_keras_serializable(package="rim_tf")
class GaussianLikelihood(keras.layers.Layer):
    """Gaussian likelihood ``p(y | x) = N(y; A x, sigma^2 I)`` with a learned stabiliser.

    Its gradient (eq. 9) is ``A^T (y - A x) / sigma^2``. "For very small sigma the
    gradient diverges", so the paper adds a trainable ``eps >= 0``::

        grad_x log p(y | x) = A^T (y - A x) / (sigma^2 + eps),   eps = softplus(phi_eps)

    ``eps = softplus(phi_eps)`` is the parametrisation of the conference version
    (docs/paper.md, Likelihood). ``initial_eps`` sets its starting value.
    """

    def __init__(self, initial_eps: float = 1e-4, **kwargs):
        kwargs.setdefault("dtype", "float32")  # float32 even under a mixed-precision policy
        super().__init__(**kwargs)
        if not initial_eps > 0:
            raise ValueError(f"initial_eps must be > 0, got {initial_eps}")
        self.initial_eps = float(initial_eps)
        # inverse softplus, so that softplus(phi_eps) == initial_eps at the start
        phi0 = math.log(math.expm1(self.initial_eps))
        self.phi_eps = self.add_weight(
            name="phi_eps", shape=(), initializer=keras.initializers.Constant(phi0),
            trainable=True, dtype="float32",
        )
        self.built = True

    @property
    def eps(self) -> tf.Tensor:
        return tf.nn.softplus(tf.convert_to_tensor(self.phi_eps))

    def noise_variance(self, sigma) -> tf.Tensor:
        """``sigma^2 + eps``, a scalar or ``[B, 1, 1, 1]``; checks sigma (> 0, finite).

        The RIM computes it once per call and hands it to every step's gradient.
        """
        return per_sample(tf.square(check_sigma(sigma)), 4) + self.eps

    def log_likelihood(self, x, y, operator: LinearOperator | None = None, sigma=1.0):
        """``-||y - A x||^2 / (2 (sigma^2 + eps))`` per sample (constants dropped), shape ``[B]``."""
        operator = operator or Identity()
        residual = tf.convert_to_tensor(y) - operator.forward(x)
        sq = tf.square(tf.abs(residual))  # complex measurements: |.|^2
        rank = sq.shape.rank
        energy = tf.reduce_sum(sq, axis=list(range(1, rank)))
        var = tf.reshape(tf.square(check_sigma(sigma)), [-1]) + self.eps
        return -0.5 * energy / var

    def gradient(self, x, y, operator: LinearOperator | None = None, sigma=1.0, variance=None):
        """Eq. 9 in image space: ``A^T (y - A x) / (sigma^2 + eps)``, shaped like ``x``.

        ``variance`` (from :meth:`noise_variance`) replaces ``sigma`` when given.
        """
        operator = operator or Identity()
        if variance is None:
            variance = self.noise_variance(sigma)
        residual = tf.convert_to_tensor(y) - operator.forward(x)
        return operator.adjoint(residual) / variance

    def gradient_eta(self, eta, y, operator: LinearOperator | None = None, sigma=1.0, variance=None):
        """The gradient w.r.t. ``eta`` of ``log p(y | sigmoid(eta))``, the RIM's input.

        By the chain rule through the sigmoid link, ``sigmoid'(eta) = x (1 - x)``.
        """
        x = tf.sigmoid(eta)
        return x * (1.0 - x) * self.gradient(x, y, operator, sigma, variance)

    def call(self, eta, y, operator=None, sigma=1.0):
        return self.gradient_eta(eta, y, operator, sigma)

    def get_config(self):
        config = super().get_config()
        config.update(initial_eps=self.initial_eps)
        return config
