"""The message search index: what finds one message by its number or id without scanning the lake.

The lake is sorted by dispatch and time, which serves per-dispatch downloads but not a
look-up by phone number: every row group holds every kind of number. So each month of
messages gets two derived tables, built beside the rollups (`data.rollups.build_rollups`
calls `build_search_index` for the months it rebuilds) but outside the rollup set: they
grow with the messages, not with dispatches x days, so no server loads them, and only
DuckDB builds them (the Spark engine builds the rollups; these follow in this process).

- `by_number/month=YYYY-MM/data_N.parquet`: one row per message, sorted by msisdn (then
  created_at, message_id), in row groups of ROW_GROUP_ROWS: msisdn, created_at,
  message_id, and `detail`, a JSON object with the rest of what a search shows (source,
  dispatch_id, campaign_label, status, reason, raw_status, raw_error, sent_ms and
  done_ms: milliseconds after created_at, floored; clicks: [[epoch ms, is_bot], ...]).
  One JSON column rather than ten: a look-up decodes one small row group per month, and
  each column of it costs a fixed amount, so fewer columns answer 3x faster.
- `by_id/month=YYYY-MM/data_N.parquet`: one row per message, sorted by `key`
  (`message_key`: 31 bits of the MD5 of the message id) with its msisdn: an id leads to
  its number, and the number to the message.

Row-group statistics (min/max of msisdn, of key) are the index: each month folder has them
gathered in `ranges.json` (`write_ranges`), which a reader keeps in memory
(`data.queries.search`) to read one row group of each month per look-up.
The rollups' state record (`<lake>/rollups/_state.json`) holds the lake signatures each
month was built from and, under `search_index`, the index format of each month; a month
whose messages changed since is answered from the raw messages instead (`fresh_months`).
The index folder holds nothing that depends on when it was built: the same lake gives
the same files, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from data.lake import Lake
from data.rollups import read_state, source_state, sql_literal

VERSION = 1
ROW_GROUP_ROWS = 4096
ROW_GROUPS_PER_FILE = 64  # files of 256K rows: small footers, opened per look-up
TABLES = ("by_number", "by_id")
_HIVE = "hive_partitioning=true, hive_types={'month': VARCHAR}"
_COPY = (
    f"FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_ROWS}, "
    f"ROW_GROUPS_PER_FILE {ROW_GROUPS_PER_FILE}, PARQUET_VERSION V2"
)


def search_dir(lake: Lake) -> Path:
    """Returns the folder of the search index of `lake`."""
    return lake.root / "search"


def table_dir(lake: Lake, table: str, month: str) -> Path:
    """Returns the folder of one month of one index table ("by_number" or "by_id")."""
    return search_dir(lake) / table / f"month={month}"


def message_key(message_id: str) -> int:
    """Returns the `key` of a message id in the by_id table: DuckDB's `CAST(md5_number(id) >> 97 AS
    INTEGER)`, the top 31 bits of the last 4 bytes of the MD5 digest read little-endian. (31, not 32:
    an unsigned key DuckDB writes delta-encoded beyond 2^31 is one pyarrow cannot read.)"""
    return int.from_bytes(hashlib.md5(message_id.encode("utf-8")).digest()[12:], "little") >> 1


RANGES_FILE = "ranges.json"
KEY_COLUMN = {"by_number": "msisdn", "by_id": "key"}


def write_ranges(folder: Path, column: str) -> None:
    """Writes RANGES_FILE into a month folder of an index table: for each row group of its files,
    the file name, the row group's number and the min and max of `column` (from the footers'
    statistics), and which row groups hold rows without a value. A reader loads these few kB
    instead of every file's footer."""
    groups, nulls = [], []
    for path in sorted(folder.glob("*.parquet")):
        meta = pq.read_metadata(path)
        at = meta.schema.to_arrow_schema().get_field_index(column)
        for i in range(meta.num_row_groups):
            stats = meta.row_group(i).column(at).statistics
            if stats is None:
                raise ValueError(f"{path}: row group {i} has no statistics")
            if stats.has_min_max:
                groups.append([path.name, i, stats.min, stats.max])
            if stats.null_count:
                nulls.append([path.name, i])
    groups.sort(key=lambda g: (g[2], g[3]))
    (folder / RANGES_FILE).write_text(
        json.dumps({"column": column, "groups": groups, "nulls": nulls}), encoding="utf-8"
    )


def number_sql(messages: str, clicks: str, month: str) -> str:
    """Returns the by_number rows of one month (`messages`: that month's files; `clicks`: all clicks, hive-partitioned)."""
    return f"""
        WITH m AS (
            SELECT message_id, msisdn, created_at, source, dispatch_id, campaign_label, status, reason,
                   raw_status, raw_error, sent_at, done_at
            FROM {messages}
        ),
        k AS (
            SELECT message_id, list([epoch_us(clicked_at) // 1000, CAST(is_bot AS BIGINT)] ORDER BY clicked_at) AS clicks
            FROM {clicks}
            WHERE month >= {sql_literal(month)} AND message_id IN (SELECT message_id FROM m)
            GROUP BY message_id
        )
        SELECT m.msisdn, m.created_at, m.message_id,
               to_json(struct_pack(
                   source := m.source, dispatch_id := m.dispatch_id, campaign_label := m.campaign_label,
                   status := m.status, reason := m.reason, raw_status := m.raw_status, raw_error := m.raw_error,
                   sent_ms := epoch_us(m.sent_at) // 1000 - epoch_us(m.created_at) // 1000,
                   done_ms := epoch_us(m.done_at) // 1000 - epoch_us(m.created_at) // 1000,
                   clicks := coalesce(k.clicks, [])
               )) AS detail
        FROM m LEFT JOIN k USING (message_id)
        ORDER BY m.msisdn, m.created_at, m.message_id
    """


def id_sql(messages: str) -> str:
    """Returns the by_id rows of one month's `messages`: key (`message_key`) and msisdn, sorted by key."""
    return f"""
        SELECT CAST(md5_number(message_id) >> 97 AS INTEGER) AS key, msisdn
        FROM {messages} ORDER BY key, msisdn
    """


def fresh_months(lake: Lake) -> set[str]:
    """Returns the months whose index matches the lake's messages and clicks (the others: read raw).

    The index is built with the rollups, so the rollups' state record says which lake
    signatures each month was built from; its `search_index` names the index format of
    each month built (a month of an older format, or not built, is not fresh)."""
    state = read_state(lake)
    if not state:
        return set()
    months, clicks = source_state(lake)
    if state.get("clicks") != clicks:
        return set()
    built, index = state.get("months", {}), state.get("search_index", {})
    return {m for m, sig in months.items() if built.get(m) == sig and index.get(m) == VERSION}


def build_search_index(
    lake: Lake,
    *,
    months: Iterable[str] | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> dict[str, object]:
    """(Re)builds the search index of `months` (all when None) in `lake` and returns figures: months,
    rows, seconds, and `built` (the months now indexed). Call it on a lake being written, from
    `build_rollups`, which records the months built in its state (`fresh_months`)."""
    started = time.perf_counter()
    current, clicks_sig = source_state(lake)
    chosen = sorted(current) if months is None else sorted(set(months))
    root = search_dir(lake)
    root.mkdir(parents=True, exist_ok=True)
    config: dict[str, object] = {"threads": threads} if threads else {}
    if memory_limit:
        config["memory_limit"] = memory_limit
    con = duckdb.connect(":memory:", config=config)
    rows = 0
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"SET temp_directory = {sql_literal(str(lake.root.parent / '.duckdb-tmp'))}")
        has_clicks = any(lake.clicks_dir.glob("month=*/*.parquet"))
        clicks = (
            f"read_parquet({sql_literal(lake.clicks_glob)}, {_HIVE})"
            if has_clicks
            else "(SELECT NULL::VARCHAR AS message_id, NULL::TIMESTAMPTZ AS clicked_at, NULL::BOOLEAN AS is_bot,"
            " NULL::VARCHAR AS month WHERE false)"
        )
        for month in chosen:
            staged = {}
            if month in current:
                messages = f"read_parquet({sql_literal(str(lake.messages_dir / f'month={month}' / '*.parquet'))})"
                for table, sql in (("by_number", number_sql(messages, clicks, month)), ("by_id", id_sql(messages))):
                    scratch = root / f".{table}.{month}.{uuid.uuid4().hex}.tmp"
                    con.execute(f"COPY ({sql}) TO {sql_literal(str(scratch))} ({_COPY})")
                    write_ranges(scratch, KEY_COLUMN[table])
                    staged[table] = scratch
                rows += con.execute(
                    f"SELECT count(*) FROM read_parquet({sql_literal(str(lake.messages_dir / f'month={month}' / '*.parquet'))})"
                ).fetchall()[0][0]
            for table in TABLES:
                final = table_dir(lake, table, month)
                final.parent.mkdir(parents=True, exist_ok=True)
                if final.exists():
                    shutil.rmtree(final)
                if table in staged:
                    staged[table].rename(final)
    finally:
        con.close()
        for left in root.glob(".*.tmp"):
            shutil.rmtree(left, ignore_errors=True)
    return {
        "months": len(chosen),
        "rows": int(rows),
        "seconds": round(time.perf_counter() - started, 3),
        "built": [m for m in chosen if m in current],
    }
