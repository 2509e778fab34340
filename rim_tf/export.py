"""Running a trained RIM outside the training code: TensorFlow SavedModel and LiteRT (TFLite).

The exported model is the whole inference of section 2 for a fixed number of steps, with
the task's forward model built in, so a server or an app needs nothing of ``rim_tf``:

* **denoising** (weights of the ``denoise``, ``color`` and ``3task`` experiments, and the
  GDN / FFN ablations): ``denoise(noisy, sigma) -> estimate``; ``noisy`` is a float32
  ``[batch, height, width, channels]`` image in [0, 1], ``sigma`` the noise standard
  deviation on the 0..255 scale (the unit of every rim_tf command). Height, width and
  batch are **dynamic** in both formats (in LiteRT: ``resize_tensor_input`` before
  ``allocate_tensors``), odd sizes included.
* **super-resolution** (``superres``): one function per scale, ``x2`` / ``x3`` / ``x4``,
  ``low_res -> estimate``; ``low_res`` is the float32 ``[1, h, w, 1]`` Y (luma) channel in
  [0, 1], the estimate ``[1, s h, s w, 1]``. The size is **fixed** at export (``lr_size``):
  the MATLAB bicubic operator (:mod:`rim_tf.physics.imresize`) is planned in numpy for each size,
  exactly as in training and evaluation, which a graph with dynamic sizes cannot hold.
  Larger images are cut into tiles of that size by the caller (``rim_tf.inference`` shows
  how: tiles start at multiples of ``lcm(2, s)``). The likelihood's sigma is the std of
  8-bit rounding, as in training and Table 3.

LiteRT weights: ``float32``; ``float16`` (weights stored in half precision, computed in
float32); ``int8`` (dynamic-range quantization: int8 weights, float activations). The
SavedModel keeps float32 variables. Every file is written under a temporary name and
renamed into place; an existing output is never replaced.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path
from typing import Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf

from rim_tf.atomic import atomic_write_bytes, check_writable_file
from rim_tf.physics.base import Identity
from rim_tf.physics.bicubic import BicubicDownsample
from rim_tf.physics.noise import quantization_noise_std

__all__ = ["DENOISING_EXPERIMENTS", "FORMATS", "WEIGHT_TYPES", "ExportResult", "LiteRTModel",
           "compare_variants", "export_model", "serving_module"]

FORMATS = ("savedmodel", "tflite")
WEIGHT_TYPES = ("float32", "float16", "int8")
DENOISING_EXPERIMENTS = ("denoise", "color", "3task")
"""Experiments whose weights are exported as denoisers (the 3task RIM denoises too, section 3.2)."""

DEFAULT_LR_SIZE = (128, 128)


@dataclasses.dataclass(frozen=True)
class ExportResult:
    """What :func:`export_model` wrote."""

    path: Path
    format: str
    weight_type: str
    task: str
    steps: int
    signatures: Tuple[str, ...]
    input_size: Optional[Tuple[int, int]]  # None: dynamic height and width
    size_bytes: int

    def describe(self) -> str:
        size = "dynamic height and width" if self.input_size is None else \
            f"fixed low-resolution input {self.input_size[0]}x{self.input_size[1]}"
        return (f"{self.path} ({self.format}, {self.weight_type} weights, {self.size_bytes / 1e6:.2f} MB): "
                f"{self.task}, {self.steps} RIM steps, signature(s) {', '.join(self.signatures)}; {size}")


def _task_of(sidecar: dict) -> str:
    experiment = (sidecar or {}).get("experiment")
    if experiment == "superres":
        return "superres"
    if experiment in DENOISING_EXPERIMENTS or experiment is None:
        return "denoise"
    raise ValueError(f"weights of the {experiment!r} experiment cannot be exported "
                     f"(known: {', '.join(DENOISING_EXPERIMENTS + ('superres',))})")


def trained_scales(sidecar: dict) -> Tuple[int, ...]:
    scales = ((sidecar or {}).get("config") or {}).get("scales") or (2, 3, 4)
    return tuple(int(s) for s in scales)


class _DenoiseServing(tf.Module):
    def __init__(self, model, steps: int):
        super().__init__(name="rim_denoise")
        self.model, self.steps = model, int(steps)
        spec = [tf.TensorSpec([None, None, None, model.channels], tf.float32, name="noisy"),
                tf.TensorSpec([], tf.float32, name="sigma")]
        self.denoise = tf.function(self._denoise, input_signature=spec)

    def _denoise(self, noisy, sigma):
        """The RIM's last estimate for ``noisy`` in [0, 1], ``sigma`` on the 0..255 scale."""
        return {"estimate": self.model(noisy, operator=Identity(), sigma=sigma / 255.0, steps=self.steps)[-1]}

    def functions(self) -> dict:
        return {"denoise": self.denoise}


class _SuperresServing(tf.Module):
    def __init__(self, model, steps: int, scales: Sequence[int], lr_size: Tuple[int, int]):
        super().__init__(name="rim_superres")
        self.model, self.steps, self.lr_size = model, int(steps), tuple(int(n) for n in lr_size)
        self._functions = {}
        for s in scales:
            spec = [tf.TensorSpec([1, self.lr_size[0], self.lr_size[1], 1], tf.float32, name="low_res")]
            fn = tf.function(self._make(int(s)), input_signature=spec)
            setattr(self, f"x{s}", fn)  # tracked, so the SavedModel keeps it
            self._functions[f"x{s}"] = fn

    def _make(self, scale: int):
        operator = BicubicDownsample(scale, hr_size=(scale * self.lr_size[0], scale * self.lr_size[1]))
        sigma = quantization_noise_std()

        def superres(low_res):
            return {"estimate": self.model(low_res, operator=operator, sigma=sigma, steps=self.steps)[-1]}

        superres.__name__ = f"superres_x{scale}"
        return superres

    def functions(self) -> dict:
        return dict(self._functions)


def serving_module(model, sidecar: Optional[dict] = None, *, steps: Optional[int] = None,
                   scales: Optional[Sequence[int]] = None, lr_size: Tuple[int, int] = DEFAULT_LR_SIZE):
    """The ``tf.Module`` that is exported: the RIM with its forward model and fixed steps."""
    steps = int(model.steps if steps is None else steps)
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    if _task_of(sidecar) == "denoise":
        return _DenoiseServing(model, steps)
    trained = trained_scales(sidecar)
    scales = trained if scales is None else tuple(int(s) for s in scales)
    bad = [s for s in scales if s not in trained]
    if bad:
        raise ValueError(f"these weights were trained for scale(s) {', '.join(map(str, trained))}, "
                         f"not {', '.join(map(str, bad))}")
    if len(lr_size) != 2 or min(int(n) for n in lr_size) < 4:
        raise ValueError(f"lr_size must be (height, width) of at least 4 pixels, got {lr_size}")
    if model.channels != 1:
        raise ValueError("a super-resolution export needs a 1-channel (Y) model")
    return _SuperresServing(model, steps, scales, lr_size)


def _calling(frozen):
    def call(*args):
        out = frozen(*args)
        return {"estimate": out["estimate"] if isinstance(out, dict) else out[0]}
    return call


class _Frozen(tf.Module):
    """The serving functions with the weights folded into constants, under the same names.

    LiteRT wants constants: a SavedModel of the variables converts, but the interpreter then
    finds its variables uninitialised. A frozen concrete function loses its signature and
    output names, so each one is wrapped again under its own name."""

    def __init__(self, functions: dict):
        super().__init__(name="rim_frozen")
        from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

        self._names = []
        for name, fn in functions.items():
            concrete = fn.get_concrete_function()
            frozen = convert_variables_to_constants_v2(concrete)

            setattr(self, name, tf.function(_calling(frozen), input_signature=concrete.structured_input_signature[0]))
            self._names.append(name)

    def functions(self) -> dict:
        return {name: getattr(self, name) for name in self._names}


def _tflite_bytes(module, weight_type: str, workdir: Path) -> bytes:
    frozen = _Frozen(module.functions())
    saved = workdir / "frozen_savedmodel"
    tf.saved_model.save(frozen, str(saved), signatures=frozen.functions())
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved), signature_keys=list(frozen.functions()))
    if weight_type == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif weight_type == "int8":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]  # dynamic range: int8 weights
    return converter.convert()


def _check_output(path: Path, fmt: str) -> None:
    if path.exists() or path.is_symlink():
        raise FileExistsError(f"{path} exists; remove it or choose another output (nothing is overwritten)")
    check_writable_file(path, "the export")
    if fmt == "tflite" and path.suffix != ".tflite":
        raise ValueError(f"a LiteRT model file should end in .tflite, got {path.name}")


def export_model(model, sidecar: Optional[dict], out, *, fmt: str = "tflite", weight_type: str = "float32",
                 steps: Optional[int] = None, scales: Optional[Sequence[int]] = None,
                 lr_size: Tuple[int, int] = DEFAULT_LR_SIZE) -> ExportResult:
    """Export ``model`` (with its ``sidecar``) to ``out`` as a SavedModel folder or a ``.tflite`` file.

    Raises ``FileExistsError`` if ``out`` exists, ``ValueError`` for an unknown format or weight
    type, a scale the weights were not trained for, ``steps < 1``, or weight types other than
    float32 for a SavedModel. Nothing half-written is left behind on failure.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if weight_type not in WEIGHT_TYPES:
        raise ValueError(f"unknown weight type {weight_type!r}; choose one of {', '.join(WEIGHT_TYPES)}")
    if fmt == "savedmodel" and weight_type != "float32":
        raise ValueError("a SavedModel keeps float32 weights; float16 and int8 are LiteRT (--format tflite) options")
    out = Path(out).expanduser()
    _check_output(out, fmt)
    module = serving_module(model, sidecar, steps=steps, scales=scales, lr_size=lr_size)
    functions = module.functions()
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        if fmt == "tflite":
            tmp.mkdir()
            atomic_write_bytes(out, _tflite_bytes(module, weight_type, tmp))
            size = out.stat().st_size
        else:
            tf.saved_model.save(module, str(tmp), signatures=dict(functions))
            os.replace(tmp, out)  # a folder: renamed whole into place (out does not exist)
            size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ExportResult(path=out, format=fmt, weight_type=weight_type, task=_task_of(sidecar),
                        steps=module.steps, signatures=tuple(functions),
                        input_size=getattr(module, "lr_size", None), size_bytes=size)


class LiteRTModel:
    """A ``.tflite`` RIM run with the LiteRT interpreter (``ai_edge_litert`` if installed, else
    ``tf.lite``): ``LiteRTModel(path)("denoise", noisy=..., sigma=...)`` -> the estimate."""

    def __init__(self, path, threads: Optional[int] = None):
        import warnings

        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            Interpreter = tf.lite.Interpreter
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tf.lite.Interpreter's deprecation notice
            self.interpreter = Interpreter(model_path=str(path), num_threads=threads)
        self.signatures = tuple(self.interpreter.get_signature_list())

    def __call__(self, signature: str, **inputs) -> np.ndarray:
        if signature not in self.signatures:
            raise ValueError(f"no signature {signature!r} in this model; it has {', '.join(self.signatures)}")
        runner = self.interpreter.get_signature_runner(signature)
        arrays = {k: np.asarray(v, dtype=np.float32) for k, v in inputs.items()}
        return runner(**arrays)["estimate"]


# =========================================================================== measured variants
def _timed(fn, repeats: int = 1):
    import time

    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return out, best


def compare_variants(model, sidecar, cases, workdir, *, weight_types: Sequence[str] = WEIGHT_TYPES,
                     steps: Optional[int] = None, scales: Optional[Sequence[int]] = None,
                     lr_size: Tuple[int, int] = DEFAULT_LR_SIZE, threads: Optional[int] = None,
                     progress: bool = True) -> dict:
    """Export every weight type to ``workdir`` and score each on ``cases`` beside TensorFlow.

    ``cases`` are ``(signature, inputs, score)``: ``inputs`` the signature's keyword arrays,
    ``score(estimate) -> PSNR``. Returns ``{variant: {size_bytes, mean_psnr, psnr_change_db,
    max_abs_difference, seconds_per_image}}``; the reference row ``"tensorflow"`` runs the same
    serving function (the Keras model in a TensorFlow graph, as the SavedModel does).
    Seconds are the best of one warm call per image.
    """
    from tqdm.auto import tqdm

    workdir = Path(workdir)
    functions = serving_module(model, sidecar, steps=steps, scales=scales, lr_size=lr_size).functions()
    reference, psnrs, seconds = [], [], []
    for signature, inputs, score in tqdm(cases, desc="tensorflow", disable=not progress):
        args = {k: tf.constant(v) for k, v in inputs.items()}
        functions[signature](**args)  # traced and warm
        out, sec = _timed(lambda: functions[signature](**args)["estimate"].numpy())
        reference.append(out)
        psnrs.append(score(out))
        seconds.append(sec)
    rows = {"tensorflow": {"size_bytes": None, "mean_psnr": float(np.mean(psnrs)), "psnr_change_db": 0.0,
                           "max_abs_difference": 0.0, "seconds_per_image": float(np.mean(seconds))}}
    for weight_type in weight_types:
        result = export_model(model, sidecar, workdir / f"{weight_type}.tflite", weight_type=weight_type,
                              steps=steps, scales=scales, lr_size=lr_size)
        lite = LiteRTModel(result.path, threads=threads)
        psnrs, seconds, diffs = [], [], []
        for (signature, inputs, score), ref in tqdm(list(zip(cases, reference)), desc=weight_type,
                                                    disable=not progress):
            lite(signature, **inputs)  # resized and warm
            out, sec = _timed(lambda: lite(signature, **inputs))
            psnrs.append(score(out))
            seconds.append(sec)
            diffs.append(float(np.abs(out - ref).max()))
        rows[f"tflite-{weight_type}"] = {
            "size_bytes": result.size_bytes, "mean_psnr": float(np.mean(psnrs)),
            "psnr_change_db": float(np.mean(psnrs)) - rows["tensorflow"]["mean_psnr"],
            "max_abs_difference": float(max(diffs)), "seconds_per_image": float(np.mean(seconds))}
    return rows
