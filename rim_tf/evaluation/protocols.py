"""The test protocols: the observations every model and baseline sees, and how they are scored.

See :mod:`rim_tf.evaluation` for the protocols in words.
"""
from __future__ import annotations

import hashlib
import struct
from collections import OrderedDict
from typing import Sequence

import numpy as np
import tensorflow as tf

from rim_tf.color import rgb2y
from rim_tf.inference import check_sigma255
from rim_tf.metrics import psnr, sr_psnr
from rim_tf.physics.noise import add_gaussian_noise, quantize_8bit

__all__ = ["observation_seed", "noisy_observation", "group_by_shape", "estimate_psnr", "sr_y_psnr"]


def observation_seed(image_id: str, sigma: float, task: str = "denoise") -> np.ndarray:
    """A stateless ``int64 [2]`` seed from the image id and the noise level (0..255 scale).

    A hash, not Python's ``hash()``: the same on every run and machine.
    """
    key = f"rim_tf/{task}/{image_id}/sigma={float(sigma):.6g}".encode()
    a, b = struct.unpack("<II", hashlib.sha256(key).digest()[:8])
    return np.array([a & 0x7FFFFFFF, b & 0x7FFFFFFF], np.int64)


def noisy_observation(image, image_id: str, sigma: float, quantize: bool = False) -> np.ndarray:
    """The denoising observation of a uint8 test image: float32 ``[H, W, C]`` in 0..1 units.

    ``x / 255 + N(0, (sigma/255)^2)`` with the seed of :func:`observation_seed`;
    with ``quantize`` rounded to 8 bits and clipped to ``[0, 1]``.
    """
    sigma = check_sigma255(sigma)
    x = tf.constant(np.asarray(image, np.float32)[None] / 255.0)
    y = add_gaussian_noise(x, sigma / 255.0, tf.constant(observation_seed(image_id, sigma)))
    if quantize:
        y = quantize_8bit(y)
    return y.numpy()[0]


def group_by_shape(shapes: Sequence[tuple], batch_size: int) -> list:
    """Indices of equal-shape items, in batches of at most ``batch_size``.

    Groups appear in the order of their shape's first occurrence, items in input order:
    ``group_by_shape([(2, 3), (3, 2), (2, 3)], 4) == [[0, 2], [1]]``.
    """
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    groups: "OrderedDict[tuple, list]" = OrderedDict()
    for k, shape in enumerate(shapes):
        groups.setdefault(tuple(int(s) for s in shape), []).append(k)
    batches = []
    for members in groups.values():
        for start in range(0, len(members), int(batch_size)):
            batches.append(members[start:start + int(batch_size)])
    return batches


def estimate_psnr(estimate, clean_uint8, round_to_uint8: bool = False) -> float:
    """PSNR (0..255) of a ``[0, 1]`` float estimate against a uint8 image.

    The estimate is clipped to ``[0, 1]`` and scaled by 255; by default it is not rounded.
    """
    est = np.clip(np.asarray(estimate, np.float64), 0.0, 1.0) * 255.0
    if round_to_uint8:
        est = np.floor(est + 0.5)
    return psnr(est, np.asarray(clean_uint8, np.float64).reshape(est.shape), data_range=255)


def observation_psnr(y, clean_uint8) -> float:
    """PSNR (0..255) of an observation in ``[0, 1]`` units against a uint8 image, unclipped: the
    "noisy input" of the tables (noise may carry it outside ``[0, 1]``)."""
    return psnr(np.asarray(y, np.float64) * 255.0, np.asarray(clean_uint8, np.float64),
                data_range=255, check_range=False)


def sr_y_psnr(estimate_y, hr_rgb_uint8, scale: int) -> float:
    """SelfExSR PSNR of a Y-channel estimate in ``[0, 1]`` (``[H, W]``) against the HR image.

    The estimate's Y is rounded to uint8 (half up, as MATLAB) and scored with
    :func:`rim_tf.metrics.sr_psnr` against ``rgb2y`` of the HR image.
    """
    est = np.asarray(estimate_y, np.float64)
    est = est.reshape(est.shape[:2])
    y8 = np.clip(np.floor(est * 255.0 + 0.5), 0, 255).astype(np.uint8)
    return sr_psnr(y8, rgb2y(np.asarray(hr_rgb_uint8)), scale)
