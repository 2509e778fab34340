"""The reproduction scripts' command-line plumbing (``scripts/reproduce_*.py``).

Their common options (:func:`add_common_arguments`), their ``--weights`` (:func:`load_model_arg`),
printing and writing a :class:`rim_tf.evaluation.Report` (:func:`finish`) and their error
shell (:func:`cli`, the one of :func:`rim_tf.cli.report_errors`).
"""
from __future__ import annotations

import argparse
import textwrap
from typing import Callable

from rim_tf.cli import add_weight_options, output_folder, report_errors
from rim_tf.shipped import load_labelled as load_model_arg

__all__ = ["add_common_arguments", "cli", "finish", "load_model_arg", "read_report"]

# load_model_arg(arg, default_name, precision, allow_other_task, expect): ``--weights`` ->
# ``(model, sidecar, label)``, ``"none"`` -> ``None``; it is rim_tf.shipped.load_labelled.


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


def read_report(path) -> dict:
    """An earlier script's ``<table>.json`` (for ``--bm3d-from``); a clear error if it is missing
    or not JSON. Checked before any model runs, so a wrong path costs nothing."""
    import json
    from pathlib import Path

    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give the .json file the earlier run wrote")
    if not path.is_file():
        raise FileNotFoundError(f"no such results file: {path}")
    try:
        record = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} is not a results JSON: {err}") from err
    if not isinstance(record, dict):
        raise ValueError(f"{path} is not a results JSON (top level is {type(record).__name__}, not an object)")
    return record


def finish(report, out_dir) -> dict:
    """Write a :class:`rim_tf.evaluation.Report`, print its summary and where it went."""
    paths = report.write(out_dir)
    print()
    print(report.terminal(), end="")
    print()
    print(textwrap.fill(report.run.header().replace("**", "").replace("`", ""), width=100))
    for kind, path in paths.items():
        print(f"wrote {kind}: {path}")
    return paths


def cli(main: Callable, argv=None) -> int:
    """Run a script's ``main(argv)``; clear one-line errors (``error: ...``, exit status 2 for bad
    input) instead of tracebacks, by :func:`rim_tf.cli.report_errors`."""
    return report_errors(lambda: main(argv), memory_hint="use a smaller --batch-size")
