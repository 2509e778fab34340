"""Inpainting masks; the code now lives in :mod:`rim_tf.physics.inpainting`."""
from rim_tf.physics.inpainting import Inpainting, check_fraction, random_pixel_mask

__all__ = ["Inpainting", "check_fraction", "random_pixel_mask"]
