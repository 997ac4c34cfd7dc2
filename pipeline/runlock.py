"""One ingest run per database at a time.

An exclusive ``flock`` on ``<database>.lock`` is held for the whole run. The kernel drops it when
the process dies, even by ``kill -9``, so a crash never leaves a stale lock behind. The file
holds the holder's pid and start time, for the message the second run prints.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from pipeline.errors import NewsmonError


class RunInProgress(NewsmonError):
    """Another run holds the database."""


def lock_path(db_path: Path) -> Path:
    return Path(str(db_path) + ".lock")


@contextlib.contextmanager
def run_lock(db_path: Path, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the run lock for ``db_path``; wait up to ``wait_s`` for another run to finish."""
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_s
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
                    raise RunInProgress(f"another newsmon run is using {db_path} ({holder}); "
                                        "this run did nothing. Try again when it has finished.") from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing drops the lock
