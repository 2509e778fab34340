"""Bicubic down-sampling; the code now lives in :mod:`rim_tf.physics.bicubic`."""
from rim_tf.physics.bicubic import BicubicDownsample

__all__ = ["BicubicDownsample"]
