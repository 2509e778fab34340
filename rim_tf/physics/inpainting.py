"""Inpainting (section 3.1, Figure 4): a random subset of the pixels is removed.

The forward model is a diagonal 0/1 mask, ``A = diag(m)``, so ``A^T = A`` and the
likelihood gradient of eq. 9 only sees the observed pixels. All channels of a pixel are
removed together, so masks have one channel and broadcast over the image's channels.
:class:`Inpaint` is the training task.
"""
from __future__ import annotations

import tensorflow as tf

from rim_tf.physics.base import Degradation, LinearOperator, check_batch, fill_sigma, static_image_shape
from rim_tf.physics.noise import add_gaussian_noise, split_seed
from rim_tf.physics.sigma import check_sigma


def check_fraction(fraction: float) -> float:
    """The fraction of removed pixels must lie in ``[0, 1)``."""
    fraction = float(fraction)
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"the fraction of removed pixels must be in [0, 1), got {fraction}")
    return fraction


def random_pixel_mask(batch: int, height: int, width: int, fraction: float, seed) -> tf.Tensor:
    """A ``[batch, height, width, 1]`` float32 mask: 0 for removed pixels, 1 for kept ones.

    Exactly ``round(fraction * height * width)`` pixels are removed from every sample,
    chosen uniformly at random (a fresh choice per sample) from a stateless ``[2]`` seed.
    """
    fraction = check_fraction(fraction)
    num_pixels = int(height) * int(width)
    num_removed = int(round(fraction * num_pixels))
    scores = tf.random.stateless_uniform([batch, num_pixels], seed)
    # The num_removed largest scores of each row are removed.
    ranks = tf.argsort(tf.argsort(scores, axis=1, direction="DESCENDING"), axis=1)
    keep = tf.cast(ranks >= num_removed, tf.float32)
    return tf.reshape(keep, [batch, height, width, 1])


class Inpainting(LinearOperator):
    """``A x = m * x`` for a 0/1 mask ``m`` of shape ``[B, H, W, 1]`` (or ``[B, H, W, C]``).

    Measurements keep the image's shape, with zeros at the removed pixels.
    """

    def __init__(self, mask):
        self.mask = tf.convert_to_tensor(mask, dtype=tf.float32)
        if self.mask.shape.rank != 4:
            raise ValueError(f"an inpainting mask must be [B, H, W, 1 or C], got {self.mask.shape}")

    def forward(self, x):
        return self.mask * tf.convert_to_tensor(x)

    def adjoint(self, y):
        return self.mask * tf.convert_to_tensor(y)


class Inpaint(Degradation):
    """``y = m * (x + n)``: a random ``fraction`` of the pixels removed (Figure 4).

    Args:
      fraction: share of pixels removed per sample, in ``[0, 1)``.
      sigma: noise std on the observed pixels, in ``[0, 1]`` image units.
    """

    name = "inpaint"

    def __init__(self, fraction: float, sigma: float):
        self.fraction = check_fraction(fraction)
        self.sigma = check_sigma(sigma)

    @property
    def label(self) -> str:
        return f"inpaint {100 * self.fraction:.0f}% removed"

    def __call__(self, x, seed):
        x = check_batch(x)
        h, w, _ = static_image_shape(x)
        mask_seed, noise_seed = tf.unstack(split_seed(seed, 2))
        mask = random_pixel_mask(tf.shape(x)[0], h, w, self.fraction, mask_seed)
        sigma = fill_sigma(x, self.sigma)
        y = mask * add_gaussian_noise(x, sigma, noise_seed)
        return self._example(x, y, sigma, mask=mask)

    def operator(self, example):
        return Inpainting(example["mask"])

    def describe(self):
        return {"name": self.name, "task_id": self.task_id, "fraction": self.fraction,
                "sigma": self.sigma}
