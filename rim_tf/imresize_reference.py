"""The numpy reference of MATLAB's ``imresize``; the code now lives in :mod:`rim_tf.physics.imresize_reference`."""
from rim_tf.physics.imresize_reference import (KERNEL_SUPPORT, border_index, cubic_kernel, imresize_reference,
                                               output_taps, resize_along_axis)

__all__ = ["KERNEL_SUPPORT", "border_index", "cubic_kernel", "imresize_reference", "output_taps",
           "resize_along_axis"]
