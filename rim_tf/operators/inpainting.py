"""Inpainting (section 3.1, Figure 4): a random subset of the pixels is removed.

The forward model is a diagonal 0/1 mask, ``A = diag(m)``, so ``A^T = A`` and the
likelihood gradient of eq. 9 only sees the observed pixels. All channels of a pixel are
removed together, so masks have one channel and broadcast over the image's channels.
"""
from __future__ import annotations

import tensorflow as tf

from rim_tf.operators.base import LinearOperator


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
