"""What an evaluation returns: per-image results, per-step curves, and a script's report."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from rim_tf.report import RunInfo, write_results

__all__ = ["EvalResult", "CurveResult", "Report"]


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

    @classmethod
    def from_dict(cls, record) -> "EvalResult":
        """The inverse of :meth:`to_dict` (one entry of a report JSON's ``extra.results``)."""
        try:
            return cls(record["method"], record["setting"], dict(record["psnr"]), dict(record.get("seconds") or {}),
                       step_psnr=dict(record["step_psnr"]) if record.get("step_psnr") else None,
                       input_psnr=dict(record["input_psnr"]) if record.get("input_psnr") else None,
                       info=dict(record.get("info") or {}))
        except (KeyError, TypeError) as err:
            raise ValueError(f"not a per-image result record (method, setting, psnr): {err}") from err

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
