"""Rollups: small pre-aggregated Parquet tables the dashboard reads instead of raw messages.

Each rollup is defined once, as SQL over the raw tables (`rollup_sql`). The same
definition is used to build the Parquet files and, when the rollups are missing or
stale, as a subquery over the raw messages, so both paths answer alike by
construction (and `tests/data/test_rollups.py` checks it on awkward data).

The SQL runs in DuckDB (`DuckDBEngine`, the default) or, translated by sqlglot, on
Apache Spark (`data.spark.SparkEngine`); either way the results are written here, by
`write_rollup_months`, so the files do not depend on the engine.

Files: `<lake>/rollups/<name>/month=YYYY-MM/part-0.parquet`, partitioned like the
messages (UTC month of `created_at`), plus `<lake>/rollups/_state.json` naming the
format version, the time zone of the `day` column and the signature of every
messages month and of the clicks they were built from.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import shutil
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from data import schema as lake_schema
from data.lake import Lake, write_text_atomic
from data.lake import month_keys as lake_month_keys

# 5: operator_daily (messages per operator and country); 6: clicks (human clicks, not only clicked);
# 7: delivery_time (the time from sending to delivery, log-spaced buckets); 8: cost_daily (prices per currency);
# 9: optout_daily (opt-out replies, data/optouts.py)
VERSION = 9
NAMES = (
    "dispatch_daily",
    "transactional_daily",
    "daily",
    "transactional_click_delay",
    "transactional_latest",
    "operator_daily",
    "delivery_time",
    "cost_daily",
    "optout_daily",
)
# The newest messages kept per month, campaign label, source and local day: the detail row of a
# transactional campaign shows 10, and any period's newest 10 are among its days' newest 10.
LATEST_KEPT = 10

# Each rollup: its key columns and which messages it covers. All are projections of
# one base aggregate (`base_sql`), so building them costs one scan of the messages.
_KEYS = {
    "dispatch_daily": "dispatch_id, day, status, reason",
    "transactional_daily": "campaign_label, source, day, status, reason",
    "daily": "source, day, status, reason",
    # Both pages' operator and country views: a dispatch's (by dispatch_id) and a transactional row's (by label).
    "operator_daily": "source, dispatch_id, campaign_label, day, operator, country, status, reason",
    # What messages cost, per currency as the lake has it (messages without a price: messages - priced).
    "cost_daily": "source, dispatch_id, campaign_label, day, currency, status",
    # Not projections of the base: their own definitions, `click_delay_sql` and `latest_sql`.
    "transactional_click_delay": "campaign_label, source, day, delay_bucket",
    "transactional_latest": "campaign_label, source, day, created_at, message_id",
    "delivery_time": "source, dispatch_id, campaign_label, day, operator, bucket",
    # Opt-outs by the message they count for (data/optouts.py): over the messages and the replies.
    "optout_daily": "source, dispatch_id, campaign_label, day",
}
# The inbound table of a lake without replies.
EMPTY_INBOUND = (
    "(SELECT NULL::VARCHAR AS inbound_id, NULL::VARCHAR AS msisdn, NULL::TIMESTAMPTZ AS received_at,"
    " NULL::VARCHAR AS keyword WHERE false)"
)
# delivery_time's buckets: 0 holds deliveries under a second (and a receipt before the send: clock skew, as 0 s);
# bucket b >= 1 holds [2^((b-1)/4), 2^(b/4)) seconds, a quarter of an octave (each bound 19% above the last).
DELIVERY_BUCKETS_PER_OCTAVE = 4
_WHERE = {
    "dispatch_daily": "source = 'bulk'",
    "transactional_daily": "source <> 'bulk'",
    "daily": "true",
    "operator_daily": "true",
    "cost_daily": "true",
}


def sql_literal(text: str) -> str:
    """Returns `text` as a SQL string literal (for settings such as the time zone, never user input)."""
    return "'" + text.replace("'", "''") + "'"


def base_sql(*, messages: str, clicks: str, tz: str, month_filter: str = "true") -> str:
    """Returns the finest aggregate every rollup is summed from: one row per month, source,
    dispatch, campaign label, local day, operator, country, currency, status and reason, with messages, clicked
    (messages with a human click), clicks (their human clicks, all of them), clicked_raw (messages with any
    click), priced (messages with a price), cost (the sum of their prices, exact: DECIMAL) and first_at
    (earliest created_at).

    Messages are first counted per 15-minute bucket (UTC) and only the buckets are
    converted to local days: every time zone's midnight falls on a 15-minute boundary,
    and converting a few thousand buckets is far cheaper than converting every message.
    """
    return f"""
        WITH counted AS (
            SELECT message_id, count(*) FILTER (WHERE NOT is_bot) AS human FROM {clicks} GROUP BY message_id
        ),
        marked AS (
            SELECT m.month, m.source, m.dispatch_id, m.campaign_label, m.operator, m.country, m.currency, m.status,
                   m.reason, m.created_at, CAST(m.price AS DECIMAL(18, 6)) AS price,
                   time_bucket(INTERVAL 15 minutes, m.created_at) AS bucket,
                   coalesce(c.human, 0) AS human,
                   c.message_id IS NOT NULL AS any_click
            FROM {messages} m LEFT JOIN counted c ON c.message_id = m.message_id
            WHERE {month_filter}
        ),
        fine AS (
            SELECT month, source, dispatch_id, campaign_label, bucket, operator, country, currency, status, reason,
                   count(*) AS messages, count(price) AS priced, sum(price) AS cost,
                   count(*) FILTER (WHERE human > 0) AS clicked,
                   sum(human) AS clicks,
                   count(*) FILTER (WHERE any_click) AS clicked_raw,
                   min(created_at) AS first_at
            FROM marked GROUP BY ALL
        )
        SELECT month, source, dispatch_id, campaign_label,
               CAST(bucket AT TIME ZONE {sql_literal(tz)} AS DATE) AS day, operator, country, currency, status, reason,
               CAST(sum(messages) AS BIGINT) AS messages,
               CAST(sum(clicked) AS BIGINT) AS clicked,
               CAST(sum(clicks) AS BIGINT) AS clicks,
               CAST(sum(clicked_raw) AS BIGINT) AS clicked_raw,
               CAST(sum(priced) AS BIGINT) AS priced,
               CAST(sum(cost) AS DECIMAL(38, 6)) AS cost,
               min(first_at) AS first_at
        FROM fine GROUP BY ALL
    """


_COST_SUMS = """
               CAST(sum(priced) AS BIGINT) AS priced,
               CAST(sum(cost) AS DECIMAL(38, 6)) AS cost,"""


def rollup_from(name: str, base: str) -> str:
    """Returns the SELECT of rollup `name` from a relation shaped like `base_sql`."""
    return f"""
        SELECT month, {_KEYS[name]},
               CAST(sum(messages) AS BIGINT) AS messages,
               CAST(sum(clicked) AS BIGINT) AS clicked,
               CAST(sum(clicks) AS BIGINT) AS clicks,
               CAST(sum(clicked_raw) AS BIGINT) AS clicked_raw,{_COST_SUMS if name == "cost_daily" else ""}
               min(first_at) AS first_at
        FROM {base}
        WHERE {_WHERE[name]}
        GROUP BY ALL
    """


def click_delay_sql(*, messages: str, clicks: str, tz: str, month_filter: str = "true") -> str:
    """Returns the time from delivery to the first human click of delivered transactional
    messages: one row per month, campaign label, source, local day (of created_at) and
    delay bucket, with messages (how many first clicks fell in the bucket). Every delivered
    message with a human click is in it, so its messages add up to the pages' clicked count;
    without a delivery time the delay runs from sending (or creation).

    `delay_bucket` is the bucket's lower bound in seconds: whole minutes below a day,
    whole hours below a week, whole days beyond (`delay_bucket_width`), of the delay in
    whole seconds (rounded down). A first click before the delivery receipt (a late
    receipt) counts as 0.
    """
    return f"""
        SELECT month, campaign_label, source, CAST(created_at AT TIME ZONE {sql_literal(tz)} AS DATE) AS day,
               CAST(CASE WHEN delay < 86400 THEN delay // 60 * 60
                         WHEN delay < 604800 THEN delay // 3600 * 3600
                         ELSE delay // 86400 * 86400 END AS BIGINT) AS delay_bucket,
               CAST(count(*) AS BIGINT) AS messages
        FROM (
            SELECT m.month, m.campaign_label, m.source, m.created_at,
                   greatest((epoch_us(c.first_click) - epoch_us(coalesce(m.done_at, m.sent_at, m.created_at)))
                            // 1000000, 0) AS delay
            FROM {messages} m
            JOIN (SELECT message_id, min(clicked_at) AS first_click FROM {clicks} WHERE NOT is_bot GROUP BY message_id) c
              ON c.message_id = m.message_id
            WHERE m.source <> 'bulk' AND m.status = 'delivered' AND ({month_filter})
        )
        GROUP BY ALL
    """


def latest_sql(*, messages: str, clicks: str, tz: str, month_filter: str = "true") -> str:
    """Returns the newest LATEST_KEPT transactional messages of each month, campaign label, source
    and local day (of created_at): created_at, message_id, msisdn, status, reason, and their
    clicks (human) and clicks_raw (all), so a detail row reads no raw messages."""
    day = f"CAST(m.created_at AT TIME ZONE {sql_literal(tz)} AS DATE)"
    return f"""
        WITH ranked AS (
            SELECT m.month, m.campaign_label, m.source, {day} AS day, m.created_at, m.message_id, m.msisdn,
                   m.status, m.reason,
                   row_number() OVER (PARTITION BY m.month, m.campaign_label, m.source, {day}
                                      ORDER BY m.created_at DESC, m.message_id DESC) AS newest
            FROM {messages} m
            WHERE m.source <> 'bulk' AND ({month_filter})
        ),
        kept AS (SELECT * FROM ranked WHERE newest <= {LATEST_KEPT}),
        counted AS (
            SELECT message_id, count(*) FILTER (WHERE NOT is_bot) AS clicks, count(*) AS clicks_raw
            FROM {clicks} WHERE message_id IN (SELECT message_id FROM kept) GROUP BY message_id
        )
        SELECT k.month, k.campaign_label, k.source, k.day, k.created_at, k.message_id, k.msisdn, k.status, k.reason,
               CAST(coalesce(c.clicks, 0) AS BIGINT) AS clicks, CAST(coalesce(c.clicks_raw, 0) AS BIGINT) AS clicks_raw
        FROM kept k LEFT JOIN counted c ON c.message_id = k.message_id
    """


def delivery_time_sql(*, messages: str, clicks: str, tz: str, month_filter: str = "true") -> str:
    """Returns the time from sending to delivery of delivered messages with both times: one row per month,
    source, dispatch, campaign label, local day (of created_at), operator and bucket (see
    DELIVERY_BUCKETS_PER_OCTAVE), with messages and skewed (those whose receipt is dated before the send:
    another clock's error, counted as 0 s). Days come from 15-minute buckets, as in `base_sql`. Operators only
    for bulk messages: transactional traffic is thin per label and day, and by operator it made a row of every
    other message."""
    per = DELIVERY_BUCKETS_PER_OCTAVE
    return f"""
        WITH timed AS (
            SELECT m.month, m.source, m.dispatch_id, m.campaign_label,
                   CASE WHEN m.source = 'bulk' THEN m.operator END AS operator,
                   time_bucket(INTERVAL 15 minutes, m.created_at) AS quarter,
                   epoch_us(m.done_at) - epoch_us(m.sent_at) AS delay_us
            FROM {messages} m
            WHERE m.status = 'delivered' AND m.sent_at IS NOT NULL AND m.done_at IS NOT NULL AND ({month_filter})
        ),
        fine AS (
            SELECT month, source, dispatch_id, campaign_label, operator, quarter,
                   CASE WHEN delay_us < 1000000 THEN 0
                        ELSE 1 + CAST(floor({per} * log2(delay_us / 1000000.0)) AS INTEGER) END AS bucket,
                   count(*) AS messages, count(*) FILTER (WHERE delay_us < 0) AS skewed
            FROM timed GROUP BY ALL
        )
        SELECT month, source, dispatch_id, campaign_label, CAST(quarter AT TIME ZONE {sql_literal(tz)} AS DATE) AS day,
               operator, CAST(bucket AS INTEGER) AS bucket, CAST(sum(messages) AS BIGINT) AS messages,
               CAST(sum(skewed) AS BIGINT) AS skewed
        FROM fine GROUP BY ALL
    """


_OWN_SQL = {
    "transactional_click_delay": click_delay_sql,
    "transactional_latest": latest_sql,
    "delivery_time": delivery_time_sql,
}


def delay_bucket_width(bucket: int) -> int:
    """Returns the width in seconds of the click-delay bucket starting at `bucket` seconds."""
    return 60 if bucket < 86400 else 3600 if bucket < 604800 else 86400


def rollup_sql(name: str, *, messages: str, clicks: str, tz: str, inbound: str = EMPTY_INBOUND) -> str:
    """Returns the SELECT that defines rollup `name` over the raw `messages`, `clicks` and `inbound` relations."""
    if name == "optout_daily":
        from data.optouts import optout_sql

        return optout_sql(messages=messages, inbound=inbound, tz=tz)
    if name in _OWN_SQL:
        return _OWN_SQL[name](messages=messages, clicks=clicks, tz=tz)
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


class DuckDBEngine:
    """Runs the rollup SQL in an in-process DuckDB: the default engine, needing nothing else.

    An engine (this one, or `data.spark.SparkEngine`) turns the lake into relations
    (`tables`), keeps an intermediate result (`materialize`) and returns a query's rows
    as Arrow (`arrow`); `build_rollups` does the rest the same way for every engine.
    """

    name = "duckdb"

    def __init__(
        self, *, threads: int | None = None, memory_limit: str | None = None, temp_directory: str | None = None
    ):
        self.config: dict[str, object] = {}
        if threads:
            self.config["threads"] = threads
        if memory_limit:
            self.config["memory_limit"] = memory_limit
        self.temp_directory = temp_directory
        self.con: duckdb.DuckDBPyConnection | None = None

    def __enter__(self) -> DuckDBEngine:
        self.con = duckdb.connect(":memory:", config=self.config)
        # DuckDB's build-side choice put every message (with all its columns) on the build side of the base's
        # click join, misjudging the per-message click counts: the base took 3x as long (docs/performance.md).
        self.con.execute("SET disabled_optimizers = 'build_side_probe_side'")
        if self.temp_directory:
            self.con.execute(f"SET temp_directory = {sql_literal(self.temp_directory)}")
        return self

    def __exit__(self, *exc) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None

    def tables(self, root: str, *, has_clicks: bool) -> tuple[str, str]:
        """Returns the messages and clicks relations of the lake at `root` (a folder, or an
        `s3://` URL: DuckDB's httpfs extension and S3 credentials, see the README)."""
        root = root.rstrip("/")
        if "://" in root:
            load_object_store(self.con)
        hive = "hive_partitioning=true, hive_types={'month': VARCHAR}"
        messages = f"read_parquet({sql_literal(root + '/messages/month=*/*.parquet')}, {hive})"
        clicks = (
            f"read_parquet({sql_literal(root + '/clicks/month=*/*.parquet')}, {hive})"
            if has_clicks
            else "(SELECT NULL::VARCHAR AS message_id, NULL::TIMESTAMPTZ AS clicked_at, NULL::BOOLEAN AS is_bot WHERE false)"
        )
        return messages, clicks

    def materialize(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE TEMP TABLE {name} AS {sql}")

    def arrow(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()


def load_object_store(con: duckdb.DuckDBPyConnection) -> None:
    """Lets `con` read `s3://` URLs: the httpfs and aws extensions (downloaded from DuckDB's
    extension repository on first use: preinstall them where there is no such network)
    and the S3 credentials of the environment (AWS_* variables, ~/.aws, instance roles)."""
    con.execute("INSTALL httpfs; LOAD httpfs; INSTALL aws; LOAD aws")
    con.execute("CREATE SECRET IF NOT EXISTS lake_s3 (TYPE s3, PROVIDER credential_chain)")


def build_rollups(
    lake: Lake,
    *,
    tz: str,
    months: Iterable[str] | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
    engine=None,
    search_index: bool = True,
) -> dict[str, object]:
    """(Re)builds the rollups of `months` (UTC 'YYYY-MM'; all when None) in `lake` and returns figures.

    Call it on a lake you are writing (inside `data.lake.transaction`): the month
    folders are replaced in place. Months given must include every month whose
    messages changed and every month whose messages got new clicks. `engine` runs
    the SQL: DuckDB in this process by default (`threads`, `memory_limit`), or a
    `data.spark.SparkEngine`; the files written are the same either way. The message
    search index of the same months follows, always built by DuckDB in this process
    (`data.search_index`); "seconds" is the rollups' time, "search_index_seconds" the index's, "cpu_seconds" this
    process's CPU time over the rollups (every thread's: the benchmark's measure on a shared machine). Without
    `search_index` the index of these months is left as it was and recorded as stale (a search reads their raw
    messages until a later build: the compactor's runs between its index builds).
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    current, clicks_sig = source_state(lake)
    chosen = sorted(current) if months is None else sorted(set(months))
    lake.rollups_dir.mkdir(parents=True, exist_ok=True)
    if engine is None:
        engine = DuckDBEngine(
            threads=threads, memory_limit=memory_limit, temp_directory=str(lake.root.parent / ".duckdb-tmp")
        )
    rows: dict[str, int] = {}
    present = [m for m in chosen if m in current]
    with engine:
        if present:
            messages, clicks = engine.tables(str(lake.root), has_clicks=any(lake.clicks_dir.glob("month=*/*.parquet")))
            month_filter = "m.month IN (" + ", ".join(sql_literal(m) for m in present) + ")"
            if months is not None:
                # The clicks of these months' messages only (they may be filed in any month): the queries below
                # then hash and group a month's clicks, not the whole lake's, and a month costs its share.
                engine.materialize(
                    "month_clicks",
                    f"SELECT message_id, clicked_at, is_bot FROM {clicks} "
                    f"WHERE message_id IN (SELECT message_id FROM {messages} m WHERE {month_filter})",
                )
                clicks = "month_clicks"
            engine.materialize("base", base_sql(messages=messages, clicks=clicks, tz=tz, month_filter=month_filter))
        for name in NAMES:
            if name == "optout_daily":
                built = optout_months(chosen, current, whole=months is None)
                rows[name] = _rebuild_optouts(lake, engine, built, tz, whole=months is None)
                continue
            target = lake.rollups_dir / name
            target.mkdir(parents=True, exist_ok=True)
            scratch = lake.rollups_dir / f".{name}.{uuid.uuid4().hex}.tmp"
            built = chosen
            try:
                if present:
                    query = (
                        _OWN_SQL[name](messages=messages, clicks=clicks, tz=tz, month_filter=month_filter)
                        if name in _OWN_SQL
                        else rollup_from(name, "base")
                    )
                    table = engine.arrow(f"SELECT * FROM ({query}) ORDER BY month, {_KEYS[name]}")
                    rows[name] = write_rollup_months(table, scratch, rollup_schema(name))
                for month in built:
                    _publish_month(target, scratch, month)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
    seconds = round(time.perf_counter() - started, 3)
    cpu_seconds = round(time.process_time() - cpu_started, 3)
    # The message search index is built for the same months, outside the rollup set (see data/search_index.py).
    from data.search_index import build_search_index

    index = (
        build_search_index(lake, months=None if months is None else chosen, threads=threads, memory_limit=memory_limit)
        if search_index
        else {"built": [], "seconds": 0.0}
    )
    state = read_state(lake) if months is not None else None
    if not state or state.get("version") != VERSION or state.get("tz") != tz:
        state = {"version": VERSION, "tz": tz, "months": {}}
    _record_state(lake, state, current, chosen, index["built"], clicks_sig)
    return {
        "months": len(chosen),
        "rows": rows,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "engine": engine.name,
        "search_index_seconds": index["seconds"],
    }


def _record_state(
    lake: Lake, state: dict, current: dict[str, str], rebuilt: Iterable[str], indexed_now: Iterable[str], clicks_sig
) -> None:
    """Writes the rollup state: the `rebuilt` months' rollups match their messages as `current` says (the other
    months keep what `state` says of them), `indexed_now` months have a fresh search index."""
    from data.search_index import VERSION as SEARCH_INDEX_VERSION

    rebuilt = set(rebuilt)
    recorded = {m: v for m, v in state.get("months", {}).items() if m in current and m not in rebuilt}
    recorded.update({m: current[m] for m in rebuilt if m in current})
    indexed = {m: v for m, v in state.get("search_index", {}).items() if m in recorded and m not in rebuilt}
    indexed.update(dict.fromkeys(indexed_now, SEARCH_INDEX_VERSION))
    state.update(
        months=recorded,
        clicks=clicks_sig,
        search_index=indexed,
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    write_text_atomic(_state_file(lake), json.dumps(state, indent=1, sort_keys=True))


def optout_months(chosen: list[str], current: dict[str, str], *, whole: bool) -> list[str]:
    """Returns the months whose opt-outs a build of `chosen` rebuilds: those, and in a partial build each one's
    previous month too (when the lake has it), as a message delivered in month M can take a reply from a
    message of month M-1 (it counts for the latest: data/optouts.py)."""
    if whole:
        return chosen
    before = set()
    for month in chosen:
        year, number = int(month[:4]), int(month[5:7])
        before.add(f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}")
    return sorted(set(chosen) | (before & set(current)))


def _replies_may_move(lake: Lake, engine, messages: str, month_filter: str) -> bool:
    """Returns whether an opt-out reply may count for another message after the touched messages changed: only a
    reply from one of their numbers, received after one of them was created, can (a reply counts for the latest
    message delivered to its number before it: data/optouts.py). Usually none: the compactor's messages are
    new, the replies to them still to come, so its runs need not rebuild the opt-outs of their months."""
    if not any(lake.inbound_dir.glob("month=*/*.parquet")):
        return False
    hive = "hive_partitioning=true, hive_types={'month': VARCHAR}"
    found = engine.con.execute(f"""
        SELECT count(*) FROM read_parquet({sql_literal(lake.inbound_glob)}, {hive}) i
        JOIN (
            SELECT msisdn, min(created_at) AS since FROM {messages} m
            WHERE {month_filter} AND m.created_at IN (SELECT t FROM touched_at) GROUP BY msisdn
        ) x ON i.msisdn = x.msisdn
        WHERE i.keyword IS NOT NULL AND i.received_at >= x.since
    """).fetchall()
    return found[0][0] > 0


def _publish_month(target: Path, scratch: Path, month: str) -> None:
    """Puts the folder of `month` written under `scratch` in place of `target`'s (none written: the month has no
    rows left, and its old folder goes)."""
    final, fresh = target / f"month={month}", scratch / f"month={month}"
    if final.exists():
        shutil.rmtree(final)
    if fresh.exists():
        fresh.rename(final)


def _rebuild_optouts(lake: Lake, engine, months: list[str], tz: str, *, whole: bool) -> int:
    """Rebuilds `optout_daily` of `months` whole (the replies and every message they may count for) and returns
    how many rows it wrote."""
    target = lake.rollups_dir / "optout_daily"
    target.mkdir(parents=True, exist_ok=True)
    scratch = lake.rollups_dir / f".optout_daily.{uuid.uuid4().hex}.tmp"
    try:
        written = write_rollup_months(
            _optout_table(lake, engine, months, tz, whole=whole), scratch, rollup_schema("optout_daily")
        )
        for month in months:
            _publish_month(target, scratch, month)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return written


def _optout_table(lake: Lake, engine, months: list[str], tz: str, *, whole: bool = True) -> pa.Table:
    """Returns the rows of `optout_daily` for `months`, sorted by month and keys (not `whole`: reading only the
    messages months they depend on, `data.optouts.candidate_months`). Always run by DuckDB in this process (the
    replies are few, and no engine but DuckDB reads them): by `engine` when it is DuckDB's."""
    present = [m for m in months if (lake.messages_dir / f"month={m}").is_dir()]
    if not present or not any(lake.inbound_dir.glob("month=*/*.parquet")):
        return rollup_schema("optout_daily").append(pa.field("month", pa.string())).empty_table()
    hive = "hive_partitioning=true, hive_types={'month': VARCHAR}"
    messages = f"read_parquet({sql_literal(lake.messages_glob)}, {hive})"
    inbound = f"read_parquet({sql_literal(lake.inbound_glob)}, {hive})"
    from data.optouts import candidate_months, optout_sql

    month_filter = "m.month IN (" + ", ".join(sql_literal(m) for m in present) + ")"
    candidates = "true" if whole else "m.month IN (" + ", ".join(map(sql_literal, candidate_months(present))) + ")"
    query = optout_sql(messages=messages, inbound=inbound, tz=tz, month_filter=month_filter, candidates=candidates)
    sql = f"SELECT * FROM ({query}) ORDER BY month, {_KEYS['optout_daily']}"
    if isinstance(engine, DuckDBEngine) and engine.con is not None and "://" not in str(lake.root):
        return engine.arrow(sql)
    con = duckdb.connect(":memory:")
    try:
        return con.sql(sql).to_arrow_table()
    finally:
        con.close()


@functools.cache
def rollup_schema(name: str) -> pa.Schema:
    """Returns the columns of rollup `name`'s files (all but `month`, which is the folder),
    as DuckDB types its definition: every engine's result is written with these types."""
    con = duckdb.connect(":memory:")
    try:
        month = pa.field("month", pa.string())
        con.register("empty_messages", lake_schema.MESSAGES.append(month).empty_table())
        con.register("empty_clicks", lake_schema.CLICKS.append(month).empty_table())
        sql = rollup_sql(name, messages="empty_messages", clicks="empty_clicks", tz="UTC")
        got = con.sql(f"SELECT * FROM ({sql}) LIMIT 0").to_arrow_table().schema
    finally:
        con.close()
    fields = []
    for f in got:
        kind = f.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
            kind = pa.string()
        elif pa.types.is_timestamp(kind) and kind.tz is not None:
            kind = pa.timestamp("us", tz="UTC")
        if f.name != "month":
            fields.append(pa.field(f.name, kind))
    return pa.schema(fields)


def write_rollup_months(table: pa.Table, folder: Path, columns: pa.Schema) -> int:
    """Writes `table` (sorted by month) as `folder/month=YYYY-MM/part-0.parquet`, one file per
    month, with `columns` (the month is the folder's name, as in the lake); returns the rows."""
    months = table["month"].to_pylist() if table.num_rows else []
    data = table.select(columns.names).cast(columns)
    start = 0
    while start < len(months):
        end = start
        while end < len(months) and months[end] == months[start]:
            end += 1
        part = folder / f"month={months[start]}"
        part.mkdir(parents=True)
        pq.write_table(data.slice(start, end - start), part / "part-0.parquet", compression="zstd")
        start = end
    return table.num_rows


def rollup_glob(lake: Lake, name: str) -> str:
    """Returns the glob of rollup `name`'s files."""
    return str(lake.rollups_dir / name / "month=*" / "*.parquet")


def build_rollup_days(
    lake: Lake, *, tz: str, touched_at: pa.Array, search_index: bool = True, replied: Iterable[str] = ()
) -> dict[str, object]:
    """Rebuilds only the rows of the (month, local day) pairs holding the messages created at `touched_at` (the
    changed messages and those with new clicks) in every rollup but `optout_daily`, which is rebuilt for the
    touched months and the months of new replies (`replied`) whole, with each one's previous month (a reply counts
    for the latest message delivered to its number: data/optouts.py); returns figures as `build_rollups` does.

    Every rollup row is keyed by its month and local day, so a change to a message changes only its day's rows:
    the compactor's cost follows its callbacks, not the month. Call it only when the rollups were fresh before the
    change (`rollup_status`); the result then equals a full build (tests/data/test_compaction_days.py)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    current, clicks_sig = source_state(lake)
    touched = pa.table({"month": lake_month_keys(touched_at), "t": touched_at.cast(pa.timestamp("us", tz="UTC"))})
    engine = DuckDBEngine(temp_directory=str(lake.root.parent / ".duckdb-tmp"))
    rows: dict[str, int] = {}
    with engine:
        con = engine.con
        con.register("touched_at", touched)
        con.execute(f"""
            CREATE TEMP TABLE touched_days AS
            SELECT DISTINCT month, CAST(time_bucket(INTERVAL 15 minutes, t) AT TIME ZONE {sql_literal(tz)} AS DATE) AS day
            FROM touched_at
        """)
        pairs = con.execute("SELECT month, day FROM touched_days ORDER BY ALL").fetchall()
        months = sorted({m for m, _ in pairs if m in current})
        lo, hi = con.execute("SELECT min(t) - INTERVAL 26 hours, max(t) + INTERVAL 26 hours FROM touched_at").fetchone()
        if months:
            messages, clicks = engine.tables(str(lake.root), has_clicks=any(lake.clicks_dir.glob("month=*/*.parquet")))
            # The month and the time range let the reader skip other months' files and other days' row groups.
            month_filter = (
                "m.month IN (" + ", ".join(sql_literal(m) for m in months) + ")"
                f" AND m.created_at >= '{lo.isoformat()}'::TIMESTAMPTZ AND m.created_at < '{hi.isoformat()}'::TIMESTAMPTZ"
                f" AND (m.month, CAST(time_bucket(INTERVAL 15 minutes, m.created_at) AT TIME ZONE {sql_literal(tz)}"
                " AS DATE)) IN (SELECT month, day FROM touched_days)"
            )
            engine.materialize(
                "month_clicks",
                f"SELECT message_id, clicked_at, is_bot FROM {clicks} "
                f"WHERE message_id IN (SELECT message_id FROM {messages} m WHERE {month_filter})",
            )
            engine.materialize(
                "base", base_sql(messages=messages, clicks="month_clicks", tz=tz, month_filter=month_filter)
            )
        moved = bool(months) and _replies_may_move(lake, engine, messages, month_filter)
        optout_chosen = (set(months) if moved else set()) | (set(replied) & set(current))
        optout_built = optout_months(sorted(optout_chosen), current, whole=False)
        rows["optout_daily"] = _rebuild_optouts(lake, engine, optout_built, tz, whole=False) if optout_built else 0
        for name in NAMES:
            if name == "optout_daily":
                continue
            target = lake.rollups_dir / name
            target.mkdir(parents=True, exist_ok=True)
            columns = rollup_schema(name)
            keys = [k.strip() for k in _KEYS[name].split(",")]
            scratch = lake.rollups_dir / f".{name}.{uuid.uuid4().hex}.tmp"
            try:
                fresh = None
                if months:
                    query = (
                        _OWN_SQL[name](messages=messages, clicks="month_clicks", tz=tz, month_filter=month_filter)
                        if name in _OWN_SQL
                        else rollup_from(name, "base")
                    )
                    fresh = engine.arrow(query)
                    rows[name] = fresh.num_rows
                for month in months:
                    days = pa.array([d for m, d in pairs if m == month], pa.date32())
                    parts = []
                    old = target / f"month={month}" / "part-0.parquet"
                    if old.exists():
                        kept = pq.read_table(old, schema=columns)
                        parts.append(kept.filter(pc.invert(pc.is_in(kept["day"], value_set=days))))
                    if fresh is not None:
                        new = fresh.filter(pc.equal(fresh["month"], month))
                        parts.append(new.select(columns.names).cast(columns))
                    table = pa.concat_tables(parts).sort_by([(k, "ascending") for k in keys])
                    table = table.append_column("month", pa.repeat(pa.scalar(month), table.num_rows))
                    write_rollup_months(table, scratch, columns)
                    _publish_month(target, scratch, month)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
    seconds = round(time.perf_counter() - started, 3)
    cpu_seconds = round(time.process_time() - cpu_started, 3)
    from data.search_index import build_search_index

    index = build_search_index(lake, months=months) if search_index and months else {"built": [], "seconds": 0.0}
    _record_state(lake, read_state(lake) or {}, current, months, index["built"], clicks_sig)
    return {
        "months": len(months),
        "days": len(pairs),
        "rows": rows,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "engine": engine.name,
        "search_index_seconds": index["seconds"],
    }
