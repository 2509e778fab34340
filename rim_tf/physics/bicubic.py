"""Super-resolution forward model: MATLAB bicubic down-sampling (section 3, "Data").

``A x = imresize(x, 1/s, 'bicubic')`` on float images (antialiased Keys cubic, replicated
borders), the forward model of Huang et al.'s SelfExSR test data; ``A^T`` is its exact
transpose; the RIM starts from bicubic up-sampling of the LR image, ``imresize(y, s)``.
:class:`Downsample` is the training task, observations made like SelfExSR's LR files.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

import tensorflow as tf

from rim_tf.physics.base import Degradation, LinearOperator, check_batch, fill_sigma, static_image_shape
from rim_tf.physics.imresize import imresize, imresize_transpose
from rim_tf.physics.noise import QUANTIZATION_LEVELS, quantization_noise_std, quantize_8bit, split_seed
from rim_tf.physics.sigma import check_sigma


class BicubicDownsample(LinearOperator):
    """Bicubic down-sampling by ``scale`` of ``[B, H, W, C]`` float images.

    Args:
      scale: the down-sampling factor ``s > 0`` (2, 3 and 4 in the paper); the LR image is
        ``ceil(H / s) x ceil(W / s)``.
      hr_size: ``(H, W)`` of the HR images. Needed by the adjoint and the initial estimate
        when it is not ``s`` times the LR size (a non-integer ``s``, or HR sizes not
        divisible by ``s``); ``None`` means exactly ``s`` times the LR size.
      border: ``"replicate"`` (MATLAB) or ``"symmetric"``, see :mod:`rim_tf.physics.imresize`.
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


class Downsample(Degradation):
    """``y = imresize(x, 1/scale)`` made like SelfExSR's LR files, rounded to 8 bits.

    With ``matlab_uint8=True`` (default) the clean batch is rounded to 8 bits and resized
    with MATLAB's ``uint8`` semantics (each 1-D pass rounds and saturates), which is how
    Huang et al. made their LR test images: for 8-bit ``x`` this reproduces them exactly.
    With ``False`` the float forward model is applied and its result rounded once. The
    two differ: on the 300 SelfExSR images float-then-round matches the LR files at only
    85.1 / 87.9 / 89.5 % of the pixels (x2 / x3 / x4), off by up to 8 grey levels next to
    saturated pixels.

    Args:
      scale: integer factor (2, 3 or 4 in the paper); HR patches should be divisible by it.
        It is the task's ``variant``.
      sigma: the likelihood's noise std; ``None`` uses the std of 8-bit quantisation,
        ``1 / (255 sqrt(12)) ~= 0.00113`` (0.29 grey levels). For reference, the rms
        difference between the authors' LR files and the float forward model of their HR
        files is 0.38 grey levels at each scale (rounding twice, plus saturation).
      matlab_uint8: make the observation with MATLAB's uint8 arithmetic (see above).
    """

    name = "downsample"

    def __init__(self, scale: int, sigma: float = None, matlab_uint8: bool = True):
        if int(scale) != scale or scale < 1:
            raise ValueError(f"scale must be a positive integer, got {scale}")
        self.scale = int(scale)
        self.sigma = quantization_noise_std() if sigma is None else check_sigma(sigma)
        self.matlab_uint8 = bool(matlab_uint8)

    @property
    def variant(self) -> int:
        return self.scale

    def __call__(self, x, seed):
        x = check_batch(x)
        static_image_shape(x)
        split_seed(seed, 1)  # validates the seed; the degradation draws nothing
        if self.matlab_uint8:
            x8 = tf.cast(tf.round(quantize_8bit(x) * QUANTIZATION_LEVELS), tf.uint8)
            y = tf.cast(imresize(x8, scale=1.0 / self.scale), tf.float32) / QUANTIZATION_LEVELS
        else:
            y = quantize_8bit(imresize(x, scale=1.0 / self.scale))
        return self._example(x, y, fill_sigma(x, self.sigma))

    def operator(self, example):
        h, w, _ = static_image_shape(tf.convert_to_tensor(example["x"]))
        return BicubicDownsample(self.scale, hr_size=(h, w))

    def describe(self):
        return {"name": self.name, "task_id": self.task_id, "scale": self.scale,
                "sigma": self.sigma, "matlab_uint8": self.matlab_uint8}
