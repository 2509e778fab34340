"""Write a reproduced table next to the paper's numbers: ``results/<table>.md`` and ``.json``.

The reproduction scripts evaluate some weights, build one :class:`ResultRow` per method
(the paper's value, ours, optionally the per-image values behind ours), describe the
weights with a :class:`RunInfo`, and call :func:`write_results`. The Markdown file is
for reading; the JSON file keeps everything, per-image values included, for later
analysis.

Every table says which weights produced it. Weights trained with less than the paper's
budget (any preset other than ``paper``) are labelled REDUCED BUDGET in the header, so
that a reduced run is never mistaken for a full reproduction.
"""
from __future__ import annotations

import dataclasses
import datetime
import json
import math
import numbers
import re
from pathlib import Path
from typing import Callable, Mapping, Sequence

from rim_tf.atomic import atomic_write_text

__all__ = [
    "PAPER_PRESET",
    "RunInfo",
    "ResultRow",
    "format_markdown",
    "format_terminal",
    "results_to_dict",
    "write_results",
]

PAPER_PRESET = "paper"
_MISSING = "—"
_TABLE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _check_optional_number(value, what: str):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{what} must be a number or None, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value}")
    return value


@dataclasses.dataclass(frozen=True)
class RunInfo:
    """Which weights produced a table.

    Attributes:
      preset: the training preset's name; ``"paper"`` is the paper's budget, anything
        else is a reduced budget.
      patches_seen: number of training patches the weights have seen (``None`` if not
        recorded).
      weights: where the weights came from (a file path or run name).
      notes: free text shown under the header.
      per_model: several weights made the table, each described in ``notes``.
    """

    preset: str
    patches_seen: int | None = None
    weights: str | None = None
    notes: str = ""
    per_model: bool = False

    def __post_init__(self):
        if not isinstance(self.preset, str) or not self.preset:
            raise ValueError(f"preset must be a non-empty string, got {self.preset!r}")
        if self.patches_seen is not None and (
            isinstance(self.patches_seen, bool)
            or not isinstance(self.patches_seen, numbers.Integral)
            or self.patches_seen < 0
        ):
            raise ValueError(f"patches_seen must be a non-negative integer, got {self.patches_seen!r}")
        if self.patches_seen is not None:
            object.__setattr__(self, "patches_seen", int(self.patches_seen))  # numpy ints -> int

    @property
    def reduced_budget(self) -> bool:
        """True unless the weights were trained with the paper's preset."""
        return self.preset != PAPER_PRESET

    def header(self) -> str:
        """The Markdown line that says which weights produced the table."""
        parts = [f"preset `{self.preset}`"]
        if self.patches_seen is not None:
            parts.append(f"{int(self.patches_seen):,} patches seen")
        elif self.per_model:
            parts.append("patches seen: per model, below")
        else:
            parts.append("patches seen not recorded")
        if self.weights:
            parts.append(f"weights `{self.weights}`")
        line = "**Weights:** " + ", ".join(parts)
        if self.reduced_budget:
            line += (
                f" — **REDUCED BUDGET** (preset is not `{PAPER_PRESET}`; "
                "these numbers do not measure the paper's training budget)"
            )
        return line


@dataclasses.dataclass(frozen=True)
class ResultRow:
    """One method's result next to the paper's.

    Attributes:
      method: the row label, e.g. ``"RIM-denoise"``.
      paper: the paper's value (``None`` if the paper has none or it is unknown).
      ours: our value (``None`` if not measured, e.g. a baseline we did not run).
      setting: optional column label, e.g. ``"sigma=25, bsd68"`` or ``"x3"``.
      note: optional free text, e.g. ``"paper value unknown; bar to beat: SRCNN"``.
      per_image: optional ``{image id: value}`` behind ``ours``; kept in the JSON.
    """

    method: str
    paper: float | None
    ours: float | None
    setting: str = ""
    note: str = ""
    per_image: Mapping[str, float] | None = None

    def __post_init__(self):
        if not isinstance(self.method, str) or not self.method:
            raise ValueError(f"method must be a non-empty string, got {self.method!r}")
        object.__setattr__(self, "paper", _check_optional_number(self.paper, f"{self.method}: paper value"))
        object.__setattr__(self, "ours", _check_optional_number(self.ours, f"{self.method}: our value"))
        if self.per_image is not None:
            if not isinstance(self.per_image, Mapping) or not self.per_image:
                raise ValueError(f"{self.method}: per_image must be a non-empty mapping of image id to value")
            clean = {}
            for key, value in self.per_image.items():
                clean[str(key)] = _check_optional_number(value, f"{self.method}: per-image value of {key!r}")
                if clean[str(key)] is None:
                    raise ValueError(f"{self.method}: per-image value of {key!r} is None")
            object.__setattr__(self, "per_image", clean)

    @classmethod
    def from_per_image(cls, method: str, paper: float | None, per_image: Mapping[str, float], **kwargs) -> "ResultRow":
        """A row whose value is the mean of ``per_image`` (the paper reports means over images)."""
        if not per_image:
            raise ValueError(f"{method}: per_image is empty")
        values = [float(v) for v in per_image.values()]
        return cls(method, paper, sum(values) / len(values), per_image=per_image, **kwargs)

    @property
    def difference(self) -> float | None:
        """``ours - paper``, or ``None`` when either is missing."""
        if self.ours is None or self.paper is None:
            return None
        return self.ours - self.paper


def _fmt(value: float | None, decimals: int, signed: bool = False) -> str:
    if value is None:
        return _MISSING
    text = f"{value:+.{decimals}f}" if signed else f"{value:.{decimals}f}"
    if signed and float(text) == 0.0:  # no "-0.00"
        text = f"{0.0:+.{decimals}f}"
    return text


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def format_markdown(
    table: str,
    rows: Sequence[ResultRow],
    run: RunInfo,
    *,
    title: str = "",
    metric: str = "PSNR (dB)",
    decimals: int = 2,
) -> str:
    """The Markdown text of a result table: a title, the weights header, one row per method.

    Columns: method, [setting], the paper's value, ours, ``ours - paper``, [n images], [note];
    bracketed columns appear when some row uses them. Missing values print as ``—``.
    """
    if not rows:
        raise ValueError(f"{table}: no rows to report")
    with_setting = any(r.setting for r in rows)
    with_count = any(r.per_image for r in rows)
    with_note = any(r.note for r in rows)
    header = ["Method"] + (["Setting"] if with_setting else [])
    header += [f"Paper {metric}", f"Ours {metric}", "Ours − paper"]
    header += (["Images"] if with_count else []) + (["Note"] if with_note else [])
    align = ["---"] * (1 + with_setting) + ["---:"] * 3 + (["---:"] if with_count else []) + (["---"] if with_note else [])
    lines = [
        f"# {table}" + (f": {title}" if title else ""),
        "",
        run.header(),
    ]
    if run.notes:
        lines += ["", run.notes]
    lines += ["", "| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    for r in rows:
        cells = [_cell(r.method)] + ([_cell(r.setting)] if with_setting else [])
        cells += [_fmt(r.paper, decimals), _fmt(r.ours, decimals), _fmt(r.difference, decimals, signed=True)]
        if with_count:
            cells.append(str(len(r.per_image)) if r.per_image else _MISSING)
        if with_note:
            cells.append(_cell(r.note))
        lines.append("| " + " | ".join(cells) + " |")
    if with_count:
        lines += ["", f"Per-image values: `{table}.json`."]
    return "\n".join(lines) + "\n"


def format_terminal(
    rows: Sequence[ResultRow],
    layout: Callable[[ResultRow], tuple],
    *,
    title: str,
    run: RunInfo,
    decimals: int = 2,
    width: int = 100,
) -> str:
    """A result table in the paper's layout for the terminal: methods down, settings across.

    ``layout(row) -> (block, column)`` places each row: ``block`` a heading (e.g. the test
    set; rows of one block form one table) and ``column`` its column label (e.g. ``"25 8b"``).
    A method measured here prints our value, and, below it, the paper's and the difference;
    a method only quoted from the paper prints on one line marked ``(paper)``. The heading
    says REDUCED BUDGET and LIMITED image counts when they apply, not only a footnote.
    """
    if not rows:
        raise ValueError("no rows to print")
    blocks: dict = {}
    for r in rows:
        block, column = layout(r)
        cols, cells = blocks.setdefault(block, ([], {}))
        if column not in cols:
            cols.append(column)
        cells.setdefault(r.method, {})[column] = r
    limited = sorted({part.strip() for r in rows for part in r.note.split(";") if "LIMITED" in part})
    heading = title
    if run.reduced_budget:
        heading += f"  [REDUCED BUDGET: preset {run.preset}, not the paper's training]"
    lines = [heading[:width]]
    lines += [f"  {text}"[:width] for text in limited]
    for block, (cols, cells) in blocks.items():
        name_width = max(12, *(len(m) + 8 for m in cells))
        cell_width = max(7, *(len(c) + 1 for c in cols))
        if name_width + cell_width * len(cols) > width:
            cell_width = max(7, (width - name_width) // max(len(cols), 1))
        fmt = lambda v, signed=False: _fmt(v, decimals, signed).rjust(cell_width)  # noqa: E731
        lines += ["", (block or "").ljust(name_width) + "".join(c.rjust(cell_width) for c in cols)]
        lines.append("-" * (name_width + cell_width * len(cols)))
        for method, by_col in cells.items():
            got = [by_col.get(c) for c in cols]
            ours = any(r is not None and r.ours is not None for r in got)
            if not ours:
                lines.append(f"{method} (paper)".ljust(name_width)
                             + "".join(fmt(r.paper if r else None) for r in got))
                continue
            lines.append(f"{method} (ours)".ljust(name_width) + "".join(fmt(r.ours if r else None) for r in got))
            if any(r is not None and r.paper is not None for r in got):
                lines.append("  paper".ljust(name_width) + "".join(fmt(r.paper if r else None) for r in got))
                lines.append("  ours - paper".ljust(name_width)
                             + "".join(fmt(r.difference if r else None, True) for r in got))
    return "\n".join(lines) + "\n"


def results_to_dict(
    table: str,
    rows: Sequence[ResultRow],
    run: RunInfo,
    *,
    title: str = "",
    metric: str = "PSNR (dB)",
    extra: Mapping | None = None,
) -> dict:
    """The JSON-ready record of a result table (everything, per-image values included)."""
    return {
        "table": table,
        "title": title,
        "metric": metric,
        "created_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "run": {
            "preset": run.preset,
            "patches_seen": run.patches_seen,
            "weights": run.weights,
            "reduced_budget": run.reduced_budget,
            "notes": run.notes,
        },
        "rows": [
            {
                "method": r.method,
                "setting": r.setting,
                "paper": r.paper,
                "ours": r.ours,
                "difference": r.difference,
                "note": r.note,
                "n_images": len(r.per_image) if r.per_image else None,
                "per_image": dict(r.per_image) if r.per_image else None,
            }
            for r in rows
        ],
        "extra": dict(extra or {}),
    }


def write_results(
    out_dir,
    table: str,
    rows: Sequence[ResultRow],
    run: RunInfo,
    *,
    title: str = "",
    metric: str = "PSNR (dB)",
    decimals: int = 2,
    extra: Mapping | None = None,
) -> dict[str, Path]:
    """Write ``<out_dir>/<table>.md`` and ``<out_dir>/<table>.json``; return both paths.

    Args:
      out_dir: output folder (created if missing), e.g. ``results``.
      table: file stem and heading, e.g. ``"table2"``; letters, digits, ``_ . -``.
      rows: one :class:`ResultRow` per method.
      run: the weights that produced ``ours``.
      title, metric, decimals: shown in the Markdown.
      extra: any JSON-serialisable metadata to keep (command line, data folder, seed).
    """
    if not isinstance(table, str) or not _TABLE_NAME.match(table):
        raise ValueError(f"table name {table!r} must be letters, digits, '_', '.' or '-' (it names the files)")
    rows = list(rows)
    markdown = format_markdown(table, rows, run, title=title, metric=metric, decimals=decimals)
    record = results_to_dict(table, rows, run, title=title, metric=metric, extra=extra)
    try:
        text = json.dumps(record, indent=2, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{table}: extra metadata is not JSON-serialisable: {err}") from err
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / f"{table}.json", "markdown": out / f"{table}.md"}
    atomic_write_text(paths["json"], text + "\n")
    atomic_write_text(paths["markdown"], markdown)
    return paths
