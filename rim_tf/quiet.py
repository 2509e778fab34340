"""TensorFlow without its C++ start-up chatter, for the scripts and command-line tools.

Importing TensorFlow prints, from C++ and before any Python logging is set up, lines such
as ``WARNING: All log messages before absl::InitializeLog() ...``, ``I0000 ...
cudart_stub.cc ... Could not find cuda drivers`` and ``E0000 ... failed call to cuInit``.
They say nothing about the user's work, and they bury a table printed to the terminal.
:func:`quiet_tensorflow` imports TensorFlow with ``TF_CPP_MIN_LOG_LEVEL=3`` and with its
C-level stderr captured; captured lines that are not start-up noise are written back.
The user's own ``TF_CPP_MIN_LOG_LEVEL`` wins: ``0`` shows everything; any other value is kept
(the start-up lines above are printed at every level, so they are still filtered).
"""
from __future__ import annotations

import importlib
import os
import re
import sys
import tempfile

_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\)"
    r"|[IWE]\d{4} [\d:. ]+\s*\d+ (cudart_stub|cuda_platform|cuda_executor|cuda_diagnostics|"
    r"port|cpu_feature_guard|cpu_utils)\.cc:\d+\]"
    r"|To enable the following instructions: .*rebuild TensorFlow"
    r"|oneDNN custom operations are on)")


def is_startup_noise(line: str) -> bool:
    """True for the C++ lines TensorFlow prints while it starts (see the module docstring)."""
    return bool(_NOISE.match(line.strip()))


def quiet_tensorflow() -> None:
    """Import TensorFlow (once) without its start-up log lines, unless the user asked for them."""
    if "tensorflow" in sys.modules:
        return
    level = os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if level.strip() == "0":
        importlib.import_module("tensorflow")  # the user asked for every line
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real stderr (embedded, notebook)
        importlib.import_module("tensorflow")
        return
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            importlib.import_module("tensorflow")
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        capture.seek(0)
        kept = [line for line in capture.read().decode("utf-8", "replace").splitlines()
                if line.strip() and not is_startup_noise(line)]
    for line in kept:
        print(line, file=sys.stderr)
