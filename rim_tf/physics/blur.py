"""Gaussian blur: the example forward model of the README ("Adding a forward model").

Not one of the paper's tasks; it shows what a new one needs. ``A x`` convolves every
channel with a normalised Gaussian of std ``width`` pixels, truncated at ``radius`` and
zero-padded at the borders (``"SAME"``). The kernel is symmetric and the padding is zeros,
so the matrix of ``A`` is symmetric and the adjoint is the blur itself
(``tests/test_operators.py`` checks it with :func:`rim_tf.physics.checks.adjointness_test`).
:class:`Blur` makes the training observations ``y = A x + n``; it is registered in
:data:`rim_tf.physics.tasks.TASKS` under ``"blur"``.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
import tensorflow as tf

from rim_tf.physics.base import Degradation, LinearOperator, check_batch, fill_sigma
from rim_tf.physics.noise import add_gaussian_noise, split_seed
from rim_tf.physics.sigma import check_sigma


class GaussianBlur(LinearOperator):
    """``A x = g * x``: a Gaussian blur of std ``width`` pixels per channel, same size out.

    Args:
      width: the Gaussian's standard deviation in pixels, > 0.
      radius: taps either side of the centre; ``ceil(3 width)`` by default.
    """

    def __init__(self, width: float = 1.5, radius: Optional[int] = None):
        width = float(width)
        if not math.isfinite(width) or width <= 0:
            raise ValueError(f"the blur width must be a positive number of pixels, got {width}")
        radius = int(math.ceil(3 * width)) if radius is None else int(radius)
        if radius < 0:
            raise ValueError(f"the blur radius must be >= 0, got {radius}")
        taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / width) ** 2)
        self.width, self.radius = width, radius
        self.taps = tf.constant(taps / taps.sum(), tf.float32)

    def forward(self, x):
        x = tf.convert_to_tensor(x, tf.float32)
        shape = tf.shape(x)
        planes = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [-1, shape[1], shape[2], 1])
        planes = tf.nn.conv2d(planes, tf.reshape(self.taps, [-1, 1, 1, 1]), 1, "SAME")  # rows
        planes = tf.nn.conv2d(planes, tf.reshape(self.taps, [1, -1, 1, 1]), 1, "SAME")  # columns
        out = tf.reshape(planes, [shape[0], shape[3], shape[1], shape[2]])
        out = tf.transpose(out, [0, 2, 3, 1])
        out.set_shape(x.shape)
        return out

    def adjoint(self, y):
        return self.forward(y)  # symmetric kernel, zero padding: A^T = A


class Blur(Degradation):
    """``y = g * x + n``: a Gaussian blur of ``width`` pixels and noise of std ``sigma``.

    Args:
      width: the blur's standard deviation in pixels.
      sigma: the noise std, in ``[0, 1]`` image units.
    """

    name = "blur"

    def __init__(self, width: float = 1.5, sigma: float = 0.01):
        self.width = GaussianBlur(width).width
        self.sigma = check_sigma(sigma)

    def __call__(self, x, seed):
        x = check_batch(x)
        split_seed(seed, 1)  # validates the seed
        sigma = fill_sigma(x, self.sigma)
        return self._example(x, add_gaussian_noise(GaussianBlur(self.width).forward(x), sigma, seed), sigma)

    def operator(self, example):
        return GaussianBlur(self.width)

    def describe(self):
        return {"name": self.name, "task_id": self.task_id, "width": self.width, "sigma": self.sigma}
