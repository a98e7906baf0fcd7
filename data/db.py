"""The process's DuckDB connection over the lake: one connection, a cursor per thread."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

from data.lake import Lake


class LakeUnavailable(RuntimeError):
    """The lake has no data yet or cannot be read."""


def _sql_path(path: str) -> str:
    # A configured path (never user input) becomes a string literal.
    return "'" + path.replace("'", "''") + "'"


@dataclass
class Db:
    """Read access to one lake. `cursor()` gives the calling thread its own cursor."""

    lake: Lake
    threads: int = 2
    memory_limit: str = "1GB"

    def __post_init__(self):
        self._con = duckdb.connect(
            ":memory:",
            config={"threads": self.threads, "memory_limit": self.memory_limit, "enable_external_access": True},
        )
        self._local = threading.local()
        self._lock = threading.Lock()

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

    def sources(self) -> dict[str, str]:
        """Returns the FROM-clause text of each lake table; LakeUnavailable when there is no lake."""
        if not self.lake.exists():
            raise LakeUnavailable(f"no lake at {self.lake.root}")
        clicks = (
            f"read_parquet({_sql_path(self.lake.clicks_glob)}, hive_partitioning=true, hive_types={{'month': VARCHAR}})"
            if any(Path(self.lake.clicks_dir).glob("month=*/*.parquet"))
            else "(SELECT NULL::VARCHAR AS message_id, NULL::TIMESTAMPTZ AS clicked_at, NULL::VARCHAR AS user_agent, NULL::BOOLEAN AS is_bot, NULL::VARCHAR AS month WHERE false)"
        )
        return {
            "messages": f"read_parquet({_sql_path(self.lake.messages_glob)}, hive_partitioning=true, hive_types={{'month': VARCHAR}})",
            "clicks": clicks,
            "dispatches": f"read_parquet({_sql_path(str(self.lake.dispatches_file))})",
        }

    def close(self) -> None:
        self._con.close()
