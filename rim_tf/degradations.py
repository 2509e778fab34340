"""Degradations: from a clean batch to a training example ``(x, y, sigma, operator)``.

One small class per task of the paper, all with the same protocol:

* ``degradation(x, seed) -> dict`` takes a clean batch ``[B, H, W, C]`` float32 in
  ``[0, 1]`` and a ``[2]`` integer seed and returns ``{"x": target, "y": observation,
  "sigma": [B] float32 (the likelihood's noise std, eq. 9), "task_id": int32 scalar}``
  plus the tensors the forward model needs (``"matrix"``, ``"rows"``, ``"mask"``). It is
  pure TensorFlow with stateless randomness, so it runs inside ``tf.data.Dataset.map``
  and is a deterministic function of ``(x, seed)``.
* ``degradation.operator(example) -> LinearOperator`` rebuilds the forward model from
  such a dict (also inside ``tf.function``).
* ``degradation.describe() -> dict`` is a plain, JSON-ready description;
  :func:`from_description` inverts it.

``task_id`` is stable (see :data:`TASK_IDS`) so that mixed-task training (RIM-3task, the
super-resolution model over scales 2, 3, 4) can tell batches apart.
"""
from __future__ import annotations

from typing import Dict, Tuple

import tensorflow as tf

from rim_tf.imresize import imresize
from rim_tf.operators.base import Identity, LinearOperator
from rim_tf.operators.bicubic import BicubicDownsample
from rim_tf.operators.inpainting import Inpainting, check_fraction, random_pixel_mask
from rim_tf.operators.noise import (QUANTIZATION_LEVELS, add_gaussian_noise,
                                    quantization_noise_std, quantize_8bit, split_seed)
from rim_tf.operators.projections import (FourierProjection, MatrixProjection, check_ensemble,
                                          check_num_measurements, sample_fourier_rows,
                                          sample_matrix)

# Stable task identifiers; super-resolution gets 10 + scale.
TASK_IDS = {
    "denoise": 0,
    "projection_gaussian": 1,
    "projection_binary": 2,
    "projection_fourier": 3,
    "inpaint": 4,
}
DOWNSAMPLE_TASK_OFFSET = 10


def _check_batch(x) -> tf.Tensor:
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    if x.shape.rank != 4:
        raise ValueError(f"a degradation expects a clean batch [B, H, W, C], got shape {x.shape}")
    return x


def _static_image_shape(x: tf.Tensor) -> Tuple[int, int, int]:
    shape = tuple(x.shape[1:])
    if any(s is None for s in shape):
        raise ValueError(f"this degradation needs static H, W, C; got {x.shape}")
    return shape


def _check_sigma(sigma: float, what: str = "sigma") -> float:
    sigma = float(sigma)
    if not sigma >= 0.0:
        raise ValueError(f"{what} must be >= 0, got {sigma}")
    return sigma


def _per_sample_sigma(x: tf.Tensor, sigma: float) -> tf.Tensor:
    return tf.fill([tf.shape(x)[0]], tf.constant(sigma, tf.float32))


class Degradation:
    """Base class: a task's forward model plus how its observations are made."""

    name: str = "degradation"

    @property
    def task_id(self) -> int:
        return TASK_IDS[self.name]

    def __call__(self, x, seed) -> Dict[str, tf.Tensor]:
        raise NotImplementedError

    def operator(self, example: Dict[str, tf.Tensor]) -> LinearOperator:
        raise NotImplementedError

    def describe(self) -> dict:
        raise NotImplementedError

    def _example(self, x, y, sigma, **extra) -> Dict[str, tf.Tensor]:
        example = {"x": x, "y": y, "sigma": sigma,
                   "task_id": tf.constant(self.task_id, tf.int32)}
        example.update(extra)
        return example


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
        if len(sigma_range) != 2:
            raise ValueError(f"sigma_range must be (lo, hi), got {sigma_range!r}")
        lo = _check_sigma(sigma_range[0], "sigma_range[0]")
        hi = _check_sigma(sigma_range[1], "sigma_range[1]")
        if lo > hi:
            raise ValueError(f"sigma_range must have lo <= hi, got {sigma_range!r}")
        self.sigma_range = (lo, hi)
        self.quantize = bool(quantize)

    def __call__(self, x, seed):
        x = _check_batch(x)
        sigma_seed, noise_seed = tf.unstack(split_seed(seed, 2))
        lo, hi = self.sigma_range
        if lo == hi:
            sigma = _per_sample_sigma(x, lo)
        else:
            sigma = tf.random.stateless_uniform([tf.shape(x)[0]], sigma_seed, minval=lo,
                                                maxval=hi)
        y = add_gaussian_noise(x, sigma, noise_seed)
        if self.quantize:
            y = quantize_8bit(y)
        return self._example(x, y, sigma)

    def operator(self, example):
        return Identity()

    def describe(self):
        return {"name": self.name, "task_id": self.task_id,
                "sigma_range": list(self.sigma_range), "quantize": self.quantize}


class RandomProjection(Degradation):
    """``y = A x + n`` with a fresh random ``A`` per sample (section 3.1).

    Args:
      ensemble: ``"gaussian"``, ``"binary"`` or ``"fourier"`` (see
        :mod:`rim_tf.operators.projections` for the scaling).
      num_measurements: ``m``, at most the number of pixels ``H * W * C`` of a patch.
      sigma: measurement noise std; 1.0 as in the conference version's experiments.
    """

    def __init__(self, ensemble: str, num_measurements: int, sigma: float = 1.0):
        self.ensemble = check_ensemble(ensemble)
        if int(num_measurements) != num_measurements or num_measurements < 1:
            raise ValueError(f"num_measurements must be a positive integer, got {num_measurements}")
        self.num_measurements = int(num_measurements)
        self.sigma = _check_sigma(sigma)

    @property
    def name(self) -> str:
        return f"projection_{self.ensemble}"

    def __call__(self, x, seed):
        x = _check_batch(x)
        image_shape = _static_image_shape(x)
        check_num_measurements(self.num_measurements, image_shape)
        matrix_seed, noise_seed = tf.unstack(split_seed(seed, 2))
        batch = tf.shape(x)[0]
        sigma = _per_sample_sigma(x, self.sigma)
        if self.ensemble == "fourier":
            rows = sample_fourier_rows(batch, self.num_measurements, image_shape, matrix_seed)
            y = FourierProjection(rows, image_shape).forward(x)
            return self._example(x, add_gaussian_noise(y, sigma, noise_seed), sigma, rows=rows)
        matrix = sample_matrix(self.ensemble, batch, self.num_measurements, image_shape,
                               matrix_seed)
        y = MatrixProjection(matrix, image_shape).forward(x)
        return self._example(x, add_gaussian_noise(y, sigma, noise_seed), sigma, matrix=matrix)

    def operator(self, example):
        image_shape = _static_image_shape(tf.convert_to_tensor(example["x"]))
        if self.ensemble == "fourier":
            return FourierProjection(example["rows"], image_shape)
        return MatrixProjection(example["matrix"], image_shape)

    def describe(self):
        return {"name": self.name, "task_id": self.task_id, "ensemble": self.ensemble,
                "num_measurements": self.num_measurements, "sigma": self.sigma}


class Inpaint(Degradation):
    """``y = m * (x + n)``: a random ``fraction`` of the pixels removed (Figure 4).

    Args:
      fraction: share of pixels removed per sample, in ``[0, 1)``.
      sigma: noise std on the observed pixels, in ``[0, 1]`` image units.
    """

    name = "inpaint"

    def __init__(self, fraction: float, sigma: float):
        self.fraction = check_fraction(fraction)
        self.sigma = _check_sigma(sigma)

    def __call__(self, x, seed):
        x = _check_batch(x)
        h, w, _ = _static_image_shape(x)
        mask_seed, noise_seed = tf.unstack(split_seed(seed, 2))
        mask = random_pixel_mask(tf.shape(x)[0], h, w, self.fraction, mask_seed)
        sigma = _per_sample_sigma(x, self.sigma)
        y = mask * add_gaussian_noise(x, sigma, noise_seed)
        return self._example(x, y, sigma, mask=mask)

    def operator(self, example):
        return Inpainting(example["mask"])

    def describe(self):
        return {"name": self.name, "task_id": self.task_id, "fraction": self.fraction,
                "sigma": self.sigma}


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
        self.sigma = quantization_noise_std() if sigma is None else _check_sigma(sigma)
        self.matlab_uint8 = bool(matlab_uint8)

    @property
    def task_id(self) -> int:
        return DOWNSAMPLE_TASK_OFFSET + self.scale

    def __call__(self, x, seed):
        x = _check_batch(x)
        _static_image_shape(x)
        split_seed(seed, 1)  # validates the seed; the degradation draws nothing
        if self.matlab_uint8:
            x8 = tf.cast(tf.round(quantize_8bit(x) * QUANTIZATION_LEVELS), tf.uint8)
            y = tf.cast(imresize(x8, scale=1.0 / self.scale), tf.float32) / QUANTIZATION_LEVELS
        else:
            y = quantize_8bit(imresize(x, scale=1.0 / self.scale))
        return self._example(x, y, _per_sample_sigma(x, self.sigma))

    def operator(self, example):
        h, w, _ = _static_image_shape(tf.convert_to_tensor(example["x"]))
        return BicubicDownsample(self.scale, hr_size=(h, w))

    def describe(self):
        return {"name": self.name, "task_id": self.task_id, "scale": self.scale,
                "sigma": self.sigma, "matlab_uint8": self.matlab_uint8}


def from_description(description: dict) -> Degradation:
    """Rebuild a degradation from :meth:`Degradation.describe`'s dict."""
    d = dict(description)
    name = d.pop("name", None)
    d.pop("task_id", None)
    if name == "denoise":
        return Denoise(sigma_range=tuple(d["sigma_range"]), quantize=d["quantize"])
    if name is not None and name.startswith("projection_"):
        return RandomProjection(d["ensemble"], d["num_measurements"], d["sigma"])
    if name == "inpaint":
        return Inpaint(d["fraction"], d["sigma"])
    if name == "downsample":
        return Downsample(d["scale"], d["sigma"], d.get("matlab_uint8", True))
    raise ValueError(f"unknown degradation description {description!r}")
