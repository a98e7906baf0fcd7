"""Writes that survive a crash: what the lake, the spool, the store and the access log's copy share."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(path: Path) -> None:
    """Makes the names in folder `path` durable (a file created or renamed there survives a power cut)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_synced(fd: int, data: bytes) -> None:
    """Writes all of `data` at the file's position (however many writes it takes), then fsyncs the file."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)
