"""Rollups: small pre-aggregated Parquet tables the dashboard reads instead of raw messages.

Each rollup is defined once, as SQL over the raw tables (`rollup_sql`). The same
definition is used to build the Parquet files and, when the rollups are missing or
stale, as a subquery over the raw messages, so both paths answer alike by
construction (and `tests/data/test_rollups.py` checks it on awkward data).

Files: `<lake>/rollups/<name>/month=YYYY-MM/part-0.parquet`, partitioned like the
messages (UTC month of `created_at`), plus `<lake>/rollups/_state.json` naming the
format version, the time zone of the `day` column and the signature of every
messages month and of the clicks they were built from.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from data.lake import Lake, write_text_atomic

VERSION = 1
NAMES = ("dispatch_daily", "transactional_daily", "daily")

# Each rollup: its key columns and which messages it covers. All are projections of
# one base aggregate (`base_sql`), so building them costs one scan of the messages.
_KEYS = {
    "dispatch_daily": "dispatch_id, day, status, reason",
    "transactional_daily": "campaign_label, source, day, status, reason",
    "daily": "source, day, status, reason",
}
_WHERE = {"dispatch_daily": "source = 'bulk'", "transactional_daily": "source <> 'bulk'", "daily": "true"}


def sql_literal(text: str) -> str:
    """Returns `text` as a SQL string literal (for settings such as the time zone, never user input)."""
    return "'" + text.replace("'", "''") + "'"


def base_sql(*, messages: str, clicks: str, tz: str, month_filter: str = "true") -> str:
    """Returns the finest aggregate every rollup is summed from: one row per month, source,
    dispatch, campaign label, local day, status and reason, with messages, clicked (messages
    with a human click), clicked_raw (with any click) and first_at (earliest created_at).

    Messages are first counted per 15-minute bucket (UTC) and only the buckets are
    converted to local days: every time zone's midnight falls on a 15-minute boundary,
    and converting a few thousand buckets is far cheaper than converting every message.
    """
    return f"""
        WITH marked AS (
            SELECT m.month, m.source, m.dispatch_id, m.campaign_label, m.status, m.reason, m.created_at,
                   time_bucket(INTERVAL 15 minutes, m.created_at) AS bucket,
                   m.message_id IN (SELECT message_id FROM {clicks} WHERE NOT is_bot) AS human,
                   m.message_id IN (SELECT message_id FROM {clicks}) AS any_click
            FROM {messages} m
            WHERE {month_filter}
        ),
        fine AS (
            SELECT month, source, dispatch_id, campaign_label, bucket, status, reason,
                   count(*) AS messages,
                   count(*) FILTER (WHERE human) AS clicked,
                   count(*) FILTER (WHERE any_click) AS clicked_raw,
                   min(created_at) AS first_at
            FROM marked GROUP BY ALL
        )
        SELECT month, source, dispatch_id, campaign_label,
               CAST(timezone({sql_literal(tz)}, bucket) AS DATE) AS day, status, reason,
               CAST(sum(messages) AS BIGINT) AS messages,
               CAST(sum(clicked) AS BIGINT) AS clicked,
               CAST(sum(clicked_raw) AS BIGINT) AS clicked_raw,
               min(first_at) AS first_at
        FROM fine GROUP BY ALL
    """


def rollup_from(name: str, base: str) -> str:
    """Returns the SELECT of rollup `name` from a relation shaped like `base_sql`."""
    return f"""
        SELECT month, {_KEYS[name]},
               CAST(sum(messages) AS BIGINT) AS messages,
               CAST(sum(clicked) AS BIGINT) AS clicked,
               CAST(sum(clicked_raw) AS BIGINT) AS clicked_raw,
               min(first_at) AS first_at
        FROM {base}
        WHERE {_WHERE[name]}
        GROUP BY ALL
    """


def rollup_sql(name: str, *, messages: str, clicks: str, tz: str) -> str:
    """Returns the SELECT that defines rollup `name` over the raw `messages` and `clicks` relations."""
    return rollup_from(name, "(" + base_sql(messages=messages, clicks=clicks, tz=tz) + ")")


@dataclass(frozen=True)
class RollupStatus:
    """Whether the rollups can be read: `fresh`, else `code` (missing, version, timezone,
    clicks, months) and `reason` (English, for logs and the CLI) say why not."""

    fresh: bool
    code: str | None = None
    reason: str | None = None
    stale_months: tuple[str, ...] = ()


def _signature(files: Iterable[Path]) -> str:
    digest = hashlib.sha1()
    for f in sorted(files):
        st = f.stat()
        digest.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]


def source_state(lake: Lake) -> tuple[dict[str, str], str]:
    """Returns the signature of each messages month and of all clicks files."""
    months = {p.name.removeprefix("month="): _signature(p.glob("*.parquet")) for p in lake.month_dirs()}
    clicks = _signature(lake.clicks_dir.glob("month=*/*.parquet"))
    return months, clicks


def _state_file(lake: Lake) -> Path:
    return lake.rollups_dir / "_state.json"


def read_state(lake: Lake) -> dict | None:
    """Returns the rollups' state record, or None when there are no rollups."""
    try:
        return json.loads(_state_file(lake).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def rollup_status(lake: Lake, *, tz: str) -> RollupStatus:
    """Returns whether the rollups match the lake, the code's version and the time zone."""
    state = read_state(lake)
    if state is None:
        return RollupStatus(False, "missing", "no rollups")
    if state.get("version") != VERSION:
        return RollupStatus(False, "version", f"format version {state.get('version')}, expected {VERSION}")
    if state.get("tz") != tz:
        return RollupStatus(False, "timezone", f"built for time zone {state.get('tz')}, reporting in {tz}")
    months, clicks = source_state(lake)
    built = state.get("months", {})
    stale = tuple(sorted(m for m in set(months) | set(built) if months.get(m) != built.get(m)))
    if clicks != state.get("clicks"):
        return RollupStatus(False, "clicks", "clicks changed since the rollups were built", tuple(sorted(months)))
    if stale:
        return RollupStatus(False, "months", f"months changed since the rollups were built: {', '.join(stale)}", stale)
    return RollupStatus(True)


def build_rollups(
    lake: Lake, *, tz: str, months: Iterable[str] | None = None, threads: int | None = None,
    memory_limit: str | None = None,
) -> dict[str, object]:
    """(Re)builds the rollups of `months` (UTC 'YYYY-MM'; all when None) in `lake` and returns figures.

    Call it on a lake you are writing (inside `data.lake.transaction`): the month
    folders are replaced in place. Months given must include every month whose
    messages changed and every month whose messages got new clicks.
    """
    started = time.perf_counter()
    current, clicks_sig = source_state(lake)
    chosen = sorted(current) if months is None else sorted(set(months))
    lake.rollups_dir.mkdir(parents=True, exist_ok=True)
    config: dict[str, object] = {}
    if threads:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    con = duckdb.connect(":memory:", config=config)
    con.execute(f"SET temp_directory = {sql_literal(str(lake.root.parent / '.duckdb-tmp'))}")
    rows: dict[str, int] = {}
    try:
        present = [m for m in chosen if m in current]
        messages = _raw_messages(lake)
        if present and messages:
            month_filter = "m.month IN (" + ", ".join(sql_literal(m) for m in present) + ")"
            con.execute("CREATE TEMP TABLE base AS " + base_sql(
                messages=messages, clicks=_raw_clicks(lake), tz=tz, month_filter=month_filter))
        for name in NAMES:
            target = lake.rollups_dir / name
            target.mkdir(parents=True, exist_ok=True)
            scratch = lake.rollups_dir / f".{name}.{uuid.uuid4().hex}.tmp"
            try:
                if present and messages:
                    con.execute(
                        f"COPY (SELECT * FROM ({rollup_from(name, 'base')}) ORDER BY month, {_KEYS[name]}) "
                        f"TO {sql_literal(str(scratch))} "
                        "(FORMAT parquet, COMPRESSION zstd, PARTITION_BY (month), FILENAME_PATTERN 'part-{i}')"
                    )
                    files = sql_literal(str(scratch / "*" / "*.parquet"))
                    rows[name] = int(con.execute(f"SELECT count(*) FROM read_parquet({files})").fetchone()[0]) \
                        if any(scratch.glob("*/*.parquet")) else 0
                for month in chosen:
                    final = target / f"month={month}"
                    fresh = scratch / f"month={month}"
                    if final.exists():
                        shutil.rmtree(final)
                    if fresh.exists():
                        fresh.rename(final)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
    finally:
        con.close()
    state = read_state(lake) if months is not None else None
    if not state or state.get("version") != VERSION or state.get("tz") != tz:
        state = {"version": VERSION, "tz": tz, "months": {}}
    recorded = {m: s for m, s in state.get("months", {}).items() if m in current and m not in chosen}
    recorded.update({m: current[m] for m in chosen if m in current})
    state.update(months=recorded, clicks=clicks_sig, built_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    write_text_atomic(_state_file(lake), json.dumps(state, indent=1, sort_keys=True))
    return {"months": len(chosen), "rows": rows, "seconds": round(time.perf_counter() - started, 3)}


def _raw_messages(lake: Lake) -> str | None:
    if not lake.month_dirs():
        return None
    return f"read_parquet({sql_literal(lake.messages_glob)}, hive_partitioning=true, hive_types={{'month': VARCHAR}})"


def _raw_clicks(lake: Lake) -> str:
    if any(lake.clicks_dir.glob("month=*/*.parquet")):
        return f"read_parquet({sql_literal(lake.clicks_glob)}, hive_partitioning=true, hive_types={{'month': VARCHAR}})"
    return "(SELECT NULL::VARCHAR AS message_id, NULL::BOOLEAN AS is_bot WHERE false)"


def rollup_glob(lake: Lake, name: str) -> str:
    """Returns the glob of rollup `name`'s files."""
    return str(lake.rollups_dir / name / "month=*" / "*.parquet")
