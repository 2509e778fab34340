"""Evaluation of trained RIMs on whole test images (Tables 1-3) and test patches (Figures 3-4).

Protocols
---------
* **Denoising (Tables 1 and 2).** The clean test image (uint8) is scaled to ``[0, 1]``
  and gets Gaussian noise of std ``sigma / 255``, drawn with a stateless seed derived from
  the image id and ``sigma`` (:func:`observation_seed`): every run, every model and every
  baseline sees the same noisy image. The noisy image is *not* clipped; with
  ``quantize=True`` it is rounded to 8 bits and clipped to ``[0, 1]`` (Table 2's "8-bit"
  columns, Table 1), while the likelihood keeps the Gaussian ``sigma``.
  PSNR: the estimate is clipped to ``[0, 1]`` and compared *in floating point* with the
  clean 8-bit image on the 0..255 range (``10 log10(255^2 / MSE)``); it is **not** rounded
  to uint8 first (``round_to_uint8=True`` does that instead). Means are over images.
* **Super-resolution (Table 3).** SelfExSR's LR file is converted to the Y channel of
  MATLAB ``rgb2ycbcr`` (in floating point, divided by 255); the RIM runs with
  :class:`~rim_tf.operators.BicubicDownsample` and starts from its bicubic up-sampling
  of the LR Y. The estimate's Y is rounded to uint8 and scored with
  :func:`rim_tf.metrics.sr_psnr` (shave ``scale``, range 255) against the HR image's
  rounded Y. The bicubic baseline is that same initial estimate, scored by the same code.
* **Random projections and inpainting (Figure 3).** Random 32x32 patches of the BSDS300
  test images (gray), degraded by :mod:`rim_tf.degradations` with a fixed seed per batch
  (every model sees the same measurements); PSNR in floating point on ``[0, 1]`` after
  every step, step 0 being the initial estimate the RIM starts from.

Models run on whole images in batches of images of equal shape (481x321 and 321x481 are
separate groups), with a tqdm progress bar; seconds per image are the wall time of a batch
divided by its size (the first batch includes one-off start-up costs).

The functions :func:`table1`, :func:`table2`, :func:`table3`, :func:`figure3` and
:func:`figure4` do the work of ``scripts/reproduce_*.py`` and return a :class:`Report`.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import itertools
import struct
import sys
import textwrap
import time
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Iterable, Mapping, Optional, Sequence

import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from rim_tf.cli import add_weight_options, output_folder
from rim_tf.inference import check_sigma255, check_steps
from rim_tf.color import rgb2y, rgb2ycbcr
from rim_tf.metrics import psnr, sr_psnr
from rim_tf.operators import BicubicDownsample, add_gaussian_noise, quantization_noise_std, quantize_8bit
from rim_tf.shipped import check_channels, run_info
from rim_tf.report import ResultRow, RunInfo, write_results

__all__ = [
    "EvalResult",
    "CurveResult",
    "Report",
    "observation_seed",
    "noisy_observation",
    "group_by_shape",
    "spread_indices",
    "compiled_denoiser",
    "estimate_psnr",
    "evaluate_denoising",
    "evaluate_denoiser",
    "bm3d_denoiser",
    "sr_y_psnr",
    "evaluate_superres",
    "random_test_patches",
    "evaluate_patches",
    "inpaint_image",
    "combine_run_info",
    "table1",
    "table2",
    "table3",
    "figure3",
    "figure4",
    "add_common_arguments",
    "load_model_arg",
    "finish",
    "cli",
]


# =========================================================================== results
@dataclasses.dataclass
class EvalResult:
    """Per-image results of one method in one setting.

    Attributes:
      method: e.g. ``"RIM"``, ``"BM3D"``, ``"Bicubic"``.
      setting: e.g. ``"sigma=25, 8-bit, cbsd68"``.
      psnr: ``{image id: PSNR of the final estimate}`` (dB).
      seconds: ``{image id: seconds}`` spent on the image.
      step_psnr: ``{image id: [PSNR after step 1, ..., step T]}`` for iterative models.
      input_psnr: ``{image id: PSNR of the observation / the initial estimate}``.
      info: settings (sigma, steps, batch size, ...).
    """

    method: str
    setting: str
    psnr: dict
    seconds: dict
    step_psnr: Optional[dict] = None
    input_psnr: Optional[dict] = None
    info: dict = dataclasses.field(default_factory=dict)

    @property
    def mean_psnr(self) -> float:
        return float(np.mean(list(self.psnr.values())))

    @property
    def mean_seconds(self) -> float:
        return float(np.mean(list(self.seconds.values())))

    @property
    def mean_input_psnr(self) -> Optional[float]:
        return None if not self.input_psnr else float(np.mean(list(self.input_psnr.values())))

    @property
    def mean_step_psnr(self) -> Optional[list]:
        """Mean PSNR over images after each step."""
        if not self.step_psnr:
            return None
        return [float(v) for v in np.mean(np.array(list(self.step_psnr.values())), axis=0)]

    def to_dict(self) -> dict:
        return {
            "method": self.method, "setting": self.setting, "n_images": len(self.psnr),
            "mean_psnr": self.mean_psnr, "mean_seconds": self.mean_seconds,
            "mean_input_psnr": self.mean_input_psnr, "mean_step_psnr": self.mean_step_psnr,
            "psnr": dict(self.psnr), "seconds": dict(self.seconds),
            "input_psnr": dict(self.input_psnr) if self.input_psnr else None,
            "step_psnr": dict(self.step_psnr) if self.step_psnr else None,
            "info": dict(self.info),
        }


@dataclasses.dataclass
class CurveResult:
    """Per-step PSNR of one model on one patch task (Figure 3).

    ``step_psnr[t]`` is the mean PSNR over patches after step ``t`` (``t = 0``: the
    initial estimate); ``patch_psnr`` is ``[N, T + 1]`` per patch.
    """

    method: str
    task: str
    patch_ids: list
    patch_psnr: np.ndarray
    seconds_per_patch: float
    trained_steps: int

    @property
    def step_psnr(self) -> list:
        return [float(v) for v in self.patch_psnr.mean(axis=0)]

    @property
    def steps(self) -> int:
        return self.patch_psnr.shape[1] - 1

    def at_step(self, t: int) -> float:
        return float(self.patch_psnr[:, min(int(t), self.steps)].mean())

    def to_dict(self) -> dict:
        return {"method": self.method, "task": self.task, "steps": self.steps,
                "trained_steps": self.trained_steps, "n_patches": len(self.patch_ids),
                "seconds_per_patch": self.seconds_per_patch, "step_psnr": self.step_psnr,
                "step_psnr_std": [float(v) for v in self.patch_psnr.std(axis=0)]}


@dataclasses.dataclass
class Report:
    """What a reproduction script writes: rows for :func:`rim_tf.report.write_results`."""

    table: str
    title: str
    rows: list
    run: RunInfo
    extra: dict
    decimals: int = 2
    summary: list = dataclasses.field(default_factory=list)  # lines printed to stdout
    figures: dict = dataclasses.field(default_factory=dict)  # name -> callable(path)
    # row -> (block, column): the paper's layout for the terminal (None: print `summary`)
    layout: Optional[Callable] = None

    def terminal(self) -> str:
        """What the script prints: the table in the paper's layout, or the summary lines."""
        if self.layout is None:
            return "\n".join(self.summary) + "\n"
        from rim_tf.report import format_terminal
        return format_terminal(self.rows, self.layout, title=f"{self.table}: {self.title}",
                               run=self.run, decimals=self.decimals)

    def write(self, out_dir) -> dict:
        """Write ``<table>.json`` and ``.md`` (and any figure ``<table>.png``); return the paths."""
        out = Path(out_dir)
        paths = write_results(out, self.table, self.rows, self.run, title=self.title,
                              decimals=self.decimals, extra=self.extra)
        for suffix, draw in self.figures.items():
            path = out / f"{self.table}{suffix}"
            draw(path)
            paths[suffix.lstrip(".")] = path
        return paths


# =========================================================================== helpers
def _image_list(images) -> list:
    """``[(id, uint8 [H, W, C])]`` from EvalImages, ``(id, array)`` pairs or a mapping."""
    if isinstance(images, Mapping):
        images = list(images.items())
    out = []
    for item in images:
        image_id, image = (item.id, item.image) if hasattr(item, "image") else item
        image = np.asarray(image)
        if image.dtype != np.uint8:
            raise ValueError(f"test image {image_id}: expected uint8 pixels, got {image.dtype}")
        if image.ndim == 2:
            image = image[..., None]
        if image.ndim != 3:
            raise ValueError(f"test image {image_id}: expected [H, W, C], got shape {image.shape}")
        out.append((str(image_id), image))
    if not out:
        raise ValueError("no test images to evaluate")
    ids = [i for i, _ in out]
    if len(set(ids)) != len(ids):
        raise ValueError("test image ids must be unique")
    return out


def or_default(text: str, default: str) -> str:
    return text or default


def _bar(total: int, desc: str, progress: bool, unit: str = "img"):
    # disable=None: no bar when stderr is not a terminal (a log file gets no bar debris)
    return tqdm(total=total, desc=desc, unit=unit, disable=None if progress else True, leave=False,
                file=sys.stderr, dynamic_ncols=True)


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


# =========================================================================== denoising
def evaluate_denoising(model, images, *, sigma: float, quantize: bool = False,
                       steps: Optional[int] = None, batch_size: int = 4,
                       round_to_uint8: bool = False, method: str = "RIM", setting: str = "",
                       progress: bool = True) -> EvalResult:
    """Denoise whole test images with a RIM; PSNR of every step per image.

    Args:
      model: a :class:`rim_tf.models.RIM` for images of the test set's channels.
      images: EvalImages (``.id``, ``.image`` uint8 ``[H, W, C]``) or ``(id, image)`` pairs.
      sigma: noise std on the 0..255 scale (15, 25, 50).
      quantize: 8-bit quantized observations (the likelihood keeps ``sigma``).
      steps: RIM steps; the model's trained number by default.
      batch_size: images per batch (images of equal shape only).
      round_to_uint8: round the estimate to 8 bits before the PSNR (off by default).
    """
    images = _image_list(images)
    sigma = check_sigma255(sigma)
    check_channels(model, images[0][1].shape[-1], f"a test set of {images[0][1].shape[-1]}-channel images")
    steps = check_steps(steps, model)
    result = EvalResult(method, setting, {}, {}, step_psnr={}, input_psnr={},
                        info={"sigma": sigma, "quantize": bool(quantize), "steps": steps,
                              "batch_size": int(batch_size), "round_to_uint8": bool(round_to_uint8)})
    batches = group_by_shape([img.shape for _, img in images], batch_size)
    run = compiled_denoiser(model, steps)
    with _bar(len(images), or_default(setting, method), progress) as bar:
        for batch in batches:
            ys = [noisy_observation(images[k][1], images[k][0], sigma, quantize) for k in batch]
            start = time.perf_counter()
            out = run(tf.constant(np.stack(ys)), tf.constant(sigma / 255.0, tf.float32)).numpy()
            per_image = (time.perf_counter() - start) / len(batch)
            for j, k in enumerate(batch):
                image_id, clean = images[k]
                curve = [estimate_psnr(out[t, j], clean, round_to_uint8) for t in range(steps)]
                result.step_psnr[image_id] = curve
                result.psnr[image_id] = curve[-1]
                result.seconds[image_id] = per_image
                result.input_psnr[image_id] = psnr(ys[j] * 255.0, clean.astype(np.float64),
                                                   data_range=255, check_range=False)
            bar.update(len(batch))
    return _reorder(result, [i for i, _ in images])


_COMPILED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def compiled_denoiser(model, steps: int) -> Callable:
    """``run(y [B, H, W, C], sigma) -> [T, B, H, W, C]``: the RIM in one ``tf.function``.

    Traced once per model, number of steps and image shape, and kept for the model's
    lifetime, so the settings of a table (sigma, quantization) reuse the graph. On this
    project's 2-core CPU the graph is ~17% faster than the eager call (2.98 vs 3.59 s per
    481x321 image for the shipped ``denoise`` weights).
    """
    per_model = _COMPILED.setdefault(model, {})
    steps = int(steps)
    if steps not in per_model:
        per_model[steps] = tf.function(lambda y, sigma: model(y, sigma=sigma, steps=steps),
                                       reduce_retracing=True)
    return per_model[steps]


def _reorder(result: EvalResult, ids: list) -> EvalResult:
    """Per-image dicts in test-set order (batches may have visited them out of order)."""
    for name in ("psnr", "seconds", "step_psnr", "input_psnr"):
        values = getattr(result, name)
        if values:
            setattr(result, name, {i: values[i] for i in ids if i in values})
    return result


def evaluate_denoiser(denoise: Callable, images, *, sigma: float, quantize: bool = False,
                      method: str = "BM3D", setting: str = "", round_to_uint8: bool = False,
                      progress: bool = True) -> EvalResult:
    """Evaluate a per-image denoiser ``denoise(noisy [H, W, C] float, sigma in 0..1 units)``
    on the same observations as :func:`evaluate_denoising`; timed per image."""
    images = _image_list(images)
    sigma = check_sigma255(sigma)
    result = EvalResult(method, setting, {}, {}, input_psnr={},
                        info={"sigma": sigma, "quantize": bool(quantize),
                              "round_to_uint8": bool(round_to_uint8)})
    with _bar(len(images), or_default(setting, method), progress) as bar:
        for image_id, clean in images:
            y = noisy_observation(clean, image_id, sigma, quantize)
            start = time.perf_counter()
            estimate = np.asarray(denoise(y, sigma / 255.0)).reshape(clean.shape)
            result.seconds[image_id] = time.perf_counter() - start
            result.psnr[image_id] = estimate_psnr(estimate, clean, round_to_uint8)
            result.input_psnr[image_id] = psnr(y * 255.0, clean.astype(np.float64),
                                               data_range=255, check_range=False)
            bar.update(1)
    return result


def bm3d_denoiser() -> Callable:
    """BM3D (gray) / CBM3D (RGB) of the ``bm3d`` PyPI package as a per-image denoiser.

    Raises ``ImportError`` with the install command if ``bm3d`` is missing.
    """
    try:
        import bm3d
    except ImportError as err:
        raise ImportError("the BM3D baseline needs the `bm3d` package: `pip install bm3d` "
                          "(or `pip install -e .[bm3d]`), or run without --bm3d") from err

    def denoise(y, sigma):
        y = np.asarray(y, np.float64)
        if y.shape[-1] == 1:
            return bm3d.bm3d(y[..., 0], sigma_psd=sigma)[..., None]
        if y.shape[-1] == 3:
            return bm3d.bm3d_rgb(y, sigma_psd=sigma)
        raise ValueError(f"BM3D works on gray or RGB images, got {y.shape[-1]} channels")

    return denoise


# =========================================================================== super-resolution
def sr_y_psnr(estimate_y, hr_rgb_uint8, scale: int) -> float:
    """SelfExSR PSNR of a Y-channel estimate in ``[0, 1]`` (``[H, W]``) against the HR image.

    The estimate's Y is rounded to uint8 (half up, as MATLAB) and scored with
    :func:`rim_tf.metrics.sr_psnr` against ``rgb2y`` of the HR image.
    """
    est = np.asarray(estimate_y, np.float64)
    est = est.reshape(est.shape[:2])
    y8 = np.clip(np.floor(est * 255.0 + 0.5), 0, 255).astype(np.uint8)
    return sr_psnr(y8, rgb2y(np.asarray(hr_rgb_uint8)), scale)


def _lr_y(lr_rgb_uint8) -> np.ndarray:
    """Float Y of MATLAB ``rgb2ycbcr`` of the LR image, in ``[0, 1]`` (``[h, w, 1]``)."""
    return rgb2ycbcr(np.asarray(lr_rgb_uint8, np.float64) / 255.0)[..., :1].astype(np.float32)


def evaluate_superres(model, pairs, *, steps: Optional[int] = None, sigma: Optional[float] = None,
                      batch_size: int = 4, progress: bool = True) -> tuple:
    """Super-resolve SelfExSR pairs of one scale -> ``(bicubic, rim)`` :class:`EvalResult`.

    ``model=None`` runs the bicubic baseline only (``rim`` is then ``None``). ``sigma`` is
    the likelihood's noise std in 0..1 units; the std of 8-bit rounding by default.
    """
    pairs = list(pairs)
    if not pairs:
        raise ValueError("no super-resolution pairs to evaluate")
    scales = {int(p.scale) for p in pairs}
    if len(scales) != 1:
        raise ValueError(f"evaluate one scale at a time, got scales {sorted(scales)}")
    scale = scales.pop()
    sigma = quantization_noise_std() if sigma is None else float(sigma)
    if model is not None:
        check_channels(model, 1, "super-resolution on the Y channel")
        steps = check_steps(steps, model)
    setting = f"x{scale}"
    bicubic = EvalResult("Bicubic", setting, {}, {}, info={"scale": scale})
    rim = None if model is None else EvalResult(
        "RIM", setting, {}, {}, step_psnr={}, input_psnr={},
        info={"scale": scale, "steps": steps, "sigma": sigma, "batch_size": int(batch_size)})
    batches = group_by_shape([p.hr.shape for p in pairs], batch_size)
    with _bar(len(pairs), f"x{scale} " + ("bicubic" if model is None else "RIM"), progress) as bar:
        for batch in batches:
            hr_size = pairs[batch[0]].hr.shape[:2]
            operator = BicubicDownsample(scale, hr_size=hr_size)
            y = tf.constant(np.stack([_lr_y(pairs[k].lr) for k in batch]))
            start = time.perf_counter()
            x_init = operator.initial_estimate(y)
            x_init_np = x_init.numpy()
            bicubic_seconds = (time.perf_counter() - start) / len(batch)
            for j, k in enumerate(batch):
                name = pairs[k].name
                bicubic.psnr[name] = sr_y_psnr(x_init_np[j], pairs[k].hr, scale)
                bicubic.seconds[name] = bicubic_seconds
            if rim is not None:
                start = time.perf_counter()
                out = model(y, operator=operator, sigma=sigma, x_init=x_init, steps=steps).numpy()
                seconds = (time.perf_counter() - start) / len(batch)
                for j, k in enumerate(batch):
                    name = pairs[k].name
                    curve = [sr_y_psnr(out[t, j], pairs[k].hr, scale) for t in range(steps)]
                    rim.step_psnr[name], rim.psnr[name] = curve, curve[-1]
                    rim.seconds[name] = seconds + bicubic_seconds
                    rim.input_psnr[name] = bicubic.psnr[name]
            bar.update(len(batch))
    order = [p.name for p in pairs]
    return _reorder(bicubic, order), (None if rim is None else _reorder(rim, order))


# =========================================================================== patches (Figure 3)
def random_test_patches(data_dir=None, n: int = 5000, size: int = 32, seed: int = 0):
    """``n`` random ``size x size`` gray patches of the 100 BSDS300 test images.

    Image and position uniform at random (numpy generator seeded by ``seed``); only the
    images that are drawn are read. Returns ``(patches float32 [n, size, size, 1] in [0, 1],
    ids ["<k>:<image id>@<row>,<col>"])``.
    """
    from rim_tf.data.images import convert_color, read_image
    from rim_tf.data.locate import bsds300_split

    if int(n) < 1 or int(size) < 1:
        raise ValueError(f"need n >= 1 patches of size >= 1, got n={n}, size={size}")
    pairs = sorted(bsds300_split(data_dir, "test"))
    rng = np.random.default_rng([int(seed), 0xF163])
    picks = rng.integers(0, len(pairs), size=int(n))
    cache, patches, ids = {}, [], []
    for k, p in enumerate(picks):
        if p not in cache:
            cache[p] = convert_color(read_image(pairs[p][1]), "gray")
        image = cache[p]
        h, w = image.shape[:2]
        if h < size or w < size:
            raise ValueError(f"test image {pairs[p][0]} ({h}x{w}) is smaller than a {size}x{size} patch")
        r, c = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
        patches.append(image[r:r + size, c:c + size])
        ids.append(f"{k:05d}:{pairs[p][0]}@{r},{c}")
    return np.stack(patches).astype(np.float32) / 255.0, ids


def _task_name(degradation) -> str:
    d = degradation.describe()
    if d["name"].startswith("projection_"):
        return f"{d['ensemble']} m={d['num_measurements']}"
    if d["name"] == "inpaint":
        return f"inpaint {100 * d['fraction']:.0f}% removed"
    return d["name"]


def evaluate_patches(models: Mapping, patches, degradation, *, steps: int, ids=None,
                     batch_size: int = 250, seed: int = 0, progress: bool = True,
                     task: Optional[str] = None) -> dict:
    """Per-step PSNR of several models on one patch task -> ``{name: CurveResult}``.

    Every model sees the same measurements: batch ``b`` is degraded once with the
    stateless seed ``[seed, b]``. Step 0 is the initial estimate the RIM starts from
    (the operator's ``initial_estimate``, clipped into the sigmoid's range as the RIM does).
    """
    patches = np.asarray(patches, np.float32)
    if patches.ndim != 4:
        raise ValueError(f"patches must be [N, H, W, C], got shape {patches.shape}")
    n = patches.shape[0]
    ids = list(ids) if ids is not None else [f"{k:05d}" for k in range(n)]
    task = task or _task_name(degradation)
    steps = int(steps)
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    for name, model in models.items():
        check_channels(model, patches.shape[-1], f"the patch task {task!r}")
    curves = {name: np.zeros((n, steps + 1)) for name in models}
    seconds = {name: 0.0 for name in models}
    with _bar(n, task, progress, unit="patch") as bar:
        for b, start in enumerate(range(0, n, int(batch_size))):
            x = tf.constant(patches[start:start + int(batch_size)])
            example = degradation(x, tf.constant([int(seed), b], tf.int64))
            operator = degradation.operator(example)
            x_np = x.numpy()
            for name, model in models.items():
                x0 = model.initial_estimate(example["y"], operator).numpy()
                t0 = time.perf_counter()
                out = model(example["y"], operator=operator, sigma=example["sigma"], steps=steps).numpy()
                seconds[name] += time.perf_counter() - t0
                rows = slice(start, start + x_np.shape[0])
                curves[name][rows, 0] = psnr(x0, x_np, data_range=1.0, batch=True)
                for t in range(steps):
                    curves[name][rows, t + 1] = psnr(out[t], x_np, data_range=1.0, batch=True)
            bar.update(x_np.shape[0])
    return {name: CurveResult(name, task, ids, curves[name], seconds[name] / n, int(model.steps))
            for name, model in models.items()}


def inpaint_image(models: Mapping, image01, *, fraction: float, sigma: float, steps: int,
                  seed: int = 0) -> dict:
    """Inpaint one gray image ``[H, W, 1]`` in ``[0, 1]`` with every model (Figure 4).

    Returns ``{"observed": masked image, "mask": ..., "observed_psnr": ...,
    "estimates": {name: [H, W, 1]}, "psnr": {name: dB}, "seconds": {name: s}}``.
    """
    from rim_tf.degradations import Inpaint

    x = tf.constant(np.asarray(image01, np.float32)[None])
    deg = Inpaint(fraction, sigma)
    example = deg(x, tf.constant([int(seed), 0], tf.int64))
    operator = deg.operator(example)
    clean = x.numpy()[0]
    out = {"observed": example["y"].numpy()[0], "mask": example["mask"].numpy()[0],
           "estimates": {}, "psnr": {}, "seconds": {}}
    out["observed_psnr"] = psnr(np.clip(out["observed"], 0, 1), clean, data_range=1.0)
    for name, model in models.items():
        check_channels(model, clean.shape[-1], "inpainting of a gray image")
        t0 = time.perf_counter()
        est = model(example["y"], operator=operator, sigma=example["sigma"], steps=steps).numpy()[-1, 0]
        out["seconds"][name] = time.perf_counter() - t0
        out["estimates"][name] = est
        out["psnr"][name] = psnr(est, clean, data_range=1.0)
    return out


# =========================================================================== table builders
def _paper(table: int, method: str, **query) -> Optional[float]:
    """The paper's value, or None for an empty cell."""
    from rim_tf.reference import ReferenceNotFoundError, reference_value
    try:
        return reference_value(table, method, **query)
    except ReferenceNotFoundError:
        return None


def _take(iterable: Iterable, limit: Optional[int], subset: Optional[int] = None) -> list:
    """The first ``limit`` items, or ``subset`` items evenly spaced over all of them."""
    if limit is not None and subset is not None:
        raise ValueError("give --limit (the first N images) or --subset (N evenly spaced), not both")
    if limit is not None and int(limit) < 1:
        raise ValueError(f"--limit must be >= 1, got {limit}")
    if subset is None:
        return list(itertools.islice(iterable, None if limit is None else int(limit)))
    if int(subset) < 1:
        raise ValueError(f"--subset must be >= 1, got {subset}")
    items = list(iterable)
    return [items[k] for k in spread_indices(len(items), int(subset))]


def spread_indices(n: int, k: int) -> list:
    """``min(k, n)`` indices evenly spaced over ``range(n)``, first and last included.

    ``spread_indices(68, 4) == [0, 22, 45, 67]``; all of them when ``k >= n``.
    """
    if k >= n:
        return list(range(n))
    if k == 1:
        return [0]
    return [int(round(i * (n - 1) / (k - 1))) for i in range(k)]


def _load(name: str, data_dir, limit, subset: Optional[int] = None) -> list:
    from rim_tf.data import iter_test_set
    return _take(iter_test_set(name, data_dir), limit, subset)


def combine_run_info(runs: Mapping, steps: Optional[int] = None) -> RunInfo:
    """One :class:`RunInfo` for a table made with several weights (``{label: (sidecar, weights)}``).

    The preset is shared if all agree (else ``"mixed: ..."``, which is a reduced budget
    unless all are ``paper``); patches seen only if all agree; each model is described in
    the notes.
    """
    infos = {label: run_info(side, weights, steps=steps) for label, (side, weights) in runs.items()}
    if not infos:
        raise ValueError("no weights to describe")
    if len(infos) == 1:
        return next(iter(infos.values()))
    presets = {i.preset for i in infos.values()}
    patches = {i.patches_seen for i in infos.values()}
    preset = presets.pop() if len(presets) == 1 else "mixed: " + ", ".join(
        f"{label}={i.preset}" for label, i in infos.items())
    notes = "; ".join(
        f"{label}: preset `{i.preset}`, "
        + (f"{i.patches_seen:,} patches seen" if i.patches_seen is not None else "patches seen not recorded")
        + f", weights `{i.weights}`" + (f" ({i.notes})" if i.notes else "")
        for label, i in infos.items())
    return RunInfo(preset=preset, patches_seen=patches.pop() if len(patches) == 1 else None,
                   weights=None, notes="Models: " + notes, per_model=len(patches) > 1)


def _timing_note(results: Sequence[EvalResult]) -> str:
    """Mean seconds per image of each method over its settings (per setting: the JSON)."""
    by_method: "OrderedDict[str, list]" = OrderedDict()
    for r in results:
        if r.seconds:
            by_method.setdefault(r.method, []).extend(r.seconds.values())
    parts = [f"{m} {np.mean(v):.3g} s" for m, v in by_method.items()]
    return ("Seconds per image (mean over settings; per setting in the JSON): " + ", ".join(parts)) if parts else ""


def _limit_note(limit, n: int, full: int, subset: Optional[int] = None) -> str:
    if subset is not None and n < full:
        return f"LIMITED to {n} of {full} images, evenly spaced (--subset {subset})"
    return f"LIMITED to {n} of {full} images (--limit {limit})" if limit is not None and n < full else ""


_FULL = {"cbsd68": 68, "bsd68": 68, "bsds300-test": 100, "bsds300-test-gray": 100, "bsd100-sr": 100}


def table1(model, sidecar, weights_label: str, *, testsets=("cbsd68",), sigma: float = 25,
           steps=None, limit=None, subset=None, data_dir=None, batch_size: int = 4, bm3d: bool = False,
           progress: bool = True) -> Report:
    """Table 1: RGB denoising, sigma 25, 8-bit quantized, on cbsd68 (and all 100 test images)."""
    if model is None:
        raise ValueError("Table 1 needs an RGB RIM (--weights); 'none' is only for Table 3's bicubic row")
    check_channels(model, 3, "Table 1 (colour denoising)")
    rows, results = [], []
    denoiser = bm3d_denoiser() if bm3d else None
    for testset in testsets:
        if testset not in ("cbsd68", "bsds300-test"):
            raise ValueError(f"Table 1 test sets are cbsd68 and bsds300-test, got {testset!r}")
        images = _load(testset, data_dir, limit, subset)
        setting = f"sigma={sigma:g}, 8-bit, {testset}"
        note = _limit_note(limit, len(images), _FULL[testset], subset)
        q = dict(testset=testset, sigma=int(sigma), quantized=True)
        if denoiser is not None:
            res = evaluate_denoiser(denoiser, images, sigma=sigma, quantize=True, method="CBM3D",
                                    setting=setting, progress=progress)
            results.append(res)
            rows.append(ResultRow.from_per_image("CBM3D", _paper(1, "CBM3D", **q), res.psnr, setting=setting,
                                                 note=_join(note, "bm3d package (CBM3D, opp colour space)")))
        elif _paper(1, "CBM3D", **q) is not None:
            rows.append(ResultRow("CBM3D", _paper(1, "CBM3D", **q), None, setting=setting, note="published"))
        if _paper(1, "RTF-5", **q) is not None:
            rows.append(ResultRow("RTF-5", _paper(1, "RTF-5", **q), None, setting=setting, note="published"))
        res = evaluate_denoising(model, images, sigma=sigma, quantize=True, steps=steps,
                                 batch_size=batch_size, method="RIM", setting=setting, progress=progress)
        results.append(res)
        rows.append(ResultRow.from_per_image("RIM", _paper(1, "RIM", **q), res.psnr, setting=setting, note=note))
    run = run_info(sidecar, weights_label, steps=steps)
    run = dataclasses.replace(run, notes=_join(run.notes, _timing_note(results)))
    return Report("table1", "RGB denoising, sigma 25, 8-bit quantized (mean PSNR)", rows, run,
                  layout=_testset_layout,
                  extra={"results": [r.to_dict() for r in results],
                         "protocol": _DENOISE_PROTOCOL, "data_dir": str(data_dir or "")},
                  summary=[f"{r.method:10s} {r.setting:36s} {r.mean_psnr:.3f} dB  "
                           f"{r.mean_seconds:.2f} s/image  ({len(r.psnr)} images)" for r in results])


_DENOISE_PROTOCOL = ("noise N(0, (sigma/255)^2) with a seed per image id and sigma; 8-bit: rounded and "
                     "clipped, likelihood keeps sigma; PSNR of the estimate clipped to [0,1], not rounded, "
                     "on 0..255 against the uint8 clean image")


_TESTSET_BLOCK = {"bsd68": "BSD68", "bsds300-test": "BSDS300 test", "cbsd68": "CBSD68"}


def _denoise_layout(row) -> tuple:
    """Table 2: one block per test set; columns sigma 15 / 25 / 50, plain then 8-bit."""
    parts = row.setting.split(", ")  # "sigma=25[, 8-bit], bsd68"
    column = parts[0].replace("sigma=", "s=") + (" 8b" if "8-bit" in parts else "")
    return _TESTSET_BLOCK.get(parts[-1], parts[-1]), column


def _testset_layout(row) -> tuple:
    """Table 1: one column per test set."""
    testset = row.setting.split(", ")[-1]
    return "sigma=25, 8-bit", {"cbsd68": "CBSD68", "bsds300-test": "all 100"}.get(testset, testset)


def _scale_layout(row) -> tuple:
    """Table 3: one column per scale."""
    return "scale", row.setting


def _join(*parts) -> str:
    return "; ".join(p for p in parts if p)


def table2(models: Mapping, *, sigmas=(15, 25, 50), quantize=(False, True), testsets=("bsd68",),
           steps=None, limit=None, subset=None, data_dir=None, batch_size: int = 4, bm3d: bool = False,
           progress: bool = True) -> Report:
    """Table 2: gray denoising. ``models`` is ``{"RIM-3task": (model, sidecar, label), ...}``.

    ``limit`` takes the first N images of each test set, ``subset`` N evenly spaced ones
    (the quick default of ``scripts/reproduce_table2.py``); both are noted in every row.
    """
    if not models:
        raise ValueError("Table 2 needs at least one of RIM-3task / RIM-denoise")
    for label, (model, _, _) in models.items():
        check_channels(model, 1, f"Table 2 (gray denoising) with {label}")
    from rim_tf.reference import load_table
    ref = load_table(2)
    baselines = [m for m in ref.methods if not m.startswith("RIM")]
    denoiser = bm3d_denoiser() if bm3d else None
    rows, results = [], []
    for testset in testsets:
        if testset not in ("bsd68", "bsds300-test"):
            raise ValueError(f"Table 2 test sets are bsd68 and bsds300-test, got {testset!r}")
        images = _load("bsd68" if testset == "bsd68" else "bsds300-test-gray", data_dir, limit, subset)
        note = _limit_note(limit, len(images), _FULL[testset], subset)
        for q in quantize:
            for sigma in sigmas:
                setting = f"sigma={sigma:g}{', 8-bit' if q else ''}, {testset}"
                cell = dict(testset=testset, sigma=int(sigma), quantized=bool(q))
                for method in baselines:
                    paper = _paper(2, method, **cell)
                    if method == "BM3D" and denoiser is not None:
                        res = evaluate_denoiser(denoiser, images, sigma=sigma, quantize=q,
                                                method="BM3D", setting=setting, progress=progress)
                        results.append(res)
                        rows.append(ResultRow.from_per_image("BM3D", paper, res.psnr, setting=setting,
                                                             note=_join(note, "bm3d package")))
                    elif paper is not None:
                        rows.append(ResultRow(method, paper, None, setting=setting, note="published"))
                for label, (model, _, _) in models.items():
                    res = evaluate_denoising(model, images, sigma=sigma, quantize=q, steps=steps,
                                             batch_size=batch_size, method=label, setting=setting,
                                             progress=progress)
                    results.append(res)
                    rows.append(ResultRow.from_per_image(label, _paper(2, label, **cell), res.psnr,
                                                         setting=setting, note=note))
    run = combine_run_info({label: (side, w) for label, (_, side, w) in models.items()}, steps=steps)
    run = dataclasses.replace(run, notes=_join(run.notes, _timing_note(results)))
    return Report("table2", "Gray-scale denoising (mean PSNR)", rows, run, layout=_denoise_layout,
                  extra={"results": [r.to_dict() for r in results], "protocol": _DENOISE_PROTOCOL,
                         "data_dir": str(data_dir or "")},
                  summary=[f"{r.method:12s} {r.setting:30s} {r.mean_psnr:.3f} dB  "
                           f"{r.mean_seconds:.2f} s/image  ({len(r.psnr)} images)" for r in results])


def table3(model, sidecar, weights_label: Optional[str], *, scales=(2, 3, 4), steps=None, limit=None,
           subset=None, data_dir=None, batch_size: int = 4, sigma: Optional[float] = None,
           progress: bool = True) -> Report:
    """Table 3: super-resolution on SelfExSR BSD100; ``model=None`` computes bicubic only."""
    from rim_tf.reference import load_table
    ref = load_table(3)
    bar_method = ref.stand_in("RIM") or "SRCNN"
    rows, results = [], []
    for scale in scales:
        if int(scale) not in (2, 3, 4):
            raise ValueError(f"Table 3 scales are 2, 3, 4, got {scale!r}")
        pairs = _load(f"bsd100-sr-x{int(scale)}", data_dir, limit, subset)
        note = _limit_note(limit, len(pairs), 100, subset)
        bicubic, rim = evaluate_superres(model, pairs, steps=steps, sigma=sigma,
                                         batch_size=batch_size, progress=progress)
        setting = f"x{int(scale)}"
        cell = dict(scale=int(scale))
        results.append(bicubic)
        rows.append(ResultRow.from_per_image("Bicubic", _paper(3, "Bicubic", **cell), bicubic.psnr,
                                             setting=setting, note=_join(note, "computed here")))
        for method in ref.methods:
            if method in ("Bicubic", "RIM"):
                continue
            rows.append(ResultRow(method, _paper(3, method, **cell), None, setting=setting,
                                  note="published" + (" — bar to beat" if method == bar_method else "")))
        bar = _paper(3, bar_method, **cell)
        if rim is not None:
            results.append(rim)
            gap = rim.mean_psnr - bar if bar is not None else None
            rows.append(ResultRow.from_per_image(
                "RIM", _paper(3, "RIM", **cell), rim.psnr, setting=setting,
                note=_join(note, f"paper value unknown; bar to beat: {bar_method} "
                           + (f"{bar:.2f} (ours − {bar_method} = {gap:+.2f})" if gap is not None else "(value unknown)"))))
    if model is None:
        run = RunInfo(preset="none", weights=None,
                      notes="No model (--weights none): only the bicubic baseline was computed; "
                            "the budget label does not apply")
    else:
        run = run_info(sidecar, weights_label, steps=steps)
    run = dataclasses.replace(run, notes=_join(run.notes, _timing_note(results)))
    return Report("table3", "Super-resolution on SelfExSR BSD100, Y channel (mean PSNR)", rows, run,
                  decimals=2, layout=_scale_layout,
                  extra={"results": [r.to_dict() for r in results],
                         "protocol": ref.protocol, "data_dir": str(data_dir or "")},
                  summary=[f"{r.method:8s} {r.setting:4s} {r.mean_psnr:.3f} dB  "
                           f"{r.mean_seconds:.3f} s/image  ({len(r.psnr)} images)" for r in results])


def figure3(models: Mapping, *, ratios=(0.25, 0.5), inpaint_fractions=(0.5,), n: int = 5000,
            size: int = 32, steps: Optional[int] = None, projection_sigma: float = 1.0,
            inpaint_sigma: Optional[float] = None, data_dir=None, batch_size: int = 250,
            seed: int = 0, progress: bool = True) -> Report:
    """Figure 3: per-step PSNR of RIM/GDN/FFN on random projections and inpainting.

    ``models`` is ``{"RIM": (model, sidecar, label), "GDN": ..., "FFN": ...}``.
    ``steps`` defaults to twice the largest trained number of steps. ``inpaint_sigma``
    defaults to ``projection_sigma / size``: the per-pixel noise that the unnormalised
    Fourier ensemble's measurement noise amounts to (same SNR per pixel).
    """
    from rim_tf.degradations import Inpaint, RandomProjection

    if not models:
        raise ValueError("Figure 3 needs at least one model")
    nets = {label: m for label, (m, _, _) in models.items()}
    trained = max(int(m.steps) for m in nets.values())
    steps = 2 * trained if steps is None else int(steps)
    inpaint_sigma = projection_sigma / size if inpaint_sigma is None else float(inpaint_sigma)
    patches, ids = random_test_patches(data_dir, n=n, size=size, seed=seed)
    pixels = size * size
    tasks = [RandomProjection(e, max(1, int(round(r * pixels))), projection_sigma)
             for e in ("gaussian", "binary", "fourier") for r in ratios]
    tasks += [Inpaint(f, inpaint_sigma) for f in inpaint_fractions]
    curves, rows = {}, []
    for k, deg in enumerate(tasks):
        task = _task_name(deg)
        if isinstance(deg, RandomProjection):
            task = f"{deg.ensemble} m/n={deg.num_measurements / pixels:.2f}"
        res = evaluate_patches(nets, patches, deg, steps=steps, ids=ids, batch_size=batch_size,
                               seed=seed * 1000 + k, progress=progress, task=task)
        curves[task] = res
        for label, c in res.items():
            final = c.patch_psnr[:, min(c.trained_steps, c.steps)]
            best = int(np.argmax(c.step_psnr))
            rows.append(ResultRow.from_per_image(
                label, None, dict(zip(ids, (float(v) for v in final))), setting=task,
                note=f"at trained step {c.trained_steps}; step {c.steps}: {c.at_step(c.steps):.2f} dB; "
                     f"best {c.step_psnr[best]:.2f} dB at step {best}"))
    run = combine_run_info({label: (side, w) for label, (_, side, w) in models.items()})
    run = dataclasses.replace(run, notes=_join(
        run.notes, f"{n} random {size}x{size} gray test patches (seed {seed}); projection noise "
                   f"sigma={projection_sigma:g}; inpainting noise sigma={inpaint_sigma:.4g}; "
                   f"{steps} steps. The paper's Figure 3 has no table values."))
    extra = {"steps": steps, "curves": {t: {m: c.to_dict() for m, c in r.items()} for t, r in curves.items()},
             "tasks": [d.describe() for d in tasks]}

    def draw(path):
        from rim_tf.plotting import plot_step_curves
        plot_step_curves({t: {m: c.step_psnr for m, c in r.items()} for t, r in curves.items()},
                         path, trained_steps=trained,
                         title=f"Per-step PSNR on {n} test patches ({size}x{size})")

    return Report("figure3", "Per-step PSNR on random projections and inpainting (Figure 3)", rows, run,
                  extra=extra, figures={".png": draw},
                  summary=[f"{t:28s} " + "  ".join(f"{m} {c.at_step(c.trained_steps):.2f}/{c.at_step(c.steps):.2f}"
                                                   for m, c in r.items()) for t, r in curves.items()])


def figure4(models: Mapping, *, image_id: Optional[str] = None, crop: int = 128, fraction: float = 0.5,
            sigma: Optional[float] = None, steps: Optional[int] = None, data_dir=None,
            seed: int = 0) -> Report:
    """Figure 4: inpainting of a ``crop x crop`` gray test crop by models trained on patches.

    ``image_id`` defaults to the first test id (lexicographic); the crop is centred.
    ``sigma`` defaults to ``1/32`` (see :func:`figure3`).
    """
    from rim_tf.data.images import convert_color, read_image
    from rim_tf.data.locate import bsds300_split

    if not models:
        raise ValueError("Figure 4 needs at least one model")
    pairs = dict(bsds300_split(data_dir, "test"))
    image_id = image_id or sorted(pairs)[0]
    if image_id not in pairs:
        raise ValueError(f"{image_id!r} is not a BSDS300 test id")
    gray = convert_color(read_image(pairs[image_id]), "gray")
    h, w = gray.shape[:2]
    if crop > min(h, w):
        raise ValueError(f"crop {crop} is larger than the image ({h}x{w})")
    r, c = (h - crop) // 2, (w - crop) // 2
    clean = gray[r:r + crop, c:c + crop].astype(np.float32) / 255.0
    sigma = 1.0 / 32.0 if sigma is None else float(sigma)
    nets = {label: m for label, (m, _, _) in models.items()}
    steps = max(int(m.steps) for m in nets.values()) if steps is None else int(steps)
    out = inpaint_image(nets, clean, fraction=fraction, sigma=sigma, steps=steps, seed=seed)
    setting = f"{image_id} {crop}x{crop}, {100 * fraction:.0f}% removed"
    rows = [ResultRow("Observed", None, out["observed_psnr"], setting=setting, note="masked input")]
    rows += [ResultRow(label, None, out["psnr"][label], setting=setting,
                       note=f"{steps} steps, {out['seconds'][label]:.2f} s") for label in nets]
    run = combine_run_info({label: (side, w_) for label, (_, side, w_) in models.items()})
    run = dataclasses.replace(run, notes=_join(
        run.notes, f"crop at row {r}, col {c}; noise sigma={sigma:.4g}; mask seed {seed}. "
                   "The paper's Figure 4 has no table values."))

    def draw(path):
        from rim_tf.plotting import plot_image_grid
        panels = [("original", clean, None), ("observed", np.clip(out["observed"], 0, 1), out["observed_psnr"])]
        panels += [(label, out["estimates"][label], out["psnr"][label]) for label in nets]
        plot_image_grid(panels, path, title=f"Inpainting, {setting}")

    return Report("figure4", "Inpainting a 128x128 crop with models trained on 32x32 patches (Figure 4)",
                  rows, run, extra={"image_id": image_id, "crop": [r, c, crop], "fraction": fraction,
                                    "sigma": sigma, "steps": steps, "seconds": out["seconds"]},
                  figures={".png": draw},
                  summary=[f"{row.method:10s} {row.ours:.2f} dB" for row in rows])


# =========================================================================== CLI helpers
def add_common_arguments(parser: argparse.ArgumentParser, *, steps_help: str = "",
                         subset: bool = True) -> None:
    """``--data-dir``, ``--steps``, ``--limit``, ``--out``, ``--batch-size``, ``--quiet``;
    ``--subset`` too for the whole-image tables (``subset=True``)."""
    parser.add_argument("--data-dir", default=None,
                        help="folder holding BSDS300/ and SelfExSR/ (default: $RIM_DATA, else ~/.cache/rim_tf)")
    parser.add_argument("--steps", type=int, default=None,
                        help=steps_help or "RIM steps (default: the number the model was trained with)")
    parser.add_argument("--limit", type=int, default=None, help="evaluate only the first N images")
    if subset:
        parser.add_argument("--subset", type=int, default=None,
                            help="evaluate N images evenly spaced over the test set (first and last included)")
    parser.add_argument("--out", default="results", type=output_folder,
                        help="output folder (default: results/), checked before any work")
    parser.add_argument("--batch-size", type=int, default=4, help="images per batch (equal shapes only)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_weight_options(parser)


def load_model_arg(arg: Optional[str], default_name: str, precision: str = "float32",
                   allow_other_task: bool = False, expect=None):
    """``--weights`` -> ``(model, sidecar, label)``; ``"none"`` -> ``None``.

    Weights trained for another experiment than ``expect`` (default: ``default_name``'s job)
    are refused (their sidecar names the experiment) unless ``allow_other_task``."""
    from rim_tf.shipped import load_checked, weights_label
    if arg is not None and str(arg).lower() == "none":
        return None
    model, sidecar, path = load_checked(arg, default_name, expect=expect,
                                        allow_other_task=allow_other_task, precision=precision)
    label = weights_label(path)
    if model.cell.dtype_policy.name != "float32":
        label += f", computed in {model.cell.dtype_policy.name}"
    return model, sidecar, label


def finish(report: Report, out_dir) -> dict:
    """Write a report, print its summary and where it went."""
    paths = report.write(out_dir)
    print()
    print(report.terminal(), end="")
    print()
    print(textwrap.fill(report.run.header().replace("**", "").replace("`", ""), width=100))
    for kind, path in paths.items():
        print(f"wrote {kind}: {path}")
    return paths


def cli(main: Callable, argv=None) -> int:
    """Run a script's ``main(argv)``; clear one-line errors (exit status 2) instead of tracebacks."""
    try:
        main(argv)
    except (FileNotFoundError, ValueError, ImportError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0
