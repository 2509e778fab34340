"""Campaigns: long trainings that outlive a working session, kept in a committed folder.

A campaign is an ordinary run folder (see :mod:`rim_tf.training.trainer`) under
``campaigns/<name>/`` that is small enough to commit every half hour, so that the next
session, possibly on a fresh clone, continues it with one line::

    python scripts/train_denoise.py --out campaigns/denoise --resume --max-minutes 170

What is committed (:data:`COMMITTED`): ``config.json`` (every setting), ``checkpoints/``
(only the latest: run it with ``--keep-checkpoints 1``; model, optimiser moments,
iteration, wall time), ``history.jsonl`` (one row per validation: iteration, patches,
hours, validation PSNR, load average), ``curve.png`` (the learning curve) and, once a
run has stopped, ``model.keras`` with its ``model.json`` sidecar; with ``--keep-best``,
``best/`` (the model of the best validation so far, its sidecar saying by which score and at
which iteration). TensorBoard logs stay out (``campaigns/*/tensorboard/`` is ignored).

:func:`summarize` tells where a campaign stands and whether its curve is flat: the stop
rule of the project is "the last fifth of the run gained less than 0.05 dB".
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from rim_tf.training.protocol import format_scores

HISTORY_FILE = "history.jsonl"
COMMITTED = ("config.json", "history.jsonl", "curve.png", "checkpoints", "model.keras", "model.json", "best")
FLAT_GAIN_DB = 0.05   # the stop rule: the last fifth of the run gains less than this


def read_history(out_dir) -> list:
    """The rows of a run's ``history.jsonl`` (one per validation), oldest first.

    The file is appended row by row; a run killed in the middle of an append leaves a
    partial last line, which is skipped with a warning. A damaged line elsewhere is an error
    that names it."""
    path = Path(out_dir) / HISTORY_FILE
    if not path.exists():
        return []
    lines = [(n, line) for n, line in enumerate(path.read_text().splitlines(), start=1) if line.strip()]
    rows = []
    for k, (n, line) in enumerate(lines):
        try:
            rows.append(json.loads(line))
        except ValueError:
            if k == len(lines) - 1:
                print(f"[rim_tf] {path}: skipping its partial last line {n} (a run stopped while "
                      f"writing it)", file=sys.stderr, flush=True)
                break
            raise ValueError(f"{path}, line {n}, is not a JSON row: {line[:80]!r}") from None
    return rows


def campaign_files(folder) -> list:
    """The files of a run folder that a campaign commits, relative to ``folder``."""
    folder = Path(folder)
    files = []
    for name in COMMITTED:
        path = folder / name
        if path.is_dir():
            files += sorted(p.relative_to(folder) for p in path.rglob("*")
                            if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            files.append(path.relative_to(folder))
    return files


def signal_key(rows: list) -> str:
    """The score the stop rule watches: Table 3's protocol where a run records it
    (super-resolution), else the patch validation PSNR."""
    return "protocol_psnr" if rows and all("protocol_psnr" in r for r in rows) else "val_psnr"


def _best_until(rows: list, patches: float, key: str = "val_psnr") -> float:
    return max(r[key] for r in rows if r["patches_seen"] <= patches)


def summarize(folder) -> dict:
    """Where a campaign stands: iteration, patches, hours, validation PSNR, flatness, size.

    ``last_fifth_gain_db`` is the best validation PSNR of the whole run minus the best of its
    first four fifths (measured in patches seen); ``flat`` applies :data:`FLAT_GAIN_DB`.
    """
    folder = Path(folder)
    config = json.loads((folder / "config.json").read_text())
    rows = [r for r in read_history(folder) if r.get("val_psnr") is not None]
    for r in rows:  # rows of older runs carry only the iteration
        r.setdefault("patches_seen", r["iteration"] * config["batch_size"])
    if not rows:
        raise ValueError(f"{folder} holds no validation rows yet")
    last = rows[-1]
    gain = None
    key = signal_key(rows)
    if last["patches_seen"] > 0 and len(rows) >= 3:
        gain = (_best_until(rows, last["patches_seen"], key)
                - _best_until(rows, 0.8 * last["patches_seen"], key))
    size = sum((folder / f).stat().st_size for f in campaign_files(folder))
    return {
        "folder": str(folder),
        "experiment": config["experiment"],
        "model": config["model"],
        "size": f"{config['hidden_features']}/{config['gru_features']}, T={config['steps']}",
        "precision": last.get("precision", config.get("precision")),
        "iteration": last["iteration"],
        "patches_seen": last["patches_seen"],
        "hours": round(last.get("wall_time_s", 0.0) / 3600, 3),
        "val_psnr": last["val_psnr"],
        "best_val_psnr": max(r["val_psnr"] for r in rows),
        "start_val_psnr": rows[0]["val_psnr"],
        "protocol": last.get("protocol"),
        "transfer": last.get("transfer"),
        "stop_signal": key,
        "last_fifth_gain_db": gain,
        "flat": None if gain is None else gain < FLAT_GAIN_DB,
        "committed_bytes": size,
    }


def describe(summary: dict) -> str:
    """One paragraph for a person: the figures a note about a campaign needs."""
    s = summary
    flat = ("not enough rows to tell" if s["flat"] is None else
            f"last fifth gained {s['last_fifth_gain_db']:+.3f} dB ({'flat' if s['flat'] else 'still rising'})")
    return (f"{s['folder']}: {s['experiment']}/{s['model']} {s['size']} ({s['precision']}), "
            f"iteration {s['iteration']}, {s['patches_seen']:,} patches, {s['hours']:.2f} h of "
            f"training; validation PSNR {s['val_psnr']:.2f} dB (best {s['best_val_psnr']:.2f}, "
            f"start {s['start_val_psnr']:.2f}); "
            + ("" if not s.get("protocol") else "Table 3 protocol on held-out crops "
               + format_scores(s["protocol"]) + " dB; ")
            + ("" if not s.get("transfer") else "not-trained tasks on held-out crops "
               + format_scores(s["transfer"]) + " dB; ")
            + f"{flat}{' (of the protocol mean)' if s.get('stop_signal') == 'protocol_psnr' else ''}; "
            f"{s['committed_bytes'] / 1e6:.1f} MB committed")

