"""The paper's published numbers (Tables 1-3), loaded from ``reference_results/*.json``.

Each JSON file holds one table of Putzky & Welling (2017) as a list of cells. A cell
names its method, test set (``bsd68``, ``cbsd68``, ``bsds300-test``, ``bsd100-sr``),
noise level ``sigma`` (Tables 1 and 2) or ``scale`` (Table 3), whether the noisy
input was 8-bit quantized, the value in dB, where the paper took the value from
(``source``), and how sure we are of it (``status``: ``confirmed`` or ``unknown``).
Cells that are empty in the paper are absent; cells the paper reports but whose
value we do not know (the RIM row of Table 3) are present with ``value: null``.

Where the files live
--------------------
The canonical copy is the repository's ``reference_results/`` folder. It is found, in
this order: an explicit ``directory`` argument; the ``RIM_REFERENCE_DIR`` environment
variable; ``reference_results/`` next to the ``rim_tf`` package (a source checkout or
an editable install); ``<sys.prefix>/share/rim_tf/reference_results`` (where a
regular install puts it through setup.cfg's ``[options.data_files]``).
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
from pathlib import Path

__all__ = [
    "TESTSETS",
    "STATUSES",
    "ReferenceEntry",
    "ReferenceTable",
    "ReferenceNotFoundError",
    "reference_dir",
    "parse_table",
    "load_table",
    "load_all",
    "reference_entry",
    "reference_value",
]

SCHEMA = "rim_tf.reference/v1"
TABLES = (1, 2, 3)
TESTSETS = ("bsd68", "cbsd68", "bsds300-test", "bsd100-sr")
CHANNELS = ("gray", "rgb", "y")
STATUSES = ("confirmed", "unknown")
ENV_VAR = "RIM_REFERENCE_DIR"

_REQUIRED_ENTRY_KEYS = {"method", "column", "testset", "channels", "quantized", "value", "status", "source"}
_OPTIONAL_ENTRY_KEYS = {"sigma", "scale", "status_note", "note"}
_REQUIRED_TABLE_KEYS = {"schema", "table", "title", "metric", "unit", "entries"}
_OPTIONAL_TABLE_KEYS = {"protocol", "notes", "stand_ins"}


class ReferenceNotFoundError(LookupError):
    """No cell of a reference table matches a query (the paper leaves it empty)."""


@dataclasses.dataclass(frozen=True)
class ReferenceEntry:
    """One cell of one of the paper's tables."""

    table: int
    method: str
    column: str
    testset: str
    channels: str
    quantized: bool
    value: float | None
    status: str
    source: str
    sigma: int | None = None
    scale: int | None = None
    status_note: str = ""
    note: str = ""

    @property
    def known(self) -> bool:
        """Whether the paper's value is known (``False`` for the pending Table 3 RIM row)."""
        return self.value is not None


@dataclasses.dataclass(frozen=True)
class ReferenceTable:
    """All cells of one table, with the table's title and protocol."""

    table: int
    title: str
    metric: str
    unit: str
    entries: tuple[ReferenceEntry, ...]
    protocol: str = ""
    notes: tuple[str, ...] = ()
    stand_ins: dict = dataclasses.field(default_factory=dict)
    path: Path | None = None

    @property
    def methods(self) -> tuple[str, ...]:
        """Method names in the order the file lists them."""
        return tuple(dict.fromkeys(e.method for e in self.entries))

    def select(self, method=None, *, testset=None, sigma=None, scale=None, quantized=None):
        """All cells matching the given fields (``None`` matches anything).

        Method names are matched case-insensitively.
        """
        out = []
        for e in self.entries:
            if method is not None and e.method.lower() != str(method).lower():
                continue
            if testset is not None and e.testset != testset:
                continue
            if sigma is not None and e.sigma != sigma:
                continue
            if scale is not None and e.scale != scale:
                continue
            if quantized is not None and e.quantized != bool(quantized):
                continue
            out.append(e)
        return out

    def entry(self, method, *, testset=None, sigma=None, scale=None, quantized=None) -> ReferenceEntry:
        """The single cell matching a query.

        Raises:
          ReferenceNotFoundError: no cell matches (an empty cell of the paper, or a typo).
          ValueError: several cells match; the message lists them so the query can be narrowed.
        """
        query = dict(testset=testset, sigma=sigma, scale=scale, quantized=quantized)
        found = self.select(method, **query)
        shown = ", ".join(f"{k}={v!r}" for k, v in query.items() if v is not None)
        if not found:
            if not self.select(method):
                raise ReferenceNotFoundError(
                    f"Table {self.table} has no method {method!r}; methods: {', '.join(self.methods)}"
                )
            cells = "; ".join(_describe(e) for e in self.select(method))
            raise ReferenceNotFoundError(
                f"Table {self.table} has no cell for {method!r} with {shown or 'no filters'} "
                f"(empty in the paper?); its cells: {cells}"
            )
        if len(found) > 1:
            cells = "; ".join(_describe(e) for e in found)
            raise ValueError(
                f"Table {self.table}: {len(found)} cells match {method!r} with "
                f"{shown or 'no filters'}; narrow the query (testset/sigma/scale/quantized): {cells}"
            )
        return found[0]

    def stand_in(self, method: str) -> str | None:
        """The method whose row stands in for ``method``'s unknown row (Table 3: SRCNN for RIM)."""
        for name, spec in self.stand_ins.items():
            if name.lower() == method.lower():
                return spec["method"]
        return None


def _describe(e: ReferenceEntry) -> str:
    value = "unknown" if e.value is None else f"{e.value:g}"
    return f"[{e.testset}, {e.column}] = {value}"


# --------------------------------------------------------------------------- locating
def _candidate_dirs(directory=None) -> list[Path]:
    if directory is not None:
        return [Path(directory)]
    candidates = []
    if os.environ.get(ENV_VAR):
        candidates.append(Path(os.environ[ENV_VAR]))
    candidates.append(Path(__file__).resolve().parents[1] / "reference_results")
    candidates.append(Path(sys.prefix) / "share" / "rim_tf" / "reference_results")
    return candidates


def reference_dir(directory=None) -> Path:
    """The folder holding ``table1.json`` .. ``table3.json`` (see the module docstring)."""
    candidates = _candidate_dirs(directory)
    for c in candidates:
        if (c / "table1.json").is_file():
            return c
    raise FileNotFoundError(
        "reference tables (table1.json ...) not found in any of: "
        + ", ".join(str(c) for c in candidates)
        + f"; set {ENV_VAR} to the repository's reference_results/ folder"
    )


# --------------------------------------------------------------------------- validation
def _fail(path: Path, where: str, problem: str):
    raise ValueError(f"{path}: {where}: {problem}")


def _check_number(path, where, name, value, *, integer=False, allow_none=False):
    if value is None and allow_none:
        return
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok and integer:
        ok = isinstance(value, int)
    if not ok or (isinstance(value, float) and not math.isfinite(value)):
        kind = "an integer" if integer else "a finite number"
        _fail(path, where, f"{name} must be {kind}{' or null' if allow_none else ''}, got {value!r}")


def _parse_entry(path: Path, table: int, index: int, raw) -> ReferenceEntry:
    where = f"entries[{index}]"
    if not isinstance(raw, dict):
        _fail(path, where, f"expected an object, got {type(raw).__name__}")
    missing = _REQUIRED_ENTRY_KEYS - raw.keys()
    if missing:
        _fail(path, where, f"missing keys {sorted(missing)}")
    unknown = raw.keys() - _REQUIRED_ENTRY_KEYS - _OPTIONAL_ENTRY_KEYS
    if unknown:
        _fail(path, where, f"unknown keys {sorted(unknown)}")
    where = f"entries[{index}] ({raw['method']!r}, {raw['column']!r})"
    for key in ("method", "column", "source"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            _fail(path, where, f"{key} must be a non-empty string, got {raw[key]!r}")
    if raw["testset"] not in TESTSETS:
        _fail(path, where, f"testset {raw['testset']!r} is not one of {TESTSETS}")
    if raw["channels"] not in CHANNELS:
        _fail(path, where, f"channels {raw['channels']!r} is not one of {CHANNELS}")
    if not isinstance(raw["quantized"], bool):
        _fail(path, where, f"quantized must be true or false, got {raw['quantized']!r}")
    if raw["status"] not in STATUSES:
        _fail(path, where, f"status {raw['status']!r} is not one of {STATUSES}")
    _check_number(path, where, "value", raw["value"], allow_none=True)
    if (raw["value"] is None) != (raw["status"] == "unknown"):
        _fail(path, where, "value must be null exactly when status is 'unknown'")
    # Tables 1 and 2 are indexed by noise level, Table 3 by up-scaling factor.
    axis, other = ("scale", "sigma") if table == 3 else ("sigma", "scale")
    if axis not in raw:
        _fail(path, where, f"Table {table} cells need {axis!r}")
    if other in raw:
        _fail(path, where, f"Table {table} cells must not have {other!r}")
    _check_number(path, where, axis, raw[axis], integer=True)
    if raw[axis] <= 0:
        _fail(path, where, f"{axis} must be positive, got {raw[axis]}")
    for key in ("status_note", "note"):
        if key in raw and not isinstance(raw[key], str):
            _fail(path, where, f"{key} must be a string")
    return ReferenceEntry(
        table=table,
        method=raw["method"],
        column=raw["column"],
        testset=raw["testset"],
        channels=raw["channels"],
        quantized=raw["quantized"],
        value=None if raw["value"] is None else float(raw["value"]),
        status=raw["status"],
        source=raw["source"],
        sigma=raw.get("sigma"),
        scale=raw.get("scale"),
        status_note=raw.get("status_note", ""),
        note=raw.get("note", ""),
    )


def parse_table(raw, path: Path | str = "<memory>") -> ReferenceTable:
    """Validate a decoded JSON table and build a :class:`ReferenceTable`.

    Raises ``ValueError`` naming the file, the entry and the problem.
    """
    path = Path(path)
    if not isinstance(raw, dict):
        _fail(path, "top level", f"expected an object, got {type(raw).__name__}")
    missing = _REQUIRED_TABLE_KEYS - raw.keys()
    if missing:
        _fail(path, "top level", f"missing keys {sorted(missing)}")
    unknown = raw.keys() - _REQUIRED_TABLE_KEYS - _OPTIONAL_TABLE_KEYS
    if unknown:
        _fail(path, "top level", f"unknown keys {sorted(unknown)}")
    if raw["schema"] != SCHEMA:
        _fail(path, "schema", f"expected {SCHEMA!r}, got {raw['schema']!r}")
    if raw["table"] not in TABLES:
        _fail(path, "table", f"expected one of {TABLES}, got {raw['table']!r}")
    if not isinstance(raw["entries"], list) or not raw["entries"]:
        _fail(path, "entries", "must be a non-empty list")
    table = raw["table"]
    entries = tuple(_parse_entry(path, table, i, e) for i, e in enumerate(raw["entries"]))
    seen = {}
    for i, e in enumerate(entries):
        key = (e.method.lower(), e.testset, e.sigma, e.scale, e.quantized)
        if key in seen:
            _fail(path, f"entries[{i}]", f"duplicate cell, same as entries[{seen[key]}]: {key}")
        seen[key] = i
    stand_ins = raw.get("stand_ins", {})
    methods = {e.method for e in entries}
    for name, spec in stand_ins.items():
        if name not in methods or not isinstance(spec, dict) or spec.get("method") not in methods:
            _fail(path, "stand_ins", f"{name!r} -> {spec!r} must map a method to {{'method': <a method of this table>}}")
    return ReferenceTable(
        table=table,
        title=raw["title"],
        metric=raw["metric"],
        unit=raw["unit"],
        entries=entries,
        protocol=raw.get("protocol", ""),
        notes=tuple(raw.get("notes", ())),
        stand_ins=dict(stand_ins),
        path=path,
    )


# --------------------------------------------------------------------------- loading
def load_table(table: int, directory=None) -> ReferenceTable:
    """Load and validate ``table<N>.json``.

    Raises ``FileNotFoundError`` if the file is missing and ``ValueError`` if it is
    not valid JSON or does not follow the schema, or holds a different table.
    """
    if table not in TABLES:
        raise ValueError(f"the paper has reference tables {TABLES}, not {table!r}")
    path = reference_dir(directory) / f"table{table}.json"
    if not path.is_file():
        raise FileNotFoundError(f"reference table file not found: {path}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON: {err}") from err
    parsed = parse_table(raw, path)
    if parsed.table != table:
        raise ValueError(f"{path}: holds table {parsed.table}, expected {table}")
    return parsed


def load_all(directory=None) -> dict[int, ReferenceTable]:
    """All three tables, keyed by table number."""
    return {t: load_table(t, directory) for t in TABLES}


def reference_entry(
    table: int,
    method: str,
    *,
    testset: str | None = None,
    sigma: int | None = None,
    scale: int | None = None,
    quantized: bool | None = None,
    directory=None,
) -> ReferenceEntry:
    """The one cell of ``table`` that matches; see :meth:`ReferenceTable.entry`."""
    if testset is not None and testset not in TESTSETS:
        raise ValueError(f"testset {testset!r} is not one of {TESTSETS}")
    return load_table(table, directory).entry(
        method, testset=testset, sigma=sigma, scale=scale, quantized=quantized
    )


def reference_value(
    table: int,
    method: str,
    *,
    testset: str | None = None,
    sigma: int | None = None,
    scale: int | None = None,
    quantized: bool | None = None,
    directory=None,
) -> float | None:
    """The paper's value for one cell, e.g.
    ``reference_value(table=2, method="RIM-denoise", sigma=25, quantized=False, testset="bsd68")``
    -> ``28.91``.

    Returns ``None`` for a cell the paper reports but whose value is unknown (Table 3's
    RIM row; see :meth:`ReferenceTable.stand_in`). Raises
    :class:`ReferenceNotFoundError` for a cell that is empty in the paper and
    ``ValueError`` if the query matches more than one cell.
    """
    return reference_entry(
        table, method, testset=testset, sigma=sigma, scale=scale, quantized=quantized, directory=directory
    ).value
