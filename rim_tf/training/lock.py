"""One training process per run folder: a lock file that names its holder.

Two trainings writing into the same folder would interleave their ``history.jsonl`` and
leave the configuration of one beside the model of the other. ``run_lock`` creates
``<folder>/.lock`` atomically (``O_CREAT | O_EXCL``) holding the pid, the host and the
start time; a second run refuses to start while the holder lives. A lock whose process is
gone (a killed run, a rebooted machine) is stale: it is removed, with a line saying so.
The lock is not part of a campaign's committed files (``.gitignore``).
"""
from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
from pathlib import Path

__all__ = ["LOCK_FILE", "RunFolderInUse", "run_lock"]

LOCK_FILE = ".lock"

_YOUNG_S = 10.0
"""A lock file younger than this whose content cannot be read yet is being written: held."""


class RunFolderInUse(RuntimeError):
    """Another live training process holds the run folder."""


def _holder(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _alive(holder) -> bool:
    """Whether the lock's holder is a live process (on another host: assumed live)."""
    if holder.get("host") != socket.gethostname():
        return True
    pid = holder.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _describe(holder) -> str:
    return f"pid {holder.get('pid')} on {holder.get('host')}, since {holder.get('started')}"


@contextlib.contextmanager
def run_lock(folder):
    """Hold ``folder``'s lock for the block; raise :class:`RunFolderInUse` if a live run has it."""
    folder = Path(folder)
    path = folder / LOCK_FILE
    me = {"pid": os.getpid(), "host": socket.gethostname(),
          "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    for _ in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(path)
            if holder is None:
                try:
                    young = time.time() - path.stat().st_mtime < _YOUNG_S
                except FileNotFoundError:
                    continue  # released meanwhile
                if young:
                    raise RunFolderInUse(f"{folder} is being locked by another training process "
                                         f"right now; choose another --out") from None
                print(f"[rim_tf] removing an unreadable lock file {path}", file=sys.stderr, flush=True)
            elif _alive(holder):
                other_host = holder.get("host") != socket.gethostname()
                raise RunFolderInUse(
                    f"{folder} is in use by another training process ({_describe(holder)}); wait for "
                    f"it to end or choose another --out"
                    + (f" (if no run is live on that host, remove {path})" if other_host else "")) from None
            else:
                print(f"[rim_tf] removing the stale lock of a training process that has ended "
                      f"({_describe(holder)})", file=sys.stderr, flush=True)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            continue
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(me))
        break
    else:
        raise RunFolderInUse(f"could not take the lock {path}; another process keeps taking it")
    try:
        yield path
    finally:
        if _holder(path) == me:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
