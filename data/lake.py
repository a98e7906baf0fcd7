"""Where the lake's Parquet files live, and how they are written (atomically)."""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from data import schema

COMPRESSION = "zstd"
ROW_GROUP_ROWS = 128 * 1024


@dataclass(frozen=True)
class Lake:
    """Paths of one lake (the `lake/` folder of a data directory)."""

    root: Path

    @property
    def messages_dir(self) -> Path:
        return self.root / "messages"

    @property
    def clicks_dir(self) -> Path:
        return self.root / "clicks"

    @property
    def dispatches_file(self) -> Path:
        return self.root / "dispatches" / "dispatches.parquet"

    @property
    def messages_glob(self) -> str:
        return str(self.messages_dir / "month=*" / "*.parquet")

    @property
    def clicks_glob(self) -> str:
        return str(self.clicks_dir / "month=*" / "*.parquet")

    def exists(self) -> bool:
        """Returns True when the lake has dispatches and at least one message file."""
        return self.dispatches_file.exists() and any(self.messages_dir.glob("month=*/*.parquet"))

    def month_dirs(self) -> list[Path]:
        """Returns the messages partitions, oldest first."""
        return sorted(p for p in self.messages_dir.glob("month=*") if p.is_dir())


def write_parquet_atomic(table: pa.Table, path: Path) -> None:
    """Writes `table` to `path` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp, compression=COMPRESSION, row_group_size=ROW_GROUP_ROWS)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def month_keys(ts: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Returns 'YYYY-MM' (UTC) for each timestamp."""
    return pc.strftime(ts, format="%Y-%m")


def write_months(table: pa.Table, root: Path, ts_column: str, sort_keys: list[tuple[str, str]]) -> list[str]:
    """Replaces whole month partitions of `root` with the rows of `table`.

    Each month is sorted by `sort_keys` and written to a fresh folder that is then
    swapped in with renames, so a reader sees either the old month or the new one.
    Returns the months written.
    """
    if table.num_rows == 0:
        return []
    keys = month_keys(table[ts_column])
    months = sorted(set(keys.to_pylist()))
    root.mkdir(parents=True, exist_ok=True)
    for month in months:
        part = table.filter(pc.equal(keys, month)).sort_by(sort_keys)
        replace_partition(root / f"month={month}", {"part-0000.parquet": part})
    return months


def replace_partition(final: Path, files: dict[str, pa.Table]) -> None:
    """Writes `files` into a new folder and swaps it in place of `final`."""
    staging = final.parent / f".{final.name}.{uuid.uuid4().hex}.tmp"
    staging.mkdir(parents=True)
    try:
        for name, table in files.items():
            pq.write_table(table, staging / name, compression=COMPRESSION, row_group_size=ROW_GROUP_ROWS)
        old = None
        if final.exists():
            old = final.parent / f".{final.name}.{uuid.uuid4().hex}.old"
            os.replace(final, old)
        os.replace(staging, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_messages(lake: Lake, table: pa.Table) -> list[str]:
    """Writes message rows into their month partitions; returns the months written."""
    table = table.select(schema.MESSAGES.names).cast(schema.MESSAGES)
    return write_months(table, lake.messages_dir, "created_at", [("dispatch_id", "ascending"), ("created_at", "ascending")])


def write_clicks(lake: Lake, table: pa.Table) -> list[str]:
    """Writes click rows into month partitions (by clicked_at); returns the months written."""
    table = table.select(schema.CLICKS.names).cast(schema.CLICKS)
    return write_months(table, lake.clicks_dir, "clicked_at", [("message_id", "ascending"), ("clicked_at", "ascending")])


def write_dispatches(lake: Lake, table: pa.Table) -> None:
    """Writes the dispatches table (small: one file)."""
    table = table.select(schema.DISPATCHES.names).cast(schema.DISPATCHES)
    write_parquet_atomic(table.sort_by([("number", "ascending")]), lake.dispatches_file)
