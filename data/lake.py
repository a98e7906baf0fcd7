"""Where the lake's Parquet files live, and how they are written (atomically)."""

from __future__ import annotations

import fcntl
import os
import shutil
import stat
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from data import schema
from data.durable import fsync_dir

COMPRESSION = "zstd"
ROW_GROUP_ROWS = 128 * 1024
# Nearly one value per row: a Parquet dictionary for them costs time and space.
UNIQUE_COLUMNS = frozenset(
    {"message_id", "provider_message_id", "msisdn", "created_at", "sent_at", "done_at", "clicked_at", "received_at"}
)


# Min/max statistics only where a reader can skip row groups with them (the sort keys
# and the filtered columns): for ids and phone numbers in random order they cost 20% of
# the writing and never help. The demo lake is written the same way.
MESSAGES_STATISTICS = [
    "dispatch_id",
    "source",
    "campaign_label",
    "status",
    "reason",
    "created_at",
    "sent_at",
    "done_at",
]
CLICKS_STATISTICS = ["message_id", "clicked_at"]


def dictionary_columns(schema: pa.Schema) -> list[str]:
    """Returns the columns of `schema` worth dictionary-encoding in Parquet (few distinct values)."""
    return [name for name in schema.names if name not in UNIQUE_COLUMNS]


def column_encoding(schema: pa.Schema) -> dict[str, str]:
    """Returns Parquet encodings as small as the default (PLAIN, then zstd) and faster to write, by column."""
    out = {f.name: "DELTA_BINARY_PACKED" for f in schema if pa.types.is_timestamp(f.type)}
    if "provider_message_id" in schema.names:  # three lengths, mixed: lengths apart
        out["provider_message_id"] = "DELTA_LENGTH_BYTE_ARRAY"
    return out


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
    def inbound_dir(self) -> Path:
        return self.root / "inbound"

    @property
    def inbound_glob(self) -> str:
        return str(self.inbound_dir / "month=*" / "*.parquet")

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

    @property
    def rollups_dir(self) -> Path:
        return self.root / "rollups"

    @property
    def snapshots_dir(self) -> Path:
        """Where the lake's versions live; `root` is a symlink to the current one."""
        return self.root.parent / f"{self.root.name}.d"

    def snapshot(self) -> str | None:
        """Returns the name of the current version (changes with every committed write), or None."""
        try:
            return os.readlink(self.root)
        except OSError:
            return None

    def month_dirs(self) -> list[Path]:
        """Returns the messages partitions, oldest first."""
        return sorted(p for p in self.messages_dir.glob("month=*") if p.is_dir())


def private_data_dir(data_dir: Path) -> None:
    """Makes the data directory its owner's only: what this process creates from now on is 0700 (folders) or
    0600 (files) (umask 077: the lake holds phone numbers, the store password hashes), the directory is made
    0700 if missing, and what an older version left open to the group or others loses those bits."""
    os.umask(0o077)
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for folder, dirs, files in os.walk(data_dir):
        for path in [Path(folder), *(Path(folder) / name for name in files)]:
            try:
                st = path.lstat()
                if not stat.S_ISLNK(st.st_mode) and st.st_mode & 0o077:
                    path.chmod(stat.S_IMODE(st.st_mode) & 0o700)
            except OSError:  # gone meanwhile, or not ours
                pass
        dirs[:] = [d for d in dirs if not (Path(folder) / d).is_symlink()]


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


def month_numbers(ts: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Returns year * 12 + month - 1 (UTC) for each timestamp, -1 for nulls."""
    if isinstance(ts, pa.ChunkedArray):
        ts = ts.combine_chunks() if ts.num_chunks != 1 else ts.chunk(0)
    micros = pc.fill_null(ts.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()), 0).to_numpy()
    # numpy's calendar months since 1970 (pc.year and pc.month: 10x slower)
    months = micros.view("datetime64[us]").astype("datetime64[M]").astype(np.int64) + 1970 * 12
    if ts.null_count:
        months[~ts.is_valid().to_numpy(zero_copy_only=False)] = -1
    return months


def month_keys(ts: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Returns 'YYYY-MM' (UTC) for each timestamp."""
    # pc.strftime(ts, format="%Y-%m"), 10x faster: format only the distinct months.
    index = month_numbers(ts)
    distinct = np.unique(index[index >= 0])
    names = pa.array([f"{i // 12:04d}-{i % 12 + 1:02d}" for i in distinct.tolist()], type=pa.string())
    missing = index < 0
    return names.take(pa.array(np.searchsorted(distinct, index), mask=missing if missing.any() else None))


def is_sorted(table: pa.Table, sort_keys: list[tuple[str, str]]) -> bool:
    """True when `table` is in the order `table.sort_by(sort_keys)` gives (ascending keys, nulls last).

    That sort is stable, so a table already in order would come back unchanged:
    checking (neighbours compared, no hashing) is much cheaper than sorting."""
    if table.num_rows < 2:
        return True
    after = None  # rows i, i+1 in order as far as the keys from this one on tell
    for name, order in reversed(sort_keys):
        if order != "ascending":
            return False
        col = table[name]
        a, b = col.slice(0, len(col) - 1), col.slice(1)
        a_ok, b_ok = pc.is_valid(a), pc.is_valid(b)
        less = pc.or_(pc.and_(a_ok, pc.invert(b_ok)), pc.fill_null(pc.less(a, b), False))
        equal = pc.or_(pc.and_(pc.invert(a_ok), pc.invert(b_ok)), pc.fill_null(pc.equal(a, b), False))
        after = pc.or_(less, equal) if after is None else pc.or_(less, pc.and_(equal, after))
    return bool(pc.all(after).as_py())


def write_months(
    table: pa.Table,
    root: Path,
    ts_column: str,
    sort_keys: list[tuple[str, str]],
    statistics: list[str] | None = None,
    month: str | None = None,
) -> list[str]:
    """Replaces whole month partitions of `root` with the rows of `table`.

    Each month is sorted by `sort_keys` and written to a fresh folder that is then
    swapped in with renames, so a reader sees either the old month or the new one.
    `statistics`: the columns that get min/max statistics (None: all). `month`: the one
    month every row is in, when the caller knows it. Returns the months written.
    """
    if table.num_rows == 0:
        return []
    if month is not None:
        keys, months = None, [month]
    else:
        keys = month_keys(table[ts_column])
        months = sorted(set(pc.unique(keys).to_pylist()))
    root.mkdir(parents=True, exist_ok=True)
    for month in months:
        part = table if len(months) == 1 else table.filter(pc.equal(keys, month))
        if not is_sorted(part, sort_keys):
            part = part.sort_by(sort_keys)
        replace_partition(root / f"month={month}", {"part-0000.parquet": part}, statistics)
    return months


def replace_partition(final: Path, files: dict[str, pa.Table], statistics: list[str] | None = None) -> None:
    """Writes `files` into a new folder and swaps it in place of `final` (`statistics`: as `write_months`)."""
    staging = final.parent / f".{final.name}.{uuid.uuid4().hex}.tmp"
    staging.mkdir(parents=True)
    try:
        for name, table in files.items():
            pq.write_table(
                table,
                staging / name,
                compression=COMPRESSION,
                row_group_size=ROW_GROUP_ROWS,
                use_dictionary=dictionary_columns(table.schema),
                column_encoding=column_encoding(table.schema),
                write_statistics=True if statistics is None else statistics,
            )
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


def write_messages(lake: Lake, table: pa.Table, month: str | None = None) -> list[str]:
    """Writes message rows into their month partitions (`month`: the one they are all in, if known);
    returns the months written."""
    table = table.select(schema.MESSAGES.names).cast(schema.MESSAGES)
    return write_months(
        table,
        lake.messages_dir,
        "created_at",
        [("dispatch_id", "ascending"), ("created_at", "ascending")],
        MESSAGES_STATISTICS,
        month,
    )


MESSAGES_SORT = [("dispatch_id", "ascending"), ("created_at", "ascending")]
CLICKS_SORT = [("clicked_at", "ascending"), ("message_id", "ascending")]
# Each table's columns, sort order and statistics, as `write_messages` and `write_clicks` write a month.
DAY_FILE_FORMS = {
    "messages": (schema.MESSAGES, MESSAGES_SORT, MESSAGES_STATISTICS),
    "clicks": (schema.CLICKS, CLICKS_SORT, CLICKS_STATISTICS),
}


def write_day_file(kind: str, table: pa.Table, path: Path) -> None:
    """Writes rows of `kind` ("messages" or "clicks") as one file of a month folder (`path`: one of the
    compactor's day files, data/ingest/merge.py), sorted and encoded as a month is, through a temporary file and
    a rename."""
    columns, sort_keys, statistics = DAY_FILE_FORMS[kind]
    table = table.select(columns.names).cast(columns)
    if not is_sorted(table, sort_keys):
        table = table.sort_by(sort_keys)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(
            table,
            tmp,
            compression=COMPRESSION,
            row_group_size=ROW_GROUP_ROWS,
            use_dictionary=dictionary_columns(table.schema),
            column_encoding=column_encoding(table.schema),
            write_statistics=statistics,
        )
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_clicks(lake: Lake, table: pa.Table) -> list[str]:
    """Writes click rows into month partitions (by clicked_at); returns the months written.

    Sorted by time: the clicks of recent messages (the transactional page's latest
    messages) are then a few row groups at a file's end, which min/max statistics find."""
    table = table.select(schema.CLICKS.names).cast(schema.CLICKS)
    return write_months(
        table,
        lake.clicks_dir,
        "clicked_at",
        CLICKS_SORT,
        CLICKS_STATISTICS,
    )


def write_inbound(lake: Lake, table: pa.Table) -> list[str]:
    """Writes replies into month partitions (by received_at), replacing those months; returns the months written."""
    table = table.select(schema.INBOUND.names).cast(schema.INBOUND)
    return write_months(
        table, lake.inbound_dir, "received_at", [("received_at", "ascending"), ("inbound_id", "ascending")]
    )


def write_dispatches(lake: Lake, table: pa.Table) -> None:
    """Writes the dispatches table (small: one file)."""
    table = table.select(schema.DISPATCHES.names).cast(schema.DISPATCHES)
    write_parquet_atomic(table.sort_by([("number", "ascending")]), lake.dispatches_file)


# ------------------------------------------------------------- transactions
#
# The lake is a symlink (`var/lake`) to one version folder (`var/lake.d/<id>`). A
# writer gets a new version made of hard links to the current one's files (cheap,
# and the files are never changed in place, only replaced), changes it, and
# publishes it by renaming a new symlink over `var/lake`: one atomic step. A reader
# sees the old version or the new one, never a mix; a writer killed at any moment
# leaves only an unpublished folder, which the next writer removes.


@contextmanager
def transaction(lake: Lake, *, fresh: bool = False) -> Iterator[Lake]:
    """Yields a private copy of the lake to change; it becomes the lake when the block ends.

    With `fresh`, the copy starts empty (a whole new lake). An exception in the block
    discards the copy and leaves the lake as it was. Writers take turns (a file lock).
    """
    lake.root.parent.mkdir(parents=True, exist_ok=True)
    lake.snapshots_dir.mkdir(exist_ok=True)
    with _writer_lock(lake):
        _adopt_plain_folder(lake)
        _remove_unused_versions(lake)
        version = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        staging = lake.snapshots_dir / version
        current = lake.snapshot()
        if fresh or current is None or not (lake.snapshots_dir / Path(current).name).exists():
            staging.mkdir()
        else:
            _link_tree(lake.snapshots_dir / Path(current).name, staging)
        try:
            yield Lake(staging)
            _publish(lake, version)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _remove_unused_versions(lake)


@contextmanager
def _writer_lock(lake: Lake) -> Iterator[None]:
    with open(lake.root.parent / f".{lake.root.name}.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _link_tree(src: Path, dst: Path) -> None:
    for folder, dirs, files in os.walk(src):
        rel = Path(folder).relative_to(src)
        (dst / rel).mkdir(parents=True, exist_ok=True)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith("."):
                os.link(Path(folder) / name, dst / rel / name)


def _previous_file(lake: Lake) -> Path:
    return lake.snapshots_dir / ".previous"


def _publish(lake: Lake, version: str) -> None:
    _fsync_tree(lake.snapshots_dir / version)
    previous = lake.snapshot()
    if previous:
        # Readers may still be scanning the version being replaced: it is kept until the next write.
        write_text_atomic(_previous_file(lake), Path(previous).name)
    link = lake.root.parent / f".{lake.root.name}.{uuid.uuid4().hex}.link"
    os.symlink(f"{lake.snapshots_dir.name}/{version}", link)
    os.replace(link, lake.root)
    fsync_dir(lake.root.parent)


def write_text_atomic(path: Path, text: str) -> None:
    """Writes a small text file through a temporary file and a rename."""
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _fsync_tree(root: Path) -> None:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(Path(folder) / name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(folder))


def _adopt_plain_folder(lake: Lake) -> None:
    # A lake written before versions existed is a plain folder: make it the first version.
    if lake.root.is_dir() and not lake.root.is_symlink():
        version = f"{time.strftime('%Y%m%dT%H%M%S')}-adopted"
        os.replace(lake.root, lake.snapshots_dir / version)
        _publish(lake, version)


def _remove_unused_versions(lake: Lake) -> None:
    # Under the writer lock: every version but the current and the previous one is
    # either superseded or was left unpublished by a killed writer.
    keep = {Path(lake.snapshot() or "").name}
    if _previous_file(lake).exists():
        keep.add(_previous_file(lake).read_text(encoding="utf-8").strip())
    for p in lake.snapshots_dir.iterdir():
        if p.is_dir() and p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)
