"""The spool: provider callbacks kept on disk between their acknowledgement and the compactor.

`<data dir>/spool/` holds append-only segment files of JSON lines, one callback a line
(`{"at": received, UTC; "provider"; "type": content type; "body" or "body_b64": the raw
body}`). Each process appends to its own open segment (`*.open`); `Spool.append` returns
only after the line is written and fsync'd (callbacks arriving together share one fsync:
group commit), so an acknowledged callback survives a crash of the process or the machine.

The compactor seals the open segments (`seal`: under the segment's lock, a rename to
`*.ready`; a writer that finds its segment renamed starts a new one), reads the sealed
ones, and removes them only after their callbacks are in a published lake version. A
line cut short by a crash was never acknowledged; reading skips it. Callbacks whose import
raised an error even alone are written to a segment in `spool/failed/` (`set_aside`), which
`requeue_failed` puts back after a fix.
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import json
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from data.durable import fsync_dir, write_synced

SPOOL_DIR = "spool"
FAILED_DIR = "failed"  # callbacks whose import raised an error even alone (data.compactor), kept as segments
OPEN, READY = ".open", ".ready"
SEGMENT_BYTES = 16 * 1024 * 1024  # a process starts a new segment past this size


class SpoolUnavailable(OSError):
    """A callback could not be made durable (disk full, read-only, permissions): it was not acknowledged."""


@dataclass(frozen=True)
class Entry:
    """One spooled callback."""

    at: str  # when it was received (ISO 8601, UTC, microseconds)
    provider: str
    body: bytes
    content_type: str = ""


def spool_dir(data_dir: Path) -> Path:
    """Returns the spool folder of a data directory."""
    return Path(data_dir) / SPOOL_DIR


def encode(entry: Entry) -> bytes:
    """Returns the spool line of an entry (JSON, one line, newline-terminated)."""
    record = {"at": entry.at, "provider": entry.provider, "type": entry.content_type}
    try:
        record["body"] = entry.body.decode("utf-8")
    except UnicodeDecodeError:
        record["body_b64"] = base64.b64encode(entry.body).decode("ascii")
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def decode(line: bytes) -> Entry:
    """Returns the entry of a spool line (ValueError when it is damaged)."""
    record = json.loads(line)
    if "body_b64" in record:
        body = base64.b64decode(record["body_b64"], validate=True)
    else:
        body = record["body"].encode("utf-8")
    return Entry(str(record["at"]), str(record["provider"]), body, str(record.get("type") or ""))


def now_iso() -> str:
    """Returns the current time as the spool writes it."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


class Spool:
    """The spool of one data directory, as one process writes and reads it (thread-safe)."""

    def __init__(self, data_dir: Path):
        self.dir = spool_dir(data_dir)
        self._cond = threading.Condition()
        self._pending: list[tuple[int, bytes]] = []
        self._next = 0  # sequence number of the next line handed in
        self._done = -1  # every line up to this one has been flushed (or failed)
        self._failed: dict[int, OSError] = {}
        self._flushing = False
        self._fd: int | None = None
        self._path: Path | None = None
        self._pid = os.getpid()

    # ------------------------------------------------------------------ writing

    def append(self, entry: Entry) -> None:
        """Appends one callback; returns once it is on disk (SpoolUnavailable when it could not be stored)."""
        line = encode(entry)
        with self._cond:
            seq = self._next
            self._next += 1
            self._pending.append((seq, line))
            while True:
                if self._done >= seq:
                    error = self._failed.pop(seq, None)
                    if error is not None:
                        raise SpoolUnavailable(str(error)) from error
                    return
                if not self._flushing:
                    self._flushing = True
                    batch, self._pending = self._pending, []
                    break
                self._cond.wait()
        error = None
        try:
            self._write(b"".join(line for _, line in batch))
        except OSError as exc:
            error = exc
        with self._cond:
            self._flushing = False
            self._done = batch[-1][0]
            if error is not None:
                for s, _ in batch:
                    if s != seq:
                        self._failed[s] = error
            self._cond.notify_all()
        if error is not None:
            raise SpoolUnavailable(str(error)) from error

    def _write(self, data: bytes) -> None:
        if os.getpid() != self._pid:  # a forked child never writes to its parent's segment
            self._fd, self._path, self._pid = None, None, os.getpid()
        for _attempt in range(3):
            fd = self._segment()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                if not self._still_mine(fd):  # sealed by the compactor meanwhile: a new segment
                    self._close()
                    continue
                size = os.fstat(fd).st_size
                try:
                    write_synced(fd, data)
                except OSError:
                    try:  # take the partial line back, so the next line starts clean
                        os.ftruncate(fd, size)
                    except OSError:
                        self._close()  # cannot: this segment takes no more lines
                    raise
                if size + len(data) > SEGMENT_BYTES:
                    self._seal_own(fd)
                return
            finally:
                if self._fd == fd:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        raise SpoolUnavailable("the spool segment kept being sealed")

    def _segment(self) -> int:
        if self._fd is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
            path = self.dir / f"{stamp}-{os.getpid()}-{uuid.uuid4().hex[:8]}{OPEN}"
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
            self._path = path
            fsync_dir(self.dir)  # the new file's name is durable before its first line is acknowledged
        return self._fd

    def _still_mine(self, fd: int) -> bool:
        try:
            return self._path is not None and os.stat(self._path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            return False

    def _seal_own(self, fd: int) -> None:
        assert self._path is not None
        os.replace(self._path, self._path.with_suffix(READY))
        fsync_dir(self.dir)
        fcntl.flock(fd, fcntl.LOCK_UN)
        self._close()

    def _close(self) -> None:
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
        self._fd, self._path = None, None

    def close(self) -> None:
        """Closes this process's open segment (it stays on disk for the compactor to seal)."""
        with self._cond:
            self._close()

    # ------------------------------------------------------------------ the compactor's side

    def seal(self) -> list[Path]:
        """Seals every open segment (each under its writer's lock); returns the sealed segments, oldest first."""
        if not self.dir.is_dir():
            return []
        for path in sorted(self.dir.glob(f"*{OPEN}")):
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    if os.stat(path).st_ino != os.fstat(fd).st_ino:
                        continue
                except FileNotFoundError:
                    continue
                if os.fstat(fd).st_size == 0:
                    path.unlink()
                else:
                    os.replace(path, path.with_suffix(READY))
            finally:
                os.close(fd)  # releases the lock
        fsync_dir(self.dir)
        return self.ready()

    def ready(self) -> list[Path]:
        """Returns the sealed segments, oldest first."""
        return sorted(self.dir.glob(f"*{READY}")) if self.dir.is_dir() else []

    def pending(self) -> int:
        """Returns how many segments (open or sealed) wait for the compactor."""
        return len(list(self.dir.glob("*.open"))) + len(self.ready()) if self.dir.is_dir() else 0

    def set_aside(self, entries: list[Entry]) -> Path:
        """Writes entries whose import failed to a segment in `spool/failed/` (fsync'd); returns its path."""
        folder = self.dir / FAILED_DIR
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        path = folder / f"{stamp}-{os.getpid()}-{uuid.uuid4().hex[:8]}{READY}"
        tmp = folder / f".{path.name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            write_synced(fd, b"".join(encode(e) for e in entries))
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_dir(folder)
        return path

    def failed(self) -> list[Path]:
        """Returns the segments set aside because their import failed, oldest first."""
        return sorted((self.dir / FAILED_DIR).glob(f"*{READY}"))

    def set_aside_count(self) -> int:
        """Returns how many callbacks wait in `spool/failed/` for a fix."""
        return sum(len(read_segment(p)[0]) for p in self.failed())

    def requeue_failed(self) -> int:
        """Moves the set-aside segments back into the spool (for the next compaction); returns how many."""
        moved = self.failed()
        for path in moved:
            os.replace(path, self.dir / path.name)
        if moved:
            fsync_dir(self.dir)
        return len(moved)

    def remove(self, segments: list[Path]) -> None:
        """Removes compacted segments."""
        for path in segments:
            path.unlink(missing_ok=True)
        if segments:
            fsync_dir(self.dir)


def read_segment(path: Path) -> tuple[list[Entry], list[tuple[int, bytes]]]:
    """Returns the entries of a segment and its damaged lines (line number, bytes).

    A last line without its newline was cut short by a crash before it was acknowledged: it is left out."""
    data = Path(path).read_bytes()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines:
        lines.pop()  # unfinished: never acknowledged
    entries, damaged = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entries.append(decode(line))
        except (ValueError, KeyError, TypeError):
            damaged.append((number, line))
    return entries, damaged


def entries(paths: list[Path]) -> Iterator[Entry]:
    """Yields the entries of segments in order."""
    for path in paths:
        yield from read_segment(path)[0]
