"""Atomic outputs: every file rim_tf writes appears whole or not at all.

A file is written under a temporary name in its own folder and renamed into place
(``os.replace``, atomic on POSIX file systems), so a failure half-way (a full disk, a
kill, an exception) leaves any older file of that name untouched and no truncated file
behind. :func:`check_writable_folder` and :func:`check_writable_file` say, before any work
is done, whether an output can be written at all (a file where a folder is expected, a
read-only or missing folder), so that a long computation is never lost at its last step.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["atomic_path", "atomic_write_text", "atomic_write_bytes", "check_writable_file",
           "check_writable_folder"]


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


def _probe(folder: Path, what: str) -> None:
    """Create and remove a temporary file in ``folder``: the only reliable writability test
    (``os.access`` is wrong on read-only mounts, ``/proc`` and some network file systems)."""
    probe = folder / f".rim_tf-write-test.{os.getpid()}"
    try:
        probe.write_bytes(b"")
    except OSError as err:
        raise PermissionError(f"cannot write {what} in {folder}: {err.strerror or err}") from None
    with contextlib.suppress(OSError):
        probe.unlink()


def check_writable_folder(path, what: str = "the output folder") -> Path:
    """Check that ``path`` is, or can become, a folder that files can be written to.

    Nothing is created: a missing folder is checked through its nearest existing parent.
    Raises ``ValueError`` for an existing file of that name, ``PermissionError`` where
    nothing can be written.
    """
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"{what} {path} is a file, not a folder; choose another --out")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"{what} {path} cannot be created: {existing} is a file")
    _probe(existing, what)
    return path


def check_writable_file(path, what: str = "the output") -> Path:
    """Check that a file can be written at ``path`` (its folder exists and is writable)."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise ValueError(f"{what} {path} is a folder; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise FileNotFoundError(f"the folder of {what} {path} does not exist")
    _probe(parent, f"{what} {path.name}")
    return path
