"""`ingest --follow`: tails a gateway's growing receipt log into the spool, surviving rotation and truncation.

Complete lines (up to the last newline) are appended to the spool as one entry each read (`data.spool`,
fsync'd; provider "smpp-dlr", the gateway's provider name in its content type); only then is the new offset
written (`<data dir>/spool/follow/<hash of the path>.json`: the file's device and inode, and the offset), so
a follower killed between the two sends those lines again, which the merge rules make harmless. Rotation
(the path names a new file): the old file is read to its end first, then the new one from its start.
Truncation (the file is shorter than the offset, or its first bytes are not those read before: truncated
and written again meanwhile): read again from the start. The compactor takes the lines on like any callback.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from data.lake import write_text_atomic
from data.spool import Entry, Spool, now_iso, spool_dir

CHUNK = 1024 * 1024  # at most this much of the log per spool entry
HEAD_BYTES = 512


@dataclass
class Position:
    """Where the follower is: which file (device, inode) and how far into it."""

    dev: int = -1
    ino: int = -1
    offset: int = 0
    head: str = ""  # SHA-256 of the file's first HEAD_BYTES (or fewer) bytes read: a rewritten file differs
    head_len: int = 0


def state_file(data_dir: Path, log: Path) -> Path:
    """Returns where the follower of `log` keeps its position."""
    key = hashlib.sha256(str(Path(log).resolve()).encode()).hexdigest()[:24]
    return spool_dir(data_dir) / "follow" / f"{key}.json"


def read_position(path: Path) -> Position:
    """Returns the remembered position (the start when none is)."""
    try:
        return Position(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return Position()


class Follower:
    """Follows one log file into the spool of `data_dir`."""

    def __init__(self, data_dir: Path, log: Path, provider: str | None = None):
        self.log = Path(log)
        self.spool = Spool(data_dir)
        self.state = state_file(data_dir, self.log)
        self.state.parent.mkdir(parents=True, exist_ok=True)
        self.position = read_position(self.state)
        self.content_type = "text/plain" + (f"; provider={provider}" if provider else "")
        self._fh = None

    def step(self) -> int:
        """Reads what was added since the last step; returns the bytes taken into the spool."""
        taken = 0
        try:
            st = os.stat(self.log)
        except FileNotFoundError:
            st = None  # rotated away and not yet created again: finish the open file
        if self._fh is not None and (st is None or (st.st_dev, st.st_ino) != (self.position.dev, self.position.ino)):
            taken += self._drain()  # rotated: the old file's last lines first
            if st is None:
                return taken
        if st is None:
            return taken
        if (st.st_dev, st.st_ino) != (self.position.dev, self.position.ino):
            self._close()
            self.position = Position(st.st_dev, st.st_ino, 0)
        if self._fh is None:
            self._fh = open(self.log, "rb")  # noqa: SIM115 - kept open across steps (rotation)
            if (os.fstat(self._fh.fileno()).st_dev, os.fstat(self._fh.fileno()).st_ino) != (st.st_dev, st.st_ino):
                self._close()  # replaced between stat and open: next step
                return taken
        if self._rewritten():
            self.position.offset, self.position.head, self.position.head_len = 0, "", 0
        return taken + self._drain()

    def _rewritten(self) -> bool:
        """True when the file was truncated (copytruncate) since it was read, even if it has grown again."""
        if os.fstat(self._fh.fileno()).st_size < self.position.offset:
            return True
        if not self.position.head_len:
            return False
        self._fh.seek(0)
        return hashlib.sha256(self._fh.read(self.position.head_len)).hexdigest() != self.position.head

    def _drain(self) -> int:
        taken = 0
        while True:
            self._fh.seek(self.position.offset)
            data = self._fh.read(CHUNK)
            end = data.rfind(b"\n") + 1
            if end == 0:
                if len(data) == CHUNK:  # one line longer than a chunk: take it whole rather than stall
                    end = len(data)
                else:
                    return taken
            self.spool.append(Entry(now_iso(), "smpp-dlr", data[:end], self.content_type))
            self.position.offset += end
            if self.position.head_len < HEAD_BYTES:
                self._fh.seek(0)
                first = self._fh.read(min(self.position.offset, HEAD_BYTES))
                self.position.head, self.position.head_len = hashlib.sha256(first).hexdigest(), len(first)
            write_text_atomic(self.state, json.dumps(self.position.__dict__))
            taken += end

    def _close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def close(self) -> None:
        """Closes the followed file (the position stays remembered)."""
        self._close()


def follow(
    data_dir: Path,
    log: Path,
    *,
    provider: str | None = None,
    every: float = 0.5,
    until: Callable[[], bool] = lambda: False,
) -> None:
    """Follows `log` into the spool until `until()` says stop (checked between reads, every `every` seconds)."""
    follower = Follower(data_dir, log, provider)
    try:
        while not until():
            follower.step()
            time.sleep(every)
    finally:
        follower.close()
