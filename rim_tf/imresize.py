"""MATLAB's bicubic ``imresize`` in TensorFlow; the code now lives in :mod:`rim_tf.physics.imresize`."""
from rim_tf.physics.imresize import (BORDERS, KERNEL_SUPPORT, BandPass, ConvPass, DensePass, IdentityPass,
                                     Pass, Scale, Size, border_index, cubic, imresize, imresize_transpose,
                                     pass_order, pass_plan, resize_geometry, resize_weights)

__all__ = ["BORDERS", "KERNEL_SUPPORT", "BandPass", "ConvPass", "DensePass", "IdentityPass", "Pass", "Scale",
           "Size", "border_index", "cubic", "imresize", "imresize_transpose", "pass_order", "pass_plan",
           "resize_geometry", "resize_weights"]
