"""The process's DuckDB connection over the lake: one connection, a cursor per thread."""

from __future__ import annotations

import fcntl
import json
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import duckdb

from data.lake import Lake
from data.rollups import (
    EMPTY_INBOUND,
    NAMES,
    RollupStatus,
    read_state,
    rollup_glob,
    rollup_sql,
    rollup_status,
    sql_literal,
)

_MISSING = object()
RECHECK_S = 1.0  # how often a process looks again at the lake's files (sizes, times) and the shared verdicts
DAMAGE_FILE = ".lake-damage.json"  # beside the lake: files a process found unreadable, for every process to see
REMEMBERED = 256  # answers `Db.remember` keeps (transactional details are the largest: tens of kB each)
T = TypeVar("T")


class LakeUnavailable(RuntimeError):
    """The lake has no data yet or cannot be read."""


class MonthsUnreadable(LakeUnavailable):
    """An answer needs months whose files cannot be read (`months`: month -> why); leaving them out would
    make it incomplete without saying so (a download), so it is not given."""

    def __init__(self, months: dict[str, str]):
        self.months = dict(sorted(months.items()))
        listed = ", ".join(f"{m} ({why})" for m, why in self.months.items())
        super().__init__(f"needs month(s) that cannot be read: {listed}; the answer would be incomplete")


# A lake file named in a reader's error ("Failed to read file "/…/month=2026-10/part-0000.parquet": …).
_FAILED_FILE = re.compile(r"""(/[^"'\s]*/month=[0-9]{4}-[0-9]{2}/[^"'\s/]+\.parquet)""")


@dataclass
class Db:
    """Read access to one lake. `cursor()` gives the calling thread its own cursor.

    Queries name relations through `sources()`: the raw tables, and each rollup
    either from its Parquet files (when they match the lake) or, when they are
    missing or stale, from its defining SQL over the raw messages (slower, same
    numbers). `use_rollups=False` forces the latter (the benchmark's baseline).
    """

    lake: Lake
    tz: str  # the reporting time zone (`Config.timezone`): local days of the rollups and the queries
    threads: int = 2
    memory_limit: str = "1GB"
    use_rollups: bool = True
    _status: tuple[str | None, RollupStatus] | None = field(default=None, init=False, repr=False)
    _sources: tuple[str | None, dict[str, str]] | None = field(default=None, init=False, repr=False)

    def __post_init__(self):
        self._open()

    def _open(self) -> None:
        self._pid = os.getpid()
        # A query bigger than memory_limit spills to disk: into the data directory, never the working directory.
        self._con = duckdb.connect(
            ":memory:",
            config={
                "threads": self.threads,
                "memory_limit": self.memory_limit,
                "temp_directory": str(self.lake.root.parent / ".duckdb-tmp"),
            },
        )
        self._con.execute("SET parquet_metadata_cache = true")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._generation = 0
        self._sources = None
        self._checked: dict[tuple, str | None] = {}
        self._message_files: list[str] = []
        self._unreadable: dict[str, str] = {}
        self._remembered: OrderedDict[tuple, object] = OrderedDict()
        self._built = 0
        self._fingerprint: tuple | None = None  # the lake's files (and shared verdicts) the sources were built on
        self._looked_at = 0.0

    def _check_fork(self) -> None:
        # A DuckDB connection must not be shared across fork(): a forked child (a gunicorn
        # worker of a preloaded app) opens its own and forgets the parent's cursors and tables.
        if self._pid != os.getpid():
            self._open()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """Returns this thread's cursor, creating it on first use."""
        self._check_fork()
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            with self._lock:
                cur = self._con.cursor()
            self._local.cursor = cur
        return cur

    def new_cursor(self) -> duckdb.DuckDBPyConnection:
        """Returns a fresh cursor (for a long stream that must not share the thread's)."""
        self._check_fork()
        with self._lock:
            return self._con.cursor()

    def rollup_status(self) -> RollupStatus:
        """Returns whether the rollups match the lake (checked again whenever the lake's version, or one of its
        files in place, changes: the same answer in every process for the same files)."""
        snapshot = (self.lake.snapshot(), self._fingerprint)
        cached = self._status
        if cached is None or cached[0] != snapshot or snapshot[0] is None:
            cached = (snapshot, rollup_status(self.lake, tz=self.tz))
            self._status = cached
        return cached[1]

    def sources(self) -> dict[str, str]:
        """Returns the FROM-clause text of each lake table and rollup; LakeUnavailable when there is no lake.

        They are built again for a new lake version, and also when a file of the current one changed in place
        (truncated, damaged, repaired) or another process found one unreadable: every process looks at the
        files every RECHECK_S, so all reach the same verdict on the same files, and a repair is seen at once."""
        self._check_fork()
        snapshot = self.lake.snapshot()
        cached = self._sources
        if cached is not None and snapshot is not None and cached[0] == snapshot and self._files_unchanged():
            return cached[1]
        with self._lock:
            fresh = self._sources
            if fresh is not None and fresh is not cached and snapshot is not None and fresh[0] == snapshot:
                return fresh[1]  # another thread built them meanwhile
            src = self._build_sources()
            self._sources = (snapshot, src)
            self._built += 1
        return src

    def remember(self, key: Hashable, compute: Callable[[], T], *, fresh: bool = False) -> T:
        """Returns `compute()`, remembered under `key` for this lake version (the REMEMBERED most
        recently used answers are kept: small ones every page asks again, such as the first day with
        data); with `fresh` it is computed again and the new answer remembered. Always computed when
        the lake has no versions (nothing tells when its data changed)."""
        snapshot = self.lake.snapshot()
        if snapshot is None:
            return compute()
        self.sources()  # a month found unreadable since changes the answers: _built changes too
        full = (snapshot, self._built, key)
        with self._lock:
            found = _MISSING if fresh else self._remembered.get(full, _MISSING)
            if found is not _MISSING:
                self._remembered.move_to_end(full)
                return found
        found = compute()
        with self._lock:
            self._remembered[full] = found
            while len(self._remembered) > REMEMBERED:
                self._remembered.popitem(last=False)
        return found

    def reads_rollups(self) -> bool:
        """Returns whether answers come from the rollups' tables (False: from their SQL over the raw messages)."""
        return not self.sources()["dispatch_daily"].startswith("(")

    def _files_unchanged(self) -> bool:
        """Tells whether the lake's files and the shared verdicts are as the sources were built on (looked at
        every RECHECK_S; in between, assumed so)."""
        now = time.monotonic()
        if now - self._looked_at < RECHECK_S:
            return True
        self._looked_at = now
        return self._fingerprint == self._lake_fingerprint()

    def _lake_fingerprint(self) -> tuple:
        """Returns what the verdicts depend on: each messages and clicks file (path, inode, size, time) and the
        shared verdicts file's state."""
        found = []
        for path in sorted(self.lake.messages_dir.glob("month=*/*.parquet")) + sorted(
            self.lake.clicks_dir.glob("month=*/*.parquet")
        ):
            try:
                st = path.stat()
            except OSError:
                continue
            found.append((str(path), st.st_ino, st.st_size, st.st_mtime_ns))
        try:
            st = self._damage_file.stat()
            found.append((DAMAGE_FILE, st.st_ino, st.st_size, st.st_mtime_ns))
        except OSError:
            pass
        return tuple(found)

    @property
    def _damage_file(self) -> Path:
        return self.lake.root.parent / DAMAGE_FILE

    def _share_damage(self, key: tuple, error: str) -> None:
        """Adds a file found unreadable to the verdicts every process reads (written whole, under a lock)."""
        try:
            with open(self._damage_file.with_name(DAMAGE_FILE + ".lock"), "a+") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                known = self._shared_damage()
                known[key[0]] = [*key[1:], error[:500]]
                tmp = self._damage_file.with_name(f".{DAMAGE_FILE}.{os.getpid()}.tmp")
                tmp.write_text(json.dumps(known), encoding="utf-8")
                os.replace(tmp, self._damage_file)
        except OSError:  # a read-only data directory: this process knows it, the others find it themselves
            pass

    def _shared_damage(self) -> dict[str, list]:
        try:
            found = json.loads(self._damage_file.read_text(encoding="utf-8"))
            return found if isinstance(found, dict) else {}
        except (OSError, ValueError):
            return {}

    def require_months(self, months) -> None:
        """Raises MonthsUnreadable when any of `months` ("YYYY-MM") is left out of the answers (its file cannot
        be read, or it is gone): for an answer that must not be given without it (a download)."""
        needed = {m: why for m, why in self.unreadable().items() if m in set(months)}
        if needed:
            raise MonthsUnreadable(needed)

    def unreadable(self) -> dict[str, str]:
        """Returns the months left out of every answer, each with why: a messages or clicks file
        that cannot be read, or a month the rollups were built from that is gone from the lake."""
        self.sources()
        return dict(self._unreadable)

    def note_failure(self, exc: BaseException) -> bool:
        """Remembers a lake file that `exc` (a failed query) names as unreadable, so every later answer
        leaves its month out; returns True when there was one (the query is worth running again)."""
        match = _FAILED_FILE.search(str(exc))
        if match is None:
            return self._read_every_file(exc)
        path = match.group(1)
        if not path.startswith((str(self.lake.messages_dir), str(self.lake.clicks_dir))):
            return False
        try:
            st = os.stat(path)
        except OSError:
            return False
        key = (path, st.st_ino, st.st_size, st.st_mtime_ns)
        with self._lock:
            if self._checked.get(key) is not None:
                return False  # known already: running again would not help
            self._checked[key] = f"{type(exc).__name__}: {exc}"
            self._sources = None
        self._share_damage(key, self._checked[key])
        return True

    def _read_every_file(self, exc: BaseException) -> bool:
        # The reader said the data is corrupt without naming the file: decode every file whole, once
        # per lake version (a scan of the lake, for a fault that should not happen twice).
        if not isinstance(exc, duckdb.Error) or isinstance(
            exc, (duckdb.OutOfMemoryException, duckdb.InterruptException)
        ):
            return False
        seen = (self.lake.snapshot(), self._fingerprint)  # once per lake version and state of its files
        if getattr(self, "_deep_checked", object()) == seen:
            return False
        self._deep_checked = seen
        import pyarrow.parquet as pq

        found = False
        for path in sorted(self.lake.messages_dir.glob("month=*/*.parquet")) + sorted(
            self.lake.clicks_dir.glob("month=*/*.parquet")
        ):
            try:
                st = path.stat()
                key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
                with pq.ParquetFile(path) as reader:
                    for batch in reader.iter_batches(batch_size=65_536):
                        del batch
            except Exception as error:  # noqa: BLE001 - this file is the unreadable one
                with self._lock:
                    self._checked[key] = f"{type(error).__name__}: {error}"
                    self._sources = None
                self._share_damage(key, self._checked[key])
                found = True
        return found

    def message_files(self) -> list[str]:
        """Returns the messages files every answer reads (those of `unreadable()` months left out)."""
        self.sources()
        return list(self._message_files)

    def _files(self, folder, glob: str, hive: str, bad: dict[str, str]) -> str | None:
        # Every partition's files are checked once (their Parquet footer, by pyarrow); a month
        # with an unreadable file is left out, so the rest of the lake can still be answered.
        found = sorted(folder.glob("month=*/*.parquet"))
        good = []
        for path in found:
            try:
                st = path.stat()
                key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
                error = self._checked.get(key, "?")
                if error == "?":
                    error = _footer_error(path)
                    self._checked[key] = error
            except OSError as exc:
                error = f"{type(exc).__name__}: {exc.strerror or exc}"
            if error is None:
                good.append(path)
            else:
                bad.setdefault(path.parent.name.removeprefix("month="), error)
        if folder == self.lake.messages_dir:
            self._message_files = [str(p) for p in good]
        if not good:
            return None
        if len(good) == len(found):
            return f"read_parquet({sql_literal(glob)}, {hive})"
        return "read_parquet([" + ", ".join(sql_literal(str(p)) for p in good) + f"], {hive})"

    def _build_sources(self) -> dict[str, str]:
        self._fingerprint, self._looked_at = self._lake_fingerprint(), time.monotonic()
        for path, known in self._shared_damage().items():  # what other processes found, for files as they are now
            if isinstance(known, list) and len(known) == 4:
                self._checked[(path, *known[:3])] = str(known[3])
        if not self.lake.exists():
            raise LakeUnavailable(f"no lake at {self.lake.root}")
        hive = "hive_partitioning=true, hive_types={'month': VARCHAR}"
        bad: dict[str, str] = {}
        messages = self._files(self.lake.messages_dir, self.lake.messages_glob, hive, bad)
        if messages is None:
            raise LakeUnavailable(
                f"no readable messages file in {self.lake.messages_dir}: "
                + "; ".join(f"{m}: {e}" for m, e in sorted(bad.items()))
            )
        clicks = self._files(self.lake.clicks_dir, self.lake.clicks_glob, hive, bad)
        present = {p.name.removeprefix("month=") for p in self.lake.month_dirs() if any(p.glob("*.parquet"))}
        for month in sorted(set((read_state(self.lake) or {}).get("months", {})) - present):
            bad.setdefault(month, "missing")
        self._unreadable = dict(sorted(bad.items()))
        src = {
            "messages": messages,
            "dispatches": f"read_parquet({sql_literal(str(self.lake.dispatches_file))})",
        }
        if clicks is not None:
            src["clicks"] = clicks
        else:
            src["clicks"] = (
                "(SELECT NULL::VARCHAR AS message_id, NULL::TIMESTAMPTZ AS clicked_at, NULL::VARCHAR AS user_agent,"
                " NULL::BOOLEAN AS is_bot, NULL::VARCHAR AS month WHERE false)"
            )
        src["inbound"] = (
            f"read_parquet({sql_literal(self.lake.inbound_glob)}, {hive})"
            if any(self.lake.inbound_dir.glob("month=*/*.parquet"))
            else EMPTY_INBOUND
        )
        fresh = self.use_rollups and self.rollup_status().fresh
        if fresh:
            src.update(self._load_rollups(src, hive))
        else:
            for name in NAMES:
                defined = rollup_sql(
                    name, messages=src["messages"], clicks=src["clicks"], tz=self.tz, inbound=src["inbound"]
                )
                src[name] = "(" + defined + ")"
        return src

    def _load_rollups(self, src: dict[str, str], hive: str) -> dict[str, str]:
        # Rollups are small (rows grow with dispatches x days, not with messages): each
        # lake version's are loaded once into tables of this process's in-memory database,
        # shared by every cursor, so a dashboard query reads no files at all. The
        # previous generation is dropped one version later, when no query can still use it.
        self._generation += 1
        gen = self._generation
        names = {}
        for name in NAMES:
            table = f"{name}_g{gen}"
            if any(self.lake.rollups_dir.glob(f"{name}/month=*/*.parquet")):
                self._con.execute(
                    f"CREATE TABLE {table} AS SELECT * FROM read_parquet("
                    f"{sql_literal(rollup_glob(self.lake, name))}, {hive}) ORDER BY month"
                )
            else:
                defined = rollup_sql(name, messages=src["messages"], clicks=src["clicks"], tz=self.tz)
                self._con.execute(f"CREATE TABLE {table} AS SELECT * FROM ({defined}) WHERE false")
            names[name] = table
        # The dispatches table is as small (one row per dispatch) and joined by most page queries.
        self._con.execute(f"CREATE TABLE dispatches_g{gen} AS SELECT * FROM {src['dispatches']}")
        names["dispatches"] = f"dispatches_g{gen}"
        if gen > 2:
            for name in (*NAMES, "dispatches"):
                self._con.execute(f"DROP TABLE IF EXISTS {name}_g{gen - 2}")
        return names

    def close(self) -> None:
        self._con.close()


def _footer_error(path) -> str | None:
    """Returns why the Parquet file at `path` cannot be read (its footer), or None when it can."""
    import pyarrow.parquet as pq

    try:
        pq.read_metadata(path)
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means the file is unreadable
        return f"{type(exc).__name__}: {exc}"
