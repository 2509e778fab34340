"""Convolutional gated recurrent unit, the memory of the RIM (``h`` in eqs. 6-7)."""
from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="rim_tf")
class ConvGRU(keras.layers.Layer):
    """One step of a convolutional GRU: ``h' = ConvGRU(x, h)``.

    Follows the convention of the authors' own TensorFlow code (docs/paper.md, Model):

    * gates      ``r, u = sigmoid(conv([x, h]))``
    * candidate  ``c = tanh(conv([x, r * h]))``
    * update     ``h' = u * h + (1 - u) * c``

    All convolutions are ``kernel_size`` x ``kernel_size`` with "same" padding, so the
    state keeps the spatial size of ``x``. ``dilation_rate > 1`` gives the à-trous
    variant used by the super-resolution RIM.

    Args:
        filters: number of state features (256 in the paper).
        kernel_size: spatial size of the gate and candidate convolutions.
        dilation_rate: dilation of both convolutions.
    """

    def __init__(self, filters: int, kernel_size: int = 3, dilation_rate: int = 1, **kwargs):
        # no autocast of (x, h): under mixed precision the state stays float32
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        if filters < 1 or kernel_size < 1 or dilation_rate < 1:
            raise ValueError(
                f"ConvGRU needs filters, kernel_size and dilation_rate >= 1, got "
                f"{filters}, {kernel_size}, {dilation_rate}"
            )
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.dilation_rate = int(dilation_rate)
        conv = dict(kernel_size=self.kernel_size, padding="same", dilation_rate=self.dilation_rate)
        # Gates start half open (bias 0) as in the authors' code.
        self.gates = keras.layers.Conv2D(2 * self.filters, name="gates", **conv)
        self.candidate = keras.layers.Conv2D(self.filters, name="candidate", **conv)

    def build(self, x_shape, h_shape=None):
        channels = x_shape[-1]
        self.gates.build((None, None, None, channels + self.filters))
        self.candidate.build((None, None, None, channels + self.filters))
        self.built = True

    def initial_state(self, x: tf.Tensor) -> tf.Tensor:
        """A zero state of the spatial size of ``x``."""
        shape = tf.shape(x)
        return tf.zeros(tf.stack([shape[0], shape[1], shape[2], self.filters]), dtype=self.variable_dtype)

    def call(self, x, h):
        # The gating arithmetic runs in the state's dtype (float32 under mixed precision:
        # the convolutions cast their own inputs to the compute dtype and back here).
        x = tf.cast(x, h.dtype)
        gates = tf.cast(self.gates(tf.concat([x, h], axis=-1)), h.dtype)
        r, u = tf.split(tf.sigmoid(gates), 2, axis=-1)
        c = tf.tanh(tf.cast(self.candidate(tf.concat([x, r * h], axis=-1)), h.dtype))
        return u * h + (1.0 - u) * c

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, kernel_size=self.kernel_size, dilation_rate=self.dilation_rate)
        return config
