"""Super-resolution forward model: MATLAB bicubic down-sampling (section 3, "Data").

``A x = imresize(x, 1/s, 'bicubic')`` on float images (antialiased Keys cubic, replicated
borders), the forward model of Huang et al.'s SelfExSR test data; ``A^T`` is its exact
transpose; the RIM starts from bicubic up-sampling of the LR image, ``imresize(y, s)``.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

import tensorflow as tf

from rim_tf.imresize import imresize, imresize_transpose
from rim_tf.operators.base import LinearOperator


class BicubicDownsample(LinearOperator):
    """Bicubic down-sampling by ``scale`` of ``[B, H, W, C]`` float images.

    Args:
      scale: the down-sampling factor ``s > 0`` (2, 3 and 4 in the paper); the LR image is
        ``ceil(H / s) x ceil(W / s)``.
      hr_size: ``(H, W)`` of the HR images. Needed by the adjoint and the initial estimate
        when it is not ``s`` times the LR size (a non-integer ``s``, or HR sizes not
        divisible by ``s``); ``None`` means exactly ``s`` times the LR size.
      border: ``"replicate"`` (MATLAB) or ``"symmetric"``, see :mod:`rim_tf.imresize`.
    """

    def __init__(self, scale: float, hr_size: Optional[Sequence[int]] = None,
                 border: str = "replicate"):
        scale = float(scale)
        if not math.isfinite(scale) or scale <= 0.0:
            raise ValueError(f"scale must be a finite positive number, got {scale}")
        if hr_size is not None:
            if len(hr_size) != 2 or any(s is None or int(s) < 1 for s in hr_size):
                raise ValueError(f"hr_size must be (height, width) > 0, got {hr_size!r}")
            hr_size = (int(hr_size[0]), int(hr_size[1]))
        elif scale != round(scale):
            raise ValueError(f"a non-integer scale ({scale}) needs hr_size")
        self.scale = scale
        self.hr_size = hr_size
        self.border = border

    def _hr_size(self, lr_size: Tuple[int, int]) -> Tuple[int, int]:
        if self.hr_size is not None:
            return self.hr_size
        return (int(round(self.scale * lr_size[0])), int(round(self.scale * lr_size[1])))

    def forward(self, x):
        x = tf.convert_to_tensor(x)
        if self.hr_size is not None and tuple(x.shape[1:3]) != self.hr_size:
            raise ValueError(f"expected HR images of size {self.hr_size}, got {x.shape}")
        return imresize(x, scale=1.0 / self.scale, border=self.border)

    def adjoint(self, y):
        y = tf.convert_to_tensor(y)
        lr_size = (y.shape[1], y.shape[2])
        return imresize_transpose(y, self._hr_size(lr_size), scale=1.0 / self.scale,
                                  border=self.border)

    def initial_estimate(self, y):
        """Bicubic up-sampling of the LR image to the HR size (MATLAB ``imresize(y, s)``)."""
        y = tf.convert_to_tensor(y)
        lr_size = (y.shape[1], y.shape[2])
        hr_size = self._hr_size(lr_size)
        if hr_size == tuple(math.ceil(self.scale * n) for n in lr_size):
            return imresize(y, scale=self.scale, border=self.border)
        return imresize(y, output_size=hr_size, border=self.border)
