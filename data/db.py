"""The process's DuckDB connection over the lake: one connection, a cursor per thread."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import duckdb

from data.lake import Lake
from data.rollups import NAMES, RollupStatus, rollup_glob, rollup_sql, rollup_status, sql_literal


class LakeUnavailable(RuntimeError):
    """The lake has no data yet or cannot be read."""


@dataclass
class Db:
    """Read access to one lake. `cursor()` gives the calling thread its own cursor.

    Queries name relations through `sources()`: the raw tables, and each rollup
    either from its Parquet files (when they match the lake) or, when they are
    missing or stale, from its defining SQL over the raw messages (slower, same
    numbers). `use_rollups=False` forces the latter (the benchmark's baseline).
    """

    lake: Lake
    tz: str = "Europe/Warsaw"
    threads: int = 2
    memory_limit: str = "1GB"
    use_rollups: bool = True
    _status: tuple[str | None, RollupStatus] | None = field(default=None, init=False, repr=False)
    _sources: tuple[str | None, dict[str, str]] | None = field(default=None, init=False, repr=False)

    def __post_init__(self):
        self._con = duckdb.connect(":memory:", config={"threads": self.threads, "memory_limit": self.memory_limit})
        self._con.execute("SET parquet_metadata_cache = true")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._generation = 0

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """Returns this thread's cursor, creating it on first use."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            with self._lock:
                cur = self._con.cursor()
            self._local.cursor = cur
        return cur

    def new_cursor(self) -> duckdb.DuckDBPyConnection:
        """Returns a fresh cursor (for a long stream that must not share the thread's)."""
        with self._lock:
            return self._con.cursor()

    def rollup_status(self) -> RollupStatus:
        """Returns whether the rollups match the lake (checked again whenever the lake's version changes)."""
        snapshot = self.lake.snapshot()
        cached = self._status
        if cached is None or cached[0] != snapshot or snapshot is None:
            cached = (snapshot, rollup_status(self.lake, tz=self.tz))
            self._status = cached
        return cached[1]

    def sources(self) -> dict[str, str]:
        """Returns the FROM-clause text of each lake table and rollup; LakeUnavailable when there is no lake."""
        snapshot = self.lake.snapshot()
        cached = self._sources
        if cached is not None and snapshot is not None and cached[0] == snapshot:
            return cached[1]
        with self._lock:
            cached = self._sources
            if cached is not None and snapshot is not None and cached[0] == snapshot:
                return cached[1]
            src = self._build_sources()
            self._sources = (snapshot, src)
        return src

    def _build_sources(self) -> dict[str, str]:
        if not self.lake.exists():
            raise LakeUnavailable(f"no lake at {self.lake.root}")
        hive = "hive_partitioning=true, hive_types={'month': VARCHAR}"
        src = {
            "messages": f"read_parquet({sql_literal(self.lake.messages_glob)}, {hive})",
            "dispatches": f"read_parquet({sql_literal(str(self.lake.dispatches_file))})",
        }
        if any(self.lake.clicks_dir.glob("month=*/*.parquet")):
            src["clicks"] = f"read_parquet({sql_literal(self.lake.clicks_glob)}, {hive})"
        else:
            src["clicks"] = ("(SELECT NULL::VARCHAR AS message_id, NULL::TIMESTAMPTZ AS clicked_at, NULL::VARCHAR AS user_agent,"
                             " NULL::BOOLEAN AS is_bot, NULL::VARCHAR AS month WHERE false)")
        fresh = self.use_rollups and self.rollup_status().fresh
        if fresh:
            src.update(self._load_rollups(src, hive))
        else:
            for name in NAMES:
                src[name] = "(" + rollup_sql(name, messages=src["messages"], clicks=src["clicks"], tz=self.tz) + ")"
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
                self._con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet("
                                  f"{sql_literal(rollup_glob(self.lake, name))}, {hive}) ORDER BY month")
            else:
                defined = rollup_sql(name, messages=src["messages"], clicks=src["clicks"], tz=self.tz)
                self._con.execute(f"CREATE TABLE {table} AS SELECT * FROM ({defined}) WHERE false")
            names[name] = table
        if gen > 2:
            for name in NAMES:
                self._con.execute(f"DROP TABLE IF EXISTS {name}_g{gen - 2}")
        return names

    def close(self) -> None:
        self._con.close()
