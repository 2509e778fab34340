"""Atomic outputs: every file rim_tf writes appears whole or not at all.

A file is written under a temporary name in its own folder and renamed into place
(``os.replace``, atomic on POSIX file systems), so a failure half-way (a full disk, a
kill, an exception) leaves any older file of that name untouched and no truncated file
behind.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["atomic_path", "atomic_write_text", "atomic_write_bytes"]


@contextlib.contextmanager
def atomic_path(path, suffix: str = None):
    """A temporary path beside ``path`` to write to; renamed to ``path`` if the block succeeds.

    ``suffix`` (default: ``path``'s own) keeps writers that choose a format by extension
    (imageio, matplotlib, Keras) working. On an exception the temporary file is removed and
    ``path`` is left as it was.
    """
    path = Path(path)
    suffix = path.suffix if suffix is None else suffix
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (flushed to disk before the rename)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    return path


def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))
