"""Training loss of the RIM (eq. 8)."""
from __future__ import annotations

import tensorflow as tf


def rim_loss(estimates: tf.Tensor, target: tf.Tensor, weights=None) -> tf.Tensor:
    """Eq. 8: ``L = sum_t w_t MSE(x_t, x)`` over the stacked estimates ``[T, B, H, W, C]``.

    With ``weights=None`` every step weighs ``1/T`` (the paper follows Andrychowicz et
    al. in weighing all steps equally), i.e. the mean over steps of the per-step MSE.
    """
    estimates = tf.convert_to_tensor(estimates)
    target = tf.cast(target, estimates.dtype)
    if estimates.shape.rank != 5:
        raise ValueError(f"estimates must be stacked as [T, B, H, W, C], got shape {estimates.shape}")
    per_step = tf.reduce_mean(tf.square(estimates - target[None]), axis=[1, 2, 3, 4])
    if weights is None:
        return tf.reduce_mean(per_step)
    weights = tf.convert_to_tensor(weights, dtype=per_step.dtype)
    return tf.reduce_sum(weights * per_step)


def per_step_mse(estimates: tf.Tensor, target: tf.Tensor) -> tf.Tensor:
    """MSE of each step's estimate, shape ``[T]`` (for logs and per-step curves)."""
    target = tf.cast(target, estimates.dtype)
    return tf.reduce_mean(tf.square(estimates - target[None]), axis=[1, 2, 3, 4])
