"""Loading trained weights: a ``.keras`` file and its JSON sidecar, or a shipped name.

The trainer (:mod:`rim_tf.training`) saves a run as ``<run>/model.keras`` with a sidecar
``<run>/model.json`` that describes the training budget::

    {"experiment": "denoise", "preset": "cpu", "reduced_budget": true,
     "patches_seen": 48000, "iterations": 3000, "val_psnr": 29.1, "config": {...}}

Every command takes ``--weights`` as either such a path or the name of weights shipped
inside the package (``rim_tf/weights/<name>.keras`` + ``<name>.json``). There is one path
from that argument to a model, :func:`load_checked` (resolve, load, check the task, set the
precision); :func:`resolve_weights`, :func:`load_labelled` (the tables' ``--weights``, with
``none``), ``rim_tf.cli.load_model`` and ``rim_tf.cli.evaluation.load_model_arg`` all go
through it. The sidecar decides how a result table is labelled
(:func:`run_info`): a preset other than ``paper`` is a REDUCED BUDGET, and weights without
a sidecar are labelled ``unknown budget``.
"""
from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Optional, Union

__all__ = [
    "SHIPPED_NAMES",
    "UNKNOWN_BUDGET",
    "WEIGHTS_DIR",
    "weights_label",
    "check_channels",
    "check_task",
    "load_checked",
    "load_labelled",
    "load_weights",
    "pretrained",
    "projection_start",
    "resolve_weights",
    "resolve_weights_path",
    "run_info",
    "sidecar_path",
]

PathLike = Union[str, os.PathLike]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
"""Where shipped weights live: ``rim_tf/weights/<name>.keras`` (+ ``<name>.json``)."""

# name -> (what the weights are, how to train them). The commands are those of the
# training scripts; the CPU preset trains in about half an hour on two cores.
_SHIPPED = {
    "denoise": ("RIM-denoise, gray denoising (Table 2)",
                "python scripts/train_denoise.py --preset cpu"),
    "3task": ("RIM-3task, random projections (Table 2, Figures 3 and 4)",
              "python scripts/train_3task.py --preset cpu"),
    "gdn": ("GDN ablation of the 3task model (Figures 3 and 4)",
            "python scripts/train_3task.py --preset cpu --model gdn"),
    "ffn": ("FFN ablation of the 3task model (Figures 3 and 4)",
            "python scripts/train_3task.py --preset cpu --model ffn"),
    "color": ("RIM on RGB images, colour denoising (Table 1)",
              "python scripts/train_color.py --preset cpu"),
    "superres": ("à-trous RIM for super-resolution x2/x3/x4 (Table 3)",
                 "python scripts/train_superres.py --preset cpu"),
}
SHIPPED_NAMES = tuple(_SHIPPED)

UNKNOWN_BUDGET = "unknown budget"
"""The preset label of weights without a sidecar (their training budget is unknown)."""


def sidecar_path(path: PathLike) -> Path:
    """The JSON sidecar of a ``.keras`` file: same folder and stem, suffix ``.json``."""
    return Path(path).with_suffix(".json")


def _read_sidecar(path: Path) -> dict:
    """The sidecar as a dict; ``{}`` if there is none. A damaged sidecar is an error."""
    side = sidecar_path(path)
    if not side.exists():
        return {}
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"weights sidecar {side} is not valid JSON: {err}") from err
    if not isinstance(data, dict):
        raise ValueError(f"weights sidecar {side} must hold a JSON object, got {type(data).__name__}")
    return data


def load_weights(path: PathLike):
    """Load a trained model from a ``.keras`` file and its sidecar.

    Args:
      path: the ``.keras`` file, or a run folder holding ``model.keras``.

    Returns:
      ``(model, sidecar)``: the :class:`rim_tf.models.RIM` and the sidecar's dict
      (``{}`` when there is no ``<stem>.json`` beside the file; :func:`run_info` then
      labels results "unknown budget").

    Raises:
      FileNotFoundError: the file does not exist (the message names it).
      ValueError: the file is not a loadable Keras model, not a RIM, or its sidecar is
        not valid JSON.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        path = path / "model.keras"
    if not path.is_file():
        raise FileNotFoundError(f"weights file not found: {path}")
    if path.suffix != ".keras":
        raise ValueError(f"weights must be a Keras 3 '.keras' file, got {path}")
    if not zipfile.is_zipfile(path):  # Keras would call a damaged archive "File not found"
        raise ValueError(f"weights file {path} is damaged: a .keras file is a zip archive and this "
                         f"one is not ({path.stat().st_size:,} bytes; truncated or corrupt download?)")
    sidecar = _read_sidecar(path)

    import keras  # deferred: a missing file is reported without importing TensorFlow

    from rim_tf.models.rim import RIM  # its package registers the RIM classes for deserialisation

    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as err:  # zip, h5 and deserialisation errors come in many types
        raise ValueError(f"cannot load weights {path}: {type(err).__name__}: {err} "
                         "(corrupt file, or not a model saved by rim_tf?)") from err
    if not isinstance(model, RIM):
        raise ValueError(f"weights {path} hold a {type(model).__name__}, not a rim_tf RIM")
    return model, sidecar


def pretrained(name: str):
    """Load shipped weights by name (see :data:`SHIPPED_NAMES`) -> ``(model, sidecar)``.

    Raises:
      ValueError: ``name`` is not one of the shipped names.
      FileNotFoundError: the weights are not in the package; the message says how to
        train them.
    """
    return load_weights(_shipped_path(name))


def _shipped_path(name: str) -> Path:
    """``rim_tf/weights/<name>.keras``; refuses an unknown name and says how to train missing weights."""
    if name not in _SHIPPED:
        raise ValueError(f"no shipped weights are called {name!r}; names: {', '.join(SHIPPED_NAMES)}")
    path = WEIGHTS_DIR / f"{name}.keras"
    if not path.is_file():
        shipped = sorted(p.stem for p in WEIGHTS_DIR.glob("*.keras")) if WEIGHTS_DIR.is_dir() else []
        what, command = _SHIPPED[name]
        raise FileNotFoundError(
            f"shipped weights {name!r} ({what}) are not installed: {path} does not exist. "
            f"Weights installed in {WEIGHTS_DIR}: {', '.join(shipped) or 'none'}. "
            f"Known names: {', '.join(SHIPPED_NAMES)}. Train them with `{command}` and pass "
            "the run's model.keras with --weights."
        )
    return path


def resolve_weights_path(arg: Optional[PathLike], default_name: str) -> Path:
    """Where ``--weights arg`` points: an existing path, else the shipped ``arg``
    (``default_name`` if ``arg`` is None).

    Raises ``FileNotFoundError`` for a path-like argument that does not exist or shipped
    weights that are not installed, ``ValueError`` for an unknown name.
    """
    if arg is None or str(arg) == "":
        arg = default_name
    candidate = Path(arg).expanduser()
    if candidate.exists():
        return candidate.resolve()
    text = str(arg)
    if text in _SHIPPED:
        return _shipped_path(text)
    if os.sep in text or "/" in text or candidate.suffix in (".keras", ".json"):
        raise FileNotFoundError(f"weights file not found: {candidate}")
    raise ValueError(f"--weights {text!r} is neither an existing file nor a shipped name "
                     f"({', '.join(SHIPPED_NAMES)})")


# the experiment(s) whose weights each shipped name's job expects
_EXPECTED = {"denoise": ("denoise",), "3task": ("3task",), "gdn": ("3task",), "ffn": ("3task",),
             "color": ("color",), "superres": ("superres",)}
_DESCRIBED = {"denoise": "gray denoising", "3task": "random projections (RIM-3task, GDN, FFN)",
              "color": "RGB denoising", "superres": "super-resolution"}


def check_task(sidecar: dict, path, expect, allow_other_task: bool = False) -> None:
    """Refuse weights trained for another experiment than the job's (their sidecar says which).

    ``expect`` is a shipped name (its job's experiments, e.g. ``"gdn"`` -> ``3task``) or a
    tuple of experiment names. Weights without a sidecar cannot be checked and pass.
    ``allow_other_task`` is for people who mean it (e.g. a denoiser as a super-resolution
    prior).
    """
    expected = _EXPECTED.get(expect, (expect,)) if isinstance(expect, str) else tuple(expect)
    trained = (sidecar or {}).get("experiment")
    if trained is None or trained in expected or allow_other_task:
        return
    wanted = " or ".join(f"{e} ({_DESCRIBED.get(e, e)})" for e in expected)
    raise ValueError(f"weights {path} were trained for {trained} ({_DESCRIBED.get(trained, trained)}), "
                     f"but this needs {wanted} weights; pass --allow-other-task to use them anyway")


def load_checked(arg: Optional[PathLike], default_name: str, precision: Optional[str] = "float32", expect=None,
                 allow_other_task: bool = False):
    """What every command does with ``--weights``: resolve it (:func:`resolve_weights_path`),
    load it, refuse another experiment's weights (:func:`check_task`; ``expect`` defaults to
    ``default_name``'s job) and compute in ``precision`` (``None``: as saved). Returns
    ``(model, sidecar, path)``.

    The one path from ``--weights`` to a model: every other loader calls it."""
    from rim_tf.precision import with_precision

    path = resolve_weights_path(arg, default_name)
    model, sidecar = load_weights(path)
    check_task(sidecar, weights_label(path), expect or default_name, allow_other_task)
    return (model if precision is None else with_precision(model, precision)), sidecar, path


def weights_label(path: PathLike) -> str:
    """How results name their weights: ``shipped denoise (rim_tf/weights/denoise.keras)``
    for the package's own files (the same on every machine); a file under the working
    directory by its path relative to it (``campaigns/3task/model.keras``, not this
    machine's absolute path); else the path as given."""
    path = Path(path)
    try:
        resolved, cwd = path.resolve(), Path.cwd().resolve()
    except OSError:
        return str(path)
    if resolved.parent == WEIGHTS_DIR and path.stem in _SHIPPED:
        return f"shipped {path.stem} (rim_tf/weights/{path.name})"
    return str(resolved.relative_to(cwd)) if resolved.is_relative_to(cwd) else str(path)


def resolve_weights(arg: Optional[PathLike], default_name: str):
    """``--weights`` semantics: a path if it exists, else a shipped name -> ``(model, sidecar)``
    (:func:`load_checked` without the task check)."""
    model, sidecar, _ = load_checked(arg, default_name, precision=None, allow_other_task=True)
    return model, sidecar


def load_labelled(arg: Optional[str], default_name: str, precision: str = "float32",
                  allow_other_task: bool = False, expect=None):
    """The tables' ``--weights`` -> ``(model, sidecar, label)``; ``"none"`` -> ``None``.

    :func:`load_checked`, plus the label results name the weights by (:func:`weights_label`,
    with the precision when it is not float32)."""
    if arg is not None and str(arg).lower() == "none":
        return None
    model, sidecar, path = load_checked(arg, default_name, precision, expect=expect,
                                        allow_other_task=allow_other_task)
    label = weights_label(path)
    if model.cell.dtype_policy.name != "float32":
        label += f", computed in {model.cell.dtype_policy.name}"
    return model, sidecar, label


def run_info(sidecar: Optional[dict], weights: Optional[str] = None, notes: str = "",
             steps: Optional[int] = None):
    """The :class:`rim_tf.report.RunInfo` that labels results of these weights.

    No sidecar (or one without ``preset``) gives the preset ``"unknown budget"``. A sidecar
    that says ``reduced_budget: true`` under the ``paper`` preset (a paper run stopped
    early) is labelled ``paper (reduced budget)``, so it is never taken for a full run.
    ``steps``, the RIM steps the results were computed with, is noted when it differs from
    the number the weights were trained with (a RIM run longer or shorter than trained is a
    different experiment, section 3.3).
    """
    from rim_tf.report import RunInfo

    sidecar = sidecar or {}
    trained = (sidecar.get("config") or {}).get("steps")
    if steps is not None and isinstance(trained, int) and int(steps) != trained:
        notes = (f"{notes}; " if notes else "") + (
            f"run with {int(steps)} RIM steps; the weights were trained with {trained}")
    preset = sidecar.get("preset")
    if not isinstance(preset, str) or not preset:
        preset = UNKNOWN_BUDGET
        extra = ("the weights' sidecar records no preset" if sidecar else
                 "no training sidecar (<weights>.json) beside the weights")
        notes = f"{notes} ({extra}: the training budget is unknown)".strip()
    elif preset == "paper" and sidecar.get("reduced_budget") is True:
        preset = "paper (reduced budget)"
    patches = sidecar.get("patches_seen")
    if isinstance(patches, bool) or not isinstance(patches, int) or patches < 0:
        patches = None
    return RunInfo(preset=preset, patches_seen=patches, weights=weights, notes=notes)


def check_channels(model, channels: int, what: str) -> None:
    """Refuse a model that restores a different number of channels than ``what`` needs."""
    if int(model.channels) != int(channels):
        def kind(c):
            return {1: "gray (1-channel)", 3: "RGB (3-channel)"}.get(int(c), f"{c}-channel")
        raise ValueError(f"{what} needs a model of {kind(channels)} images, but these weights "
                         f"restore {kind(model.channels)} images")


def projection_start(sidecar) -> str:
    """The start a model's projections begin from: its training config's ``projection_start``,
    ``"adjoint"`` for configs written before the option existed (or no sidecar)."""
    config = (sidecar or {}).get("config") or {}
    return str(config.get("projection_start", "adjoint"))
