"""Figures of the reproduction: per-step PSNR curves (Figure 3) and image grids (Figure 4).

matplotlib (a dependency of the package) is imported only
when a figure is drawn, with the non-interactive Agg backend.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping, Optional, Sequence

import numpy as np

from rim_tf.atomic import atomic_path

__all__ = ["plot_step_curves", "plot_image_grid", "plot_learning_curve", "plot_learning_curves"]


def _pyplot():
    try:
        import matplotlib
    except ImportError as err:
        raise ImportError("drawing figures needs matplotlib: `pip install matplotlib`") from err
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _save(plt, fig, path) -> Path:
    """Lay out, write (creating the folder) and close a figure; returns the path."""
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_path(path) as tmp:  # a failed write leaves an older figure whole
            fig.savefig(tmp, dpi=120)
    finally:
        plt.close(fig)
    return path


def plot_step_curves(curves: Mapping[str, Mapping[str, Sequence[float]]], path, *,
                     trained_steps: Optional[int] = None, title: str = "") -> Path:
    """One panel per task, one line per model: mean PSNR against the step (0 = initial estimate).

    Args:
      curves: ``{task: {model: [PSNR at step 0, 1, ..., T]}}``.
      path: the PNG to write.
      trained_steps: drawn as a dashed vertical line (the number of steps trained with).
    """
    if not curves:
        raise ValueError("no curves to plot")
    plt = _pyplot()
    n = len(curves)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax, (task, models) in zip(axes.flat, curves.items()):
        for name, values in models.items():
            ax.plot(np.arange(len(values)), values, label=name, linewidth=1.5)
        if trained_steps:
            ax.axvline(trained_steps, color="gray", linestyle="--", linewidth=1)
        ax.ticklabel_format(axis="y", useOffset=False)
        ax.set_title(task, fontsize=10)
        ax.set_xlabel("step")
        ax.set_ylabel("PSNR (dB)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    if title:
        fig.suptitle(title)
    return _save(plt, fig, path)


def plot_image_grid(panels: Sequence[tuple], path, *, title: str = "", cols: Optional[int] = None) -> Path:
    """A row (or grid) of gray images, each titled with its name and PSNR.

    Args:
      panels: ``[(name, image [H, W] or [H, W, 1] in [0, 1], psnr or None), ...]``.
      path: the PNG to write.
    """
    if not panels:
        raise ValueError("no images to plot")
    plt = _pyplot()
    n = len(panels)
    cols = cols or n
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.8 * rows), squeeze=False)
    for ax, (name, image, value) in zip(axes.flat, panels):
        image = np.asarray(image, np.float64)
        if image.ndim == 3 and image.shape[-1] == 1:
            image = image[..., 0]
        ax.imshow(np.clip(image, 0, 1), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(name if value is None else f"{name}\n{value:.2f} dB", fontsize=9)
        ax.axis("off")
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(plt, fig, path)


def plot_learning_curves(runs: Mapping[str, Sequence[Mapping]], path, *, title: str = "",
                         note: str = "") -> Path:
    """Validation PSNR of one or more training runs, against patches seen and against hours.

    Args:
      runs: ``{name: history rows}``, each row a dict with ``val_psnr`` and ``patches_seen``
        (and ``wall_time_s`` for the right-hand panel), as a run's ``history.jsonl`` holds.
      path: the PNG to write.
      note: a line under the title (e.g. what else ran on the machine).
    """
    runs = {name: [r for r in rows if r.get("val_psnr") is not None] for name, rows in runs.items()}
    runs = {name: rows for name, rows in runs.items() if rows}
    if not runs:
        raise ValueError("no validation rows to plot")
    plt = _pyplot()
    timed = all(all("wall_time_s" in r for r in rows) for rows in runs.values())
    cols = 2 if timed else 1
    fig, axes = plt.subplots(1, cols, figsize=(5.2 * cols, 3.6), squeeze=False)
    for name, rows in runs.items():
        psnr = [r["val_psnr"] for r in rows]
        axes[0, 0].plot([r.get("patches_seen", 0) / 1e3 for r in rows], psnr, marker=".", label=name)
        if timed:
            axes[0, 1].plot([r["wall_time_s"] / 3600 for r in rows], psnr, marker=".", label=name)
    axes[0, 0].set_xlabel("training patches seen (thousands)")
    if timed:
        axes[0, 1].set_xlabel("training wall time (hours)")
    for ax in axes.flat:
        ax.set_ylabel("validation PSNR (dB)")
        ax.ticklabel_format(axis="y", useOffset=False)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title or note:
        fig.suptitle("\n".join(t for t in (title, note) if t), fontsize=10)
    return _save(plt, fig, path)


def plot_learning_curve(rows: Sequence[Mapping], path, *, title: str = "") -> Path:
    """One run's learning curve (its ``history.jsonl`` rows); see :func:`plot_learning_curves`.

    Rows with a ``protocol`` entry (super-resolution: Table 3's scoring per scale on held-out
    crops) add one curve per scale beside the patch validation; rows with a ``transfer`` entry
    (RIM-3task: the tasks it was not trained on) one curve per task."""
    runs = {"validation patches": rows}
    for key, label in (("protocol", "protocol {} (Y, shaved)"), ("transfer", "{} (not trained)")):
        for k in sorted({k for r in rows for k in (r.get(key) or {})}):
            runs[label.format(k)] = [{**r, "val_psnr": r[key][k]} for r in rows if k in (r.get(key) or {})]
    return plot_learning_curves(runs, path, title=title)
