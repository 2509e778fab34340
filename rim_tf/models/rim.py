"""The Recurrent Inference Machine: an unrolled, learned iterative solver (section 2)."""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from rim_tf.physics.likelihood import GaussianLikelihood
from rim_tf.models.cells import AtrousRIMCell, RIMCell
from rim_tf.physics.base import Identity, LinearOperator


def _check_finite(name: str, value: tf.Tensor) -> tf.Tensor:
    """Refuse NaN/Inf: a clear ``ValueError`` eagerly, an assertion in a graph."""
    if value.dtype.is_complex:
        check = tf.concat([tf.reshape(tf.math.real(value), [-1]), tf.reshape(tf.math.imag(value), [-1])], 0)
    else:
        check = value
    if tf.executing_eagerly():
        if not np.all(np.isfinite(check.numpy())):
            raise ValueError(f"the {name} contains NaN or Inf values")
        return value
    with tf.control_dependencies([tf.debugging.check_numerics(check, f"the {name} contains NaN or Inf")]):
        return tf.identity(value)


# an image observation (denoising: y = x + n, x in [0, 1]) never leaves this range, even with
# noise of sigma 60/255 at 5 standard deviations; an image on 0..255 always does
_IMAGE_RANGE = (-1.5, 2.5)


def _check_units(y: tf.Tensor, sigma, image_observation: bool) -> None:
    """Refuse integer observations, and (for image observations) values or a sigma that are
    plainly on the 0..255 scale: the RIM works on images scaled to [0, 1] (section 3)."""
    if y.dtype.is_integer or y.dtype == tf.bool:
        raise ValueError(f"the observation is a {y.dtype.name} tensor; the RIM works on float images "
                         f"scaled to [0, 1]: pass y.astype('float32') / 255 for 8-bit data")
    if not image_observation:
        return
    if y.dtype.is_complex:
        raise ValueError(f"the observation is a {y.dtype.name} tensor but no operator was given: a "
                         f"complex measurement needs the operator that made it (e.g. "
                         f"operator=FourierProjection(...)); denoising takes real images in [0, 1]")
    lo, hi = _IMAGE_RANGE
    hint = ("the RIM works on images scaled to [0, 1]; for 8-bit data divide the image by 255 "
            "(and give sigma on the same scale, e.g. 25/255)")
    if tf.executing_eagerly():
        if y.shape.num_elements():
            y_min, y_max = float(tf.reduce_min(y)), float(tf.reduce_max(y))
            if y_min < lo or y_max > hi:
                raise ValueError(f"the observation's values lie in [{y_min:.3g}, {y_max:.3g}]; {hint}")
        s = np.asarray(sigma.numpy() if hasattr(sigma, "numpy") else sigma, dtype=np.float64)
        if s.size and np.nanmax(s) > 1.0:
            raise ValueError(f"sigma = {np.nanmax(s):g} is larger than the whole [0, 1] range of the "
                             f"image; it is on the 0..255 scale: pass sigma / 255")
        return
    tf.debugging.assert_less_equal(tf.reduce_max(y), tf.cast(hi, y.dtype),
                                   message=f"observation values above {hi}: {hint}")
    tf.debugging.assert_greater_equal(tf.reduce_min(y), tf.cast(lo, y.dtype),
                                      message=f"observation values below {lo}: {hint}")


@keras.saving.register_keras_serializable(package="rim_tf")
class RIM(keras.Model):
    """A Recurrent Inference Machine (eqs. 6-7) around one update cell.

    For ``t = 0 .. T-1``::

        x_t        = sigmoid(eta_t)                        # link function
        grad_t     = d/d eta log p(y | sigmoid(eta_t))     # eq. 9 through the link
        delta_t, s = cell([x_t, grad_t], s)                # eq. 7 (the state update)
        eta_{t+1}  = eta_t + delta_t                       # eq. 6

    starting from ``eta_0 = logit(x_init)`` where ``x_init`` is the operator's initial
    estimate (the adjoint, or bicubic up-sampling for super-resolution), clipped into
    the open range of the sigmoid. The model returns every step's estimate
    ``sigmoid(eta_1) .. sigmoid(eta_T)``, stacked as ``[T, B, H, W, C]``, so that the loss
    of eq. 8 can weigh all of them.

    Args:
        cell: the update network (:class:`RIMCell`, :class:`AtrousRIMCell`, ...).
        likelihood: the likelihood layer; a :class:`GaussianLikelihood` by default.
        steps: default number of steps ``T`` (20 in the paper); ``call`` may override it.
        use_estimate: feed ``x_t`` to the cell. ``False`` gives the gradient-descent
            network (GDN) ablation of section 3.1, whose cell sees the gradient only.
        stop_likelihood_gradient: evaluate the likelihood gradient at
            ``stop_gradient(eta_t)`` (as the authors' code does), so back-propagation
            does not run through it (no second-order terms). The trainable ``eps`` of
            the likelihood still learns.
        link_eps: ``x_init`` is clipped to ``[link_eps, 1 - link_eps]`` before the logit.
    """

    def __init__(
        self,
        cell: keras.layers.Layer,
        likelihood: GaussianLikelihood | None = None,
        steps: int = 20,
        use_estimate: bool = True,
        stop_likelihood_gradient: bool = True,
        link_eps: float = 1e-3,
        **kwargs,
    ):
        # The iterate, the likelihood gradient and the link run in float32 even under a
        # mixed-precision policy; only the cell's convolutions use the compute dtype.
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        if int(steps) < 1:
            raise ValueError(f"steps must be >= 1, got {steps}")
        if not 0.0 < link_eps < 0.5:
            raise ValueError(f"link_eps must lie in (0, 0.5), got {link_eps}")
        self.cell = cell
        self.likelihood = likelihood if likelihood is not None else GaussianLikelihood()
        self.steps = int(steps)
        self.use_estimate = bool(use_estimate)
        self.stop_likelihood_gradient = bool(stop_likelihood_gradient)
        self.link_eps = float(link_eps)
        expected = (2 if self.use_estimate else 1) * cell.channels
        if cell.input_channels != expected:
            raise ValueError(
                f"a {'RIM' if self.use_estimate else 'GDN'} on {cell.channels}-channel images "
                f"feeds {expected} channels to its cell, but the cell takes {cell.input_channels}"
            )
        self.built = True

    @property
    def channels(self) -> int:
        return self.cell.channels

    def initial_estimate(self, y, operator: LinearOperator | None = None, x_init=None) -> tf.Tensor:
        """``x_0``, the image the iteration starts from: the operator's initial estimate
        (the adjoint, or bicubic up-sampling for super-resolution) or ``x_init``, clipped into
        ``[link_eps, 1 - link_eps]`` so that ``eta_0 = logit(x_0)`` is finite (section 2).
        Evaluation reports it as "step 0" and training logs it beside the estimates."""
        operator = operator if operator is not None else Identity()
        if x_init is None:
            x_init = operator.initial_estimate(y)
        x_init = tf.convert_to_tensor(x_init, dtype=tf.float32)
        if x_init.shape.rank != 4:
            raise ValueError(
                f"the RIM works on NHWC image batches (rank 4); the initial estimate has "
                f"shape {x_init.shape}"
            )
        if x_init.shape[-1] is not None and x_init.shape[-1] != self.channels:
            raise ValueError(
                f"this model restores {self.channels}-channel images, but the input has "
                f"{x_init.shape[-1]} channels"
            )
        return tf.clip_by_value(x_init, self.link_eps, 1.0 - self.link_eps)

    def _initial_eta(self, y, operator, x_init):
        x0 = self.initial_estimate(y, operator, x_init)
        return tf.math.log(x0) - tf.math.log1p(-x0)  # logit

    def call(self, y, operator: LinearOperator | None = None, sigma=1.0, x_init=None,
             steps: int | None = None, training=None):
        """Run ``steps`` inference steps on observation ``y``.

        Args:
            y: the observation; NHWC float images scaled to [0, 1] for denoising (integer
                tensors, and values or a sigma plainly on the 0..255 scale, are refused),
                whatever ``operator.forward`` returns otherwise.
            operator: the forward model ``A``; identity (denoising) by default.
            sigma: the noise standard deviation, a scalar or one per sample (``[B]``).
            x_init: the starting estimate; ``operator.initial_estimate(y)`` by default.
            steps: number of steps; ``self.steps`` by default.

        Returns:
            ``[T, B, H, W, C]`` estimates in ``(0, 1)``, one per step.
        """
        image_observation = operator is None or isinstance(operator, Identity)
        operator = operator if operator is not None else Identity()
        steps = self.steps if steps is None else int(steps)
        if steps < 1:
            raise ValueError(f"steps must be >= 1, got {steps}")
        y = tf.convert_to_tensor(y)
        _check_units(y, sigma, False)  # integer dtypes: before the cast below
        if not y.dtype.is_complex:
            y = tf.cast(y, tf.float32)
        y = _check_finite("observation", y)
        if image_observation:  # value range and sigma: after NaN / Inf are refused
            _check_units(y, sigma, True)
        eta = self._initial_eta(y, operator, x_init)
        variance = self.likelihood.noise_variance(sigma)  # checked once, not at every step
        states = self.cell.initial_state(eta)
        estimates = []
        for _ in range(steps):
            x = tf.sigmoid(eta)
            at = tf.stop_gradient(eta) if self.stop_likelihood_gradient else eta
            grad = self.likelihood.gradient_eta(at, y, operator, variance=variance)
            inputs = tf.concat([x, grad], axis=-1) if self.use_estimate else grad
            delta, states = self.cell(inputs, states)
            eta = eta + tf.cast(delta, eta.dtype)
            estimates.append(tf.sigmoid(eta))
        return tf.stack(estimates, axis=0)

    def get_config(self):
        config = super().get_config()
        config.update(
            cell=keras.saving.serialize_keras_object(self.cell),
            likelihood=keras.saving.serialize_keras_object(self.likelihood),
            steps=self.steps,
            use_estimate=self.use_estimate,
            stop_likelihood_gradient=self.stop_likelihood_gradient,
            link_eps=self.link_eps,
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["cell"] = keras.saving.deserialize_keras_object(config["cell"])
        config["likelihood"] = keras.saving.deserialize_keras_object(config["likelihood"])
        return cls(**config)


def build_rim(channels: int = 1, hidden_features: int = 64, gru_features: int = 256,
              kernel_size: int = 3, num_gru: int = 1, steps: int = 20, **kwargs) -> RIM:
    """The paper's RIM (section 3, "Models"); defaults are the paper's sizes."""
    cell = RIMCell(channels, hidden_features=hidden_features, gru_features=gru_features,
                   kernel_size=kernel_size, num_gru=num_gru, name="rim_cell")
    return RIM(cell, steps=steps, name="rim", **kwargs)


def build_gdn(channels: int = 1, hidden_features: int = 64, gru_features: int = 256,
              kernel_size: int = 3, num_gru: int = 1, steps: int = 20, **kwargs) -> RIM:
    """Gradient-descent network (section 3.1): the RIM without ``x_t`` as input."""
    cell = RIMCell(channels, input_channels=channels, hidden_features=hidden_features,
                   gru_features=gru_features, kernel_size=kernel_size, num_gru=num_gru,
                   name="gdn_cell")
    return RIM(cell, steps=steps, use_estimate=False, name="gdn", **kwargs)


def build_ffn(channels: int = 1, hidden_features: int = 64, gru_features: int = 256,
              kernel_size: int = 3, num_gru: int = 1, steps: int = 20, **kwargs) -> RIM:
    """Feed-forward network (section 3.1): the RIM with the GRU replaced by conv + ReLU."""
    cell = RIMCell(channels, hidden_features=hidden_features, gru_features=gru_features,
                   kernel_size=kernel_size, num_gru=num_gru, recurrent=False, name="ffn_cell")
    return RIM(cell, steps=steps, name="ffn", **kwargs)


def build_atrous_rim(channels: int = 1, hidden_features: int = 64, gru_features: int = 64,
                     kernel_size: int = 3, dilation_rate: int = 2, steps: int = 20,
                     **kwargs) -> RIM:
    """The super-resolution RIM (section 3.3) with the à-trous cell."""
    cell = AtrousRIMCell(channels, hidden_features=hidden_features, gru_features=gru_features,
                         kernel_size=kernel_size, dilation_rate=dilation_rate,
                         name="atrous_rim_cell")
    return RIM(cell, steps=steps, name="atrous_rim", **kwargs)
