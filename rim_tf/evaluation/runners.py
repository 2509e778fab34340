"""Running models and baselines over test images and patches (Tables 1-3, Figures 3-4)."""
from __future__ import annotations

import sys
import time
import weakref
from typing import Callable, Mapping, Optional

import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from rim_tf.color import rgb2ycbcr
from rim_tf.evaluation.protocols import (estimate_psnr, group_by_shape, noisy_observation, observation_psnr,
                                         sr_y_psnr)
from rim_tf.evaluation.results import CurveResult, EvalResult
from rim_tf.inference import check_sigma255, check_steps
from rim_tf.metrics import psnr
from rim_tf.physics import BicubicDownsample, quantization_noise_std
from rim_tf.physics.inpainting import Inpaint
from rim_tf.shipped import check_channels

__all__ = ["evaluate_denoising", "compiled_denoiser", "evaluate_denoiser", "bm3d_denoiser",
           "evaluate_superres", "random_test_patches", "evaluate_patches", "inpaint_image"]


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
                result.input_psnr[image_id] = observation_psnr(ys[j], clean)
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
                      progress: bool = True, workers: int = 1) -> EvalResult:
    """Evaluate a per-image denoiser ``denoise(noisy [H, W, C] float, sigma in 0..1 units)``
    on the same observations as :func:`evaluate_denoising`; timed per image.

    ``workers`` > 1 runs that many images at once in separate processes (``denoise`` must then
    be a module-level function, such as :func:`bm3d_denoise`); each image is still timed on its
    own, in its worker. BM3D is single-threaded: on an otherwise idle 2-core machine two
    workers halve the wall time of a table.
    """
    images = _image_list(images)
    sigma = check_sigma255(sigma)
    workers = int(workers)
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    result = EvalResult(method, setting, {}, {}, input_psnr={},
                        info={"sigma": sigma, "quantize": bool(quantize),
                              "round_to_uint8": bool(round_to_uint8), "workers": workers})
    observed = ((image_id, clean, noisy_observation(clean, image_id, sigma, quantize))
                for image_id, clean in images)
    with _bar(len(images), or_default(setting, method), progress) as bar:
        if workers == 1:
            outputs = (((image_id, clean, y), _timed_denoise(denoise, y, sigma / 255.0))
                       for image_id, clean, y in observed)
            _collect(result, outputs, round_to_uint8, bar)
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn: a forked child of a process running TensorFlow's thread pools can hang
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
                jobs = [((image_id, clean, y), pool.submit(_timed_denoise, denoise, y, sigma / 255.0))
                        for image_id, clean, y in observed]
                _collect(result, ((job, future.result()) for job, future in jobs), round_to_uint8, bar)
    return result


def _timed_denoise(denoise: Callable, y, sigma: float):
    start = time.perf_counter()
    estimate = np.asarray(denoise(y, sigma))
    return estimate, time.perf_counter() - start


def _collect(result: EvalResult, outputs, round_to_uint8: bool, bar) -> None:
    for (image_id, clean, y), (estimate, seconds) in outputs:
        result.seconds[image_id] = seconds
        result.psnr[image_id] = estimate_psnr(estimate.reshape(clean.shape), clean, round_to_uint8)
        result.input_psnr[image_id] = observation_psnr(y, clean)
        bar.update(1)


def bm3d_denoise(y, sigma: float) -> np.ndarray:
    """BM3D (one channel) or CBM3D (three) of the ``bm3d`` package; ``sigma`` in 0..1 units."""
    import bm3d

    y = np.asarray(y, np.float64)
    if y.shape[-1] == 1:
        return bm3d.bm3d(y[..., 0], sigma_psd=sigma)[..., None]
    if y.shape[-1] == 3:
        return bm3d.bm3d_rgb(y, sigma_psd=sigma)
    raise ValueError(f"BM3D works on gray or RGB images, got {y.shape[-1]} channels")


def bm3d_denoiser() -> Callable:
    """BM3D (gray) / CBM3D (RGB) of the ``bm3d`` PyPI package as a per-image denoiser
    (:func:`bm3d_denoise`, which worker processes can import).

    Raises ``ImportError`` with the install command if ``bm3d`` is missing.
    """
    try:
        import bm3d  # noqa: F401
    except ImportError as err:
        raise ImportError("the BM3D baseline needs the `bm3d` package: `pip install bm3d` "
                          "(or `pip install -e .[bm3d]`), or run without --bm3d") from err
    return bm3d_denoise


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


def random_test_patches(data_dir=None, n: int = 5000, size: int = 32, seed: int = 0):
    """``n`` random ``size x size`` gray patches of the 100 BSDS300 test images.

    Image and position uniform at random (numpy generator seeded by ``seed``); only the
    images that are drawn are read. Returns ``(patches float32 [n, size, size, 1] in [0, 1],
    ids ["<k>:<image id>@<row>,<col>"])``.
    """
    from rim_tf.data.images import convert_color, read_dataset_image
    from rim_tf.data.locate import bsds300_split

    if int(n) < 1 or int(size) < 1:
        raise ValueError(f"need n >= 1 patches of size >= 1, got n={n}, size={size}")
    pairs = sorted(bsds300_split(data_dir, "test"))
    rng = np.random.default_rng([int(seed), 0xF163])
    picks = rng.integers(0, len(pairs), size=int(n))
    cache, patches, ids = {}, [], []
    for k, p in enumerate(picks):
        if p not in cache:
            cache[p] = convert_color(read_dataset_image(pairs[p][1]), "gray")
        image = cache[p]
        h, w = image.shape[:2]
        if h < size or w < size:
            raise ValueError(f"test image {pairs[p][0]} ({h}x{w}) is smaller than a {size}x{size} patch")
        r, c = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
        patches.append(image[r:r + size, c:c + size])
        ids.append(f"{k:05d}:{pairs[p][0]}@{r},{c}")
    return np.stack(patches).astype(np.float32) / 255.0, ids


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
    task = task or degradation.label
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
                  seed: int = 0, index: int = 0) -> dict:
    """Inpaint one gray image ``[H, W, 1]`` in ``[0, 1]`` with every model (Figure 4); the mask
    and the noise are drawn with the stateless seed ``[seed, index]``.

    Returns ``{"observed": masked image, "mask": ..., "observed_psnr": ...,
    "estimates": {name: [H, W, 1]}, "psnr": {name: dB}, "seconds": {name: s}}``, and the PSNR
    over the removed pixels alone (``"observed_psnr_removed"``, ``"psnr_removed"``): the whole
    image's PSNR also rewards a model that merely moves the holes' zeros towards grey, the
    removed pixels' PSNR says whether it filled them (``None`` where no pixel was removed).
    """
    x = tf.constant(np.asarray(image01, np.float32)[None])
    deg = Inpaint(fraction, sigma)
    example = deg(x, tf.constant([int(seed), int(index)], tf.int64))
    operator = deg.operator(example)
    clean = x.numpy()[0]
    out = {"observed": example["y"].numpy()[0], "mask": example["mask"].numpy()[0],
           "estimates": {}, "psnr": {}, "seconds": {}}
    out["observed_psnr"] = psnr(np.clip(out["observed"], 0, 1), clean, data_range=1.0)
    removed = out["mask"] < 0.5

    def removed_psnr(image):
        return psnr(image[removed], clean[removed], data_range=1.0) if removed.any() else None

    out["observed_psnr_removed"] = removed_psnr(np.clip(out["observed"], 0, 1))
    out["psnr_removed"] = {}
    for name, model in models.items():
        check_channels(model, clean.shape[-1], "inpainting of a gray image")
        t0 = time.perf_counter()
        est = model(example["y"], operator=operator, sigma=example["sigma"], steps=steps).numpy()[-1, 0]
        out["seconds"][name] = time.perf_counter() - t0
        out["estimates"][name] = est
        out["psnr"][name] = psnr(est, clean, data_range=1.0)
        out["psnr_removed"][name] = removed_psnr(est)
    return out
