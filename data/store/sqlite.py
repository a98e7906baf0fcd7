"""The data directory's SQLite file, `store.sqlite`, and how every store module talks to it.

One file holds the tables of every store (campaigns, users and log-in failures, the
access audit). It runs in WAL mode (readers never wait for the writer); its files are
readable by their owner only (it holds password hashes); every change is one
`BEGIN IMMEDIATE` transaction, so writers in several processes queue instead of failing.

`PRAGMA user_version` is the schema version. Each store module registers the
migrations of its own tables under the version they were made at (1: campaigns; 2:
users, log-in failures and the access audit; 3: sessions; 4: the access audit's hash
chain; 5: scheduled e-mail reports; 6: the provider hooks; 7: saved views; 8: a
schedule's view); a new table or column takes the next number. A step is an SQL script, or a function given
the connection (for what SQL alone cannot do, such as hashing the rows already there).
"""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from data.durable import fsync_dir

STORE_FILE = "store.sqlite"
LEGACY_FILE = "campaigns.sqlite"  # the store's name before it held users and the access audit too
BUSY = "campaign.error.busy"
READ_ONLY = "campaign.error.read_only"

Step = str | Callable[[sqlite3.Connection], None]
_MIGRATIONS: dict[int, dict[str, Step]] = {}  # version -> {owning module: SQL script or function}


class StoreError(ValueError):
    """A change the store cannot make; `key` names the i18n message, `values` fill it."""

    def __init__(self, key: str, **values: object):
        super().__init__(f"{key}: {values}")
        self.key = key
        self.values = values


def register_migrations(owner: str, migrations: Mapping[int, Step]) -> None:
    """Adds a store module's migrations (schema version -> SQL script of its tables, or a function of the
    connection) to the schema."""
    for version, script in migrations.items():
        _MIGRATIONS.setdefault(int(version), {})[owner] = script


def migrations() -> dict[int, list[Step]]:
    """Returns every registered migration: schema version -> its steps (by owning module).

    A version missing between 1 and the newest is an error: a store module was not imported
    (data/store/__init__.py imports them all), and skipping its step would leave its tables out."""
    missing = sorted(set(range(1, max(_MIGRATIONS, default=0) + 1)) - set(_MIGRATIONS))
    if missing:
        raise RuntimeError(f"store schema: no migration registered for version(s) {missing}")
    return {v: [_MIGRATIONS[v][owner] for owner in sorted(_MIGRATIONS[v])] for v in sorted(_MIGRATIONS)}


def store_path(data_dir: Path) -> Path:
    """Returns the path of the data directory's store, `<data_dir>/store.sqlite`.

    A store left under its old name (campaigns.sqlite) is moved there first, once, whole;
    when the data directory cannot be written the old file is returned to be read in place."""
    data_dir = Path(data_dir)
    path, legacy = data_dir / STORE_FILE, data_dir / LEGACY_FILE
    if path.exists() or not legacy.exists():
        return path
    try:
        _move_legacy(legacy, path)
    except (OSError, sqlite3.OperationalError) as exc:
        if isinstance(exc, OSError):
            read_only = exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
        else:
            read_only = "readonly" in str(exc)
        if read_only and not path.exists():
            return legacy  # nothing can be written here: the old file is read where it is
        raise
    return path


def _move_legacy(legacy: Path, path: Path) -> None:
    """Copies the old-named store (its WAL included) to `path` and removes the old files.

    Processes starting together take turns on a lock file; whoever comes second finds the
    new file and leaves. The copy is made under the old file's write lock with SQLite's
    backup API into a private file, which becomes `path` in one rename: `path` never
    exists half-written, and no process opens an empty new store beside the old one."""
    lock = path.with_name(f".{path.name}.lock")
    with open(lock, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            if not path.exists() and legacy.exists():
                _copy_legacy(legacy, path)
        finally:
            if path.exists():
                # Safe to drop even while others wait on it: whoever takes it from now on finds `path` and leaves.
                lock.unlink(missing_ok=True)
            fcntl.flock(fh, fcntl.LOCK_UN)


def _copy_legacy(legacy: Path, path: Path) -> None:
    uri = legacy.resolve().as_uri()  # mode=rw and mode=ro: never create the old file where it is gone
    partial = path.with_name(f".{path.name}.partial")
    for stale in (partial, partial.with_name(partial.name + "-journal")):  # left by a copy that was killed
        stale.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    held = sqlite3.connect(f"{uri}?mode=rw", uri=True, timeout=30.0, isolation_level=None)
    try:
        # The write lock: a writer of the old version finishes first, none starts until the copy is made.
        # The copy reads through a second connection (SQLite refuses to back up through the writing one).
        held.execute("BEGIN IMMEDIATE")
        src = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30.0)
        dst = sqlite3.connect(partial, isolation_level=None)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        os.replace(partial, path)
        fsync_dir(path.parent)
    finally:
        held.close()
    for name in (legacy.name, legacy.name + "-wal", legacy.name + "-shm"):
        legacy.with_name(name).unlink(missing_ok=True)
    fsync_dir(path.parent)


def _statements(script: str) -> Iterator[str]:
    """Yields the complete SQL statements of `script` (a trigger's body keeps its own semicolons)."""
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n;"):
                yield buffer.strip()
            buffer = ""


def _busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc).lower() or "busy" in str(exc).lower()


class Database:
    """The store file at `path` (created owner-only and migrated on first use); write errors that
    mean something to users (busy, read-only, full disk) are raised as `error(BUSY or READ_ONLY)`."""

    def __init__(self, path: Path, *, timeout_s: float = 30.0, error: type[StoreError] = StoreError):
        self.path = Path(path)
        self.timeout_s = timeout_s
        self.error = error
        self.retries = 0  # how often a write found the database busy and tried again
        self._owner_only()
        self._migrate()

    def _owner_only(self) -> None:
        """The store holds password hashes and the audit log: its files are readable by their owner only.

        A new store is created 0600 (SQLite gives its -wal and -shm files the same mode);
        one made before this rule loses its group and other bits when its owner opens it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            return
        except FileExistsError:
            pass
        for file in (
            self.path,
            self.path.with_name(self.path.name + "-wal"),
            self.path.with_name(self.path.name + "-shm"),
        ):
            try:
                mode = stat.S_IMODE(file.stat().st_mode)
                if mode & 0o077:
                    file.chmod(mode & 0o700)  # the owner's own bits stay (a store made read-only stays so)
            except OSError:  # not there, or not ours (a read-only store still opens)
                pass

    def connect(self) -> sqlite3.Connection:
        """Returns a new connection (WAL, foreign keys on, rows as sqlite3.Row); the caller closes it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        # WAL is a property of the file: set it once. Setting it can fail at once with "locked" while
        # another process creates the database (gunicorn workers starting together) instead of waiting.
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    con.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                    con.close()
                    raise
                time.sleep(0.02)
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("PRAGMA synchronous = NORMAL")
        con.row_factory = sqlite3.Row
        return con

    def rows(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        """Returns the rows of one query (a connection of its own, closed after)."""
        con = self.connect()
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; retried while another process holds the write lock."""
        con = self.connect()
        try:
            deadline = time.monotonic() + self.timeout_s
            while True:
                try:
                    con.execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.OperationalError as exc:
                    if not _busy(exc):
                        raise self.write_error(exc) from exc
                    if time.monotonic() > deadline:
                        raise self.error(BUSY) from exc
                    self.retries += 1
                    time.sleep(0.01)
            try:
                yield con
                con.execute("COMMIT")
            except BaseException as exc:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                if isinstance(exc, sqlite3.OperationalError):
                    raise self.write_error(exc) from exc
                raise
        finally:
            con.close()

    def write_error(self, exc: sqlite3.OperationalError) -> Exception:
        """Returns the error a failed write means to users (busy, read-only, full disk), else `exc`."""
        text = str(exc).lower()
        if _busy(exc):
            return self.error(BUSY)
        if "readonly" in text or "read-only" in text or "disk is full" in text or "disk i/o" in text:
            return self.error(READ_ONLY)
        return exc

    def _migrate(self) -> None:
        steps = migrations()
        if self.schema_version() >= max(
            steps, default=0
        ):  # nothing to do: no write lock (a read-only store still reads)
            return
        with self.write() as con:
            version = con.execute("PRAGMA user_version").fetchone()[0]
            for target in (v for v in steps if v > version):
                for script in steps[target]:
                    if callable(script):
                        script(con)
                        continue
                    for statement in _statements(script):
                        con.execute(statement)
                con.execute(f"PRAGMA user_version = {int(target)}")

    def schema_version(self) -> int:
        """Returns the database's schema version."""
        return self.rows("PRAGMA user_version")[0][0]
