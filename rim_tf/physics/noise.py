"""Observation noise of the linear model ``y = A x + n`` and 8-bit quantisation.

The paper's likelihood (section 3, eq. 9) assumes ``n ~ N(0, sigma^2 I)``. For complex
measurements (the Fourier ensemble) the real and imaginary parts each get independent
``N(0, sigma^2)`` noise, which is the noise model under which
``Re(A^H (y - A x)) / sigma^2`` is the likelihood gradient.

Table 2's "8-bit" columns follow Schmidt et al. (2016): the noisy image is rounded to
the 256 levels of an 8-bit image and clipped to the valid range, while the likelihood
keeps using the Gaussian ``sigma``.

All randomness is stateless (``tf.random.stateless_*`` with a ``[2]`` integer seed), so
a degradation is a deterministic function of its seed inside ``tf.data``.

The training task of denoising, :class:`Denoise` (``A = I``), lives here too.
"""
from __future__ import annotations

from typing import Tuple

import tensorflow as tf

from rim_tf.physics.base import Degradation, Identity, check_batch, sample_sigma
from rim_tf.physics.sigma import check_sigma_range

QUANTIZATION_LEVELS = 255.0


def split_seed(seed, num: int) -> tf.Tensor:
    """``num`` independent ``[2]`` seeds (rows of the result) derived from ``seed``."""
    seed = tf.convert_to_tensor(seed)
    if not (seed.dtype.is_integer and seed.shape.rank == 1 and seed.shape[0] == 2):
        raise ValueError(f"a seed must be an integer tensor of shape [2], got {seed.dtype.name} "
                         f"{seed.shape}")
    return tf.random.experimental.stateless_split(seed, num=num)


def per_sample(value, rank: int, dtype=tf.float32) -> tf.Tensor:
    """A scalar or ``[B]`` value (a sigma, a variance) shaped to broadcast against rank-``rank``
    batches: a scalar stays a scalar, ``[B]`` becomes ``[B, 1, ..., 1]``."""
    value = tf.convert_to_tensor(value, dtype=dtype)
    if value.shape.rank == 0:
        return value
    if value.shape.rank != 1:
        raise ValueError(f"sigma must be a scalar or of shape [batch], got {value.shape}")
    return tf.reshape(value, [-1] + [1] * (rank - 1))


def gaussian_noise(like, sigma, seed) -> tf.Tensor:
    """``N(0, sigma^2)`` noise shaped and typed like ``like`` (complex: on both parts).

    Args:
      like: the clean measurements; their shape and dtype are used.
      sigma: scalar or per-sample ``[B]`` standard deviation.
      seed: ``[2]`` integer seed.
    """
    like = tf.convert_to_tensor(like)
    sigma = per_sample(sigma, like.shape.rank, like.dtype.real_dtype)
    shape = tf.shape(like)
    real_dtype = like.dtype.real_dtype
    if like.dtype.is_complex:
        re_seed, im_seed = tf.unstack(split_seed(seed, 2))
        noise = tf.complex(tf.random.stateless_normal(shape, re_seed, dtype=real_dtype),
                           tf.random.stateless_normal(shape, im_seed, dtype=real_dtype))
        return noise * tf.cast(sigma, like.dtype)
    split_seed(seed, 1)  # validates the seed
    return tf.random.stateless_normal(shape, seed, dtype=real_dtype) * sigma


def add_gaussian_noise(y, sigma, seed) -> tf.Tensor:
    """``y + n`` with ``n ~ N(0, sigma^2)`` per entry (per part for complex ``y``)."""
    y = tf.convert_to_tensor(y)
    return y + gaussian_noise(y, sigma, seed)


def quantize_8bit(y) -> tf.Tensor:
    """Round ``y`` (in ``[0, 1]`` units) to the nearest of 256 levels and clip to ``[0, 1]``.

    Halves round up, as MATLAB's ``im2uint8`` and ``uint8()`` do for non-negative values.
    The rounding has zero gradient almost everywhere: use it on observations only.
    """
    y = tf.convert_to_tensor(y)
    levels = tf.floor(y * QUANTIZATION_LEVELS + 0.5)
    return tf.clip_by_value(levels, 0.0, QUANTIZATION_LEVELS) / QUANTIZATION_LEVELS


def quantization_noise_std() -> float:
    """Standard deviation of rounding to 8 bits, ``(1/255) / sqrt(12)`` ~= 0.00113.

    Rounding error is uniform on half a step either side, whose variance is
    ``step^2 / 12``; this is the Gaussian sigma that best describes an 8-bit
    observation that has no other noise (e.g. SelfExSR's LR files).
    """
    return (1.0 / QUANTIZATION_LEVELS) / 12.0 ** 0.5


class Denoise(Degradation):
    """``y = x + n``, ``n ~ N(0, sigma^2)``, sigma per sample uniform in ``sigma_range``.

    Args:
      sigma_range: ``(lo, hi)`` in ``[0, 1]`` image units (``25/255`` for the paper's
        sigma = 25); ``lo == hi`` gives a fixed sigma.
      quantize: round the noisy image to 8 bits and clip it to ``[0, 1]`` (Table 2's
        "8-bit" columns, as Schmidt et al.); the likelihood keeps the Gaussian sigma.
    """

    name = "denoise"

    def __init__(self, sigma_range: Tuple[float, float], quantize: bool = False):
        self.sigma_range = check_sigma_range(sigma_range, "sigma_range")
        self.quantize = bool(quantize)

    def __call__(self, x, seed):
        x = check_batch(x)
        sigma_seed, noise_seed = tf.unstack(split_seed(seed, 2))
        sigma = sample_sigma(x, self.sigma_range, sigma_seed)
        y = add_gaussian_noise(x, sigma, noise_seed)
        if self.quantize:
            y = quantize_8bit(y)
        return self._example(x, y, sigma)

    def operator(self, example):
        return Identity()

    def describe(self):
        return {"name": self.name, "task_id": self.task_id,
                "sigma_range": list(self.sigma_range), "quantize": self.quantize}
