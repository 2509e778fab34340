"""Validation scored the way the paper's table is scored, so that a learning curve means
what the table means.

The patch validation of :class:`rim_tf.training.trainer.Trainer` (mean PSNR of the final
estimate over held-out training patches, all tasks mixed) is the right signal for
denoising, whose Table 2 protocol is the same computation on whole images. For
super-resolution it is not: Table 3 scores the Y channel of whole images, rounded to 8 bits,
with ``scale`` pixels shaved at every border, one scale at a time, from LR images that were
made by MATLAB ``imresize`` of the *RGB* image. On 36x36 patches a third of the pixels lie
within 4 pixels of a border, and the mean over three scales hides a scale that gets worse.

:class:`SuperresProtocol` builds that protocol on crops of the held-out training images
(never seen in training): HR = a central ``crop`` x ``crop`` RGB crop, LR =
``imresize(HR, 1/scale)`` with MATLAB's uint8 arithmetic (how the SelfExSR LR files were
made), and scores the model with :func:`rim_tf.evaluation.evaluate_superres`, the very
function behind ``scripts/reproduce_table3.py``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np


def _central_crop(image: np.ndarray, size: int, multiple: int) -> np.ndarray:
    """The central ``size`` x ``size`` crop (or the whole image, trimmed to a multiple of
    ``multiple``, where the image is smaller)."""
    h, w = image.shape[:2]
    ch = min(size, h - h % multiple)
    cw = min(size, w - w % multiple)
    top, left = (h - ch) // 2, (w - cw) // 2
    return np.ascontiguousarray(image[top:top + ch, left:left + cw])


@dataclass
class SuperresProtocol:
    """Table 3's protocol on held-out crops: ``{scale: [SRPair, ...]}``.

    Build it with :meth:`from_images`; calling it scores a model and returns
    ``{"x2": dB, "x3": dB, "x4": dB}`` (the mean over the crops of each scale).
    """

    pairs: dict
    steps: Optional[int] = None

    @classmethod
    def from_images(cls, ids: Sequence[str], rgb_images: Sequence[np.ndarray], *,
                    scales=(2, 3, 4), crop: int = 192, steps: Optional[int] = None) -> "SuperresProtocol":
        """HR crops of ``rgb_images`` (uint8 ``[H, W, 3]``) and their MATLAB-bicubic LR images."""
        import tensorflow as tf

        from rim_tf.data.testsets import SRPair
        from rim_tf.imresize import imresize

        if not ids:
            raise ValueError("the super-resolution protocol validation needs held-out images "
                             "(val_images >= 1)")
        multiple = math.lcm(*[int(s) for s in scales])
        if crop < multiple:
            raise ValueError(f"protocol crop {crop} is smaller than {multiple} (the least common "
                             f"multiple of the scales)")
        crop -= crop % multiple
        crops = []
        for i, image in zip(ids, rgb_images):
            if image.dtype != np.uint8 or image.ndim != 3 or image.shape[-1] != 3:
                raise ValueError(f"image {i}: expected uint8 [H, W, 3], got {image.dtype} {image.shape}")
            crops.append((str(i), _central_crop(image, crop, multiple)))
        pairs = {int(scale): [SRPair(name=i, id=i, scale=int(scale), hr=hr,
                                     lr=imresize(tf.constant(hr), scale=1.0 / scale).numpy())
                              for i, hr in crops]
                 for scale in scales}
        return cls(pairs, steps)

    @property
    def num_images(self) -> int:
        return len(next(iter(self.pairs.values()))) if self.pairs else 0

    def __call__(self, model) -> dict:
        from rim_tf.evaluation import evaluate_superres

        scores = {}
        for scale, pairs in self.pairs.items():
            _, rim = evaluate_superres(model, pairs, steps=self.steps, progress=False)
            scores[f"x{scale}"] = rim.mean_psnr
        return scores

    def bicubic(self) -> dict:
        """The same protocol for bicubic up-sampling (the RIM's initial estimate)."""
        from rim_tf.evaluation import evaluate_superres

        return {f"x{scale}": evaluate_superres(None, pairs, progress=False)[0].mean_psnr
                for scale, pairs in self.pairs.items()}


def format_scores(scores: dict) -> str:
    """``"x2 32.07, x3 29.33, x4 27.84"``: per-scale scores for a log line or a status line."""
    return ", ".join(f"{k} {v:.2f}" for k, v in scores.items())


def protocol_mean(scores: dict) -> float:
    """The mean over scales: one number for the stop rule (each scale is recorded too)."""
    return float(np.mean(list(scores.values())))
