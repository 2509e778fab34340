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

:class:`TransferProtocol` is RIM-3task's counterpart: the model is trained on random
projections only, and the paper's claim is that it then denoises (Table 2) and inpaints
(Figure 4) without having seen either task. The patch validation scores only the training
tasks, so the transfer is scored beside it, on gray crops of the same held-out images, with
the Table 2 function and Figure 4's inpainting, so that the campaign's curve shows when (and
whether) the transfer appears.

Both protocols share one interface, used by the trainer: ``key`` (the history row's field),
``stop_signal`` (whether the campaign's stop rule watches their mean), ``__call__(model)`` ->
``{name: dB}`` and ``baseline()`` -> the same for the model's initial estimate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np


def _check_rgb(image_id, image: np.ndarray) -> None:
    """Both protocols are built from the held-out images as read: uint8 ``[H, W, 3]``."""
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"image {image_id}: expected uint8 [H, W, 3], got {image.dtype} {image.shape}")


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

    key = "protocol"
    stop_signal = True  # Table 3 is what this model is for: the stop rule watches its mean
    title = "Table 3's scoring (Y, 8 bits, shave = scale)"
    baseline_name = "bicubic"

    @classmethod
    def from_config(cls, config, ids: Sequence[str], rgb_images: Sequence[np.ndarray]) -> "SuperresProtocol":
        return cls.from_images(ids, rgb_images, scales=config.scales, crop=config.protocol_crop,
                               steps=config.steps)

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
            _check_rgb(i, image)
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

    baseline = bicubic


TRANSFER_SIGMAS = (15, 25, 50)
"""Table 2's noise levels (0..255), scored on every transfer validation."""
INPAINT_FRACTION = 0.5
INPAINT_SIGMA = 1.0 / 32.0
"""Figure 4's defaults: half the pixels removed, noise 1/32 (image units) on the kept ones."""


@dataclass
class TransferProtocol:
    """Out-of-training tasks of RIM-3task on gray held-out crops: ``[(id, uint8 [H, W, 1])]``.

    Calling it scores a model and returns ``{"denoise15": dB, "denoise25": dB, "denoise50": dB,
    "inpaint50": dB}``: the denoising of Table 2 (:func:`rim_tf.evaluation.evaluate_denoising`,
    the same noise per image id on every call) and Figure 4's inpainting (half the pixels
    removed, a fixed mask per crop), each the mean PSNR over the crops after the trained steps.
    """

    images: list
    steps: Optional[int] = None
    sigmas: tuple = TRANSFER_SIGMAS
    inpaint_fraction: float = INPAINT_FRACTION
    inpaint_sigma: float = INPAINT_SIGMA

    key = "transfer"
    stop_signal = False  # not trained for: shown beside the training tasks, never stopped on
    title = "out-of-training tasks (Table 2's denoising, Figure 4's inpainting)"
    baseline_name = "the input"

    @classmethod
    def from_config(cls, config, ids: Sequence[str], rgb_images: Sequence[np.ndarray]) -> "TransferProtocol":
        return cls.from_images(ids, rgb_images, crop=config.protocol_crop, steps=config.steps)

    @classmethod
    def from_images(cls, ids: Sequence[str], rgb_images: Sequence[np.ndarray], *, crop: int = 128,
                    steps: Optional[int] = None) -> "TransferProtocol":
        """Central ``crop`` x ``crop`` crops of ``rgb_images`` (uint8 ``[H, W, 3]``), in the gray
        of the test sets (:func:`rim_tf.data.images.convert_color`)."""
        from rim_tf.data.images import convert_color

        if not ids:
            raise ValueError("the transfer validation needs held-out images (val_images >= 1)")
        if crop < 8:
            raise ValueError(f"transfer crop must be at least 8 pixels, got {crop}")
        images = []
        for i, image in zip(ids, rgb_images):
            _check_rgb(i, image)
            # one crop size for all, so that the crops batch together
            images.append((str(i), _central_crop(convert_color(image, "gray"), crop, 1)))
        size = min(min(img.shape[:2]) for _, img in images)
        images = [(i, _central_crop(img, size, 1)) for i, img in images]
        return cls(images, steps)

    def _inpaint(self, model) -> tuple:
        """(mean PSNR of the model's estimates, mean PSNR of the masked input) over the crops."""
        from rim_tf.evaluation.runners import inpaint_image

        models = {} if model is None else {"model": model}
        got, observed = [], []
        for k, (_, image) in enumerate(self.images):
            out = inpaint_image(models, image.astype(np.float32) / 255.0, fraction=self.inpaint_fraction,
                                sigma=self.inpaint_sigma, steps=self.steps or (model.steps if model else 1),
                                seed=k)
            observed.append(out["observed_psnr"])
            if model is not None:
                got.append(out["psnr"]["model"])
        return (float(np.mean(got)) if got else None), float(np.mean(observed))

    def __call__(self, model) -> dict:
        from rim_tf.evaluation import evaluate_denoising

        scores = {f"denoise{s:g}": evaluate_denoising(model, self.images, sigma=s, steps=self.steps,
                                                      progress=False).mean_psnr
                  for s in self.sigmas}
        scores[f"inpaint{100 * self.inpaint_fraction:.0f}"] = self._inpaint(model)[0]
        return scores

    def baseline(self) -> dict:
        """The PSNR of the observations themselves: the noisy crops, the masked crops."""
        from rim_tf.evaluation.protocols import noisy_observation, observation_psnr

        scores = {f"denoise{s:g}": float(np.mean([observation_psnr(noisy_observation(img, i, s), img)
                                                   for i, img in self.images])) for s in self.sigmas}
        scores[f"inpaint{100 * self.inpaint_fraction:.0f}"] = self._inpaint(None)[1]
        return scores


PROTOCOLS = {"superres": SuperresProtocol, "3task": TransferProtocol}
"""The experiments whose validation also scores a protocol of their own (see the module)."""


def format_scores(scores: dict) -> str:
    """``"x2 32.07, x3 29.33, x4 27.84"``: per-scale scores for a log line or a status line."""
    return ", ".join(f"{k} {v:.2f}" for k, v in scores.items())


def protocol_mean(scores: dict) -> float:
    """The mean over scales: one number for the stop rule (each scale is recorded too)."""
    return float(np.mean(list(scores.values())))
