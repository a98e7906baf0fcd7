"""Every SQL query of the app. Parameters are always bound, never formatted in.

Each function takes the process's `Db` and keyword arguments and returns a pandas
DataFrame (or a small value / an Arrow batch stream for downloads). Dashboard
queries read the rollups (`data/rollups.py`); only number downloads read raw
messages, filtered by dispatch.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd
import pyarrow as pa

from data.db import Db
from data.period import Period
from data.schema import STATUS_GROUP, StatusGroup, statuses_in

COUNT_COLUMNS = ["recipients", "sent", "delivered", "not_sent", "not_delivered", "pending", "clicked"]


def _in_list(values: list[str]) -> str:
    # Only our own enum values (constants) are spelled into SQL text.
    return ", ".join("'" + v + "'" for v in values)


STATUS_GROUP_SQL = (
    "CASE status "
    + " ".join(f"WHEN '{s.value}' THEN '{g.value}'" for s, g in STATUS_GROUP.items())
    + " END"
)

# Sums over rollup rows (columns status, messages, clicked).
COUNTS_SQL = f"""
    coalesce(sum(messages), 0) AS recipients,
    coalesce(sum(messages) FILTER (WHERE status <> 'not_sent'), 0) AS sent,
    coalesce(sum(messages) FILTER (WHERE status = 'delivered'), 0) AS delivered,
    coalesce(sum(messages) FILTER (WHERE status = 'not_sent'), 0) AS not_sent,
    coalesce(sum(messages) FILTER (WHERE status IN ({_in_list(statuses_in(StatusGroup.NOT_DELIVERED))})), 0) AS not_delivered,
    coalesce(sum(messages) FILTER (WHERE status = 'pending'), 0) AS pending,
    coalesce(sum(clicked), 0) AS clicked
"""


def _month(ts: dt.datetime) -> str:
    return ts.astimezone(dt.timezone.utc).strftime("%Y-%m")


PERIOD_WHERE = "day BETWEEN $start AND $end AND month BETWEEN $mlo AND $mhi"


def _period_params(period: Period) -> dict[str, object]:
    """Parameters of PERIOD_WHERE: the local days, and the UTC months that can hold them (partition pruning)."""
    lo, hi = period.bounds_utc()
    return {"start": period.start, "end": period.end, "mlo": _month(lo), "mhi": _month(hi - dt.timedelta(microseconds=1))}


def _ints(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({c: "int64" for c in COUNT_COLUMNS})


def with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Returns `frame` with delivered_pct (delivered/sent) and ctr (clicked/delivered); NaN where undefined."""
    out = frame.copy()
    sent = out["sent"].astype("float64")
    delivered = out["delivered"].astype("float64")
    out["delivered_pct"] = (out["delivered"] / sent.where(sent > 0)).astype("float64")
    out["ctr"] = (out["clicked"] / delivered.where(delivered > 0)).astype("float64")
    return out


def lake_state(db: Db) -> dict[str, object]:
    """Returns the lake's message count and newest message time, from Parquet metadata (no scan)."""
    glob = db.lake.messages_glob
    cur = db.cursor()
    db.sources()  # raises LakeUnavailable when there is no lake
    rows = cur.execute("SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata($g)", {"g": glob}).fetchone()[0]
    newest = cur.execute(
        "SELECT max(TRY_CAST(stats_max AS TIMESTAMPTZ)) FROM parquet_metadata($g) WHERE path_in_schema = 'created_at'",
        {"g": glob},
    ).fetchone()[0]
    return {"messages": int(rows), "newest": newest}


def first_day(db: Db) -> dt.date | None:
    """Returns the first local day with bulk messages, or None when there is none."""
    src = db.sources()
    row = db.cursor().execute(f"SELECT min(day) FROM {src['daily']} WHERE source = 'bulk'").fetchone()
    return row[0] if row else None


def kpis(db: Db, *, period: Period) -> pd.DataFrame:
    """Returns one row of the period's bulk counts (COUNT_COLUMNS) with delivered_pct and ctr."""
    src = db.sources()
    sql = f"SELECT {COUNTS_SQL} FROM {src['dispatch_daily']} WHERE {PERIOD_WHERE}"
    return with_rates(_ints(db.cursor().execute(sql, _period_params(period)).df()))


def daily_counts(db: Db, *, period: Period) -> pd.DataFrame:
    """Returns one row per day of the period (days without messages as zeros): day + COUNT_COLUMNS + rates."""
    src = db.sources()
    sql = f"SELECT day, {COUNTS_SQL} FROM {src['dispatch_daily']} WHERE {PERIOD_WHERE} GROUP BY day ORDER BY day"
    found = db.cursor().execute(sql, _period_params(period)).df()
    days = pd.DataFrame({"day": period.day_list()})
    if not found.empty:
        found["day"] = pd.to_datetime(found["day"]).dt.date
    frame = days.merge(found, on="day", how="left")
    frame[COUNT_COLUMNS] = frame[COUNT_COLUMNS].fillna(0).astype("int64")
    return with_rates(frame)


def daily_trend(db: Db, *, period: Period, compare: bool = True) -> pd.DataFrame:
    """Returns the daily counts of the period with the previous period's beside them.

    Columns: day, sent, delivered, clicked, ctr, and prev_day, prev_sent,
    prev_delivered, prev_ctr (the same offset in the previous period; NaN when
    `compare` is False).
    """
    now = daily_counts(db, period=period)[["day", "sent", "delivered", "clicked", "ctr"]]
    if compare:
        prev = daily_counts(db, period=period.previous())
        return now.assign(
            prev_day=prev["day"].to_numpy(),
            prev_sent=prev["sent"].astype("float64").to_numpy(),
            prev_delivered=prev["delivered"].astype("float64").to_numpy(),
            prev_ctr=prev["ctr"].to_numpy(),
        )
    return now.assign(prev_day=None, prev_sent=float("nan"), prev_delivered=float("nan"), prev_ctr=float("nan"))


def dispatches(db: Db, *, period: Period) -> pd.DataFrame:
    """Returns one row per dispatch with messages in the period, newest first.

    Columns: dispatch_id, number, name, description, message_text, recipient_group,
    sender, sent_at (first message in the period, local time, naive),
    COUNT_COLUMNS, delivered_pct, ctr.
    """
    src = db.sources()
    sql = f"""
        WITH c AS (
            SELECT dispatch_id, min(first_at) AS first_at, {COUNTS_SQL}
            FROM {src['dispatch_daily']} WHERE {PERIOD_WHERE} GROUP BY dispatch_id
        )
        SELECT d.dispatch_id, d.number, d.name, d.description, d.message_text, d.recipient_group, d.sender,
               timezone($tz, c.first_at) AS sent_at,
               {", ".join("c." + col for col in COUNT_COLUMNS)}
        FROM c JOIN {src['dispatches']} d USING (dispatch_id)
        ORDER BY c.first_at DESC, d.number DESC
    """
    frame = db.cursor().execute(sql, {**_period_params(period), "tz": period.tz}).df()
    return with_rates(_ints(frame))


def dispatch_info(db: Db, *, number: int, tz: str) -> dict[str, object] | None:
    """Returns the dispatch with this user-facing number (created_at in local time), or None."""
    src = db.sources()
    frame = db.cursor().execute(
        f"""
        SELECT d.dispatch_id, d.number, d.name, d.description, d.message_text, d.recipient_group, d.sender,
               timezone($tz, d.created_at) AS created_at
        FROM {src['dispatches']} d WHERE d.number = $number
        """,
        {"number": int(number), "tz": tz},
    ).df()
    return None if frame.empty else frame.iloc[0].to_dict()


def dispatch_counts(db: Db, *, dispatch_id: str) -> pd.DataFrame:
    """Returns one row of a dispatch's counts over all its messages (COUNT_COLUMNS + rates)."""
    src = db.sources()
    sql = f"SELECT {COUNTS_SQL} FROM {src['dispatch_daily']} WHERE dispatch_id = $id"
    return with_rates(_ints(db.cursor().execute(sql, {"id": dispatch_id}).df()))


def dispatch_reasons(db: Db, *, dispatch_id: str) -> pd.DataFrame:
    """Returns the reasons of a dispatch's not-sent and not-delivered messages, most frequent first.

    Columns: status_group, reason (None when the provider gave none), count, share
    (of the dispatch's messages in that status group).
    """
    src = db.sources()
    groups = [StatusGroup.NOT_SENT.value, StatusGroup.NOT_DELIVERED.value]
    sql = f"""
        WITH m AS (
            SELECT {STATUS_GROUP_SQL} AS status_group, reason, messages
            FROM {src['dispatch_daily']} WHERE dispatch_id = $id
        )
        SELECT status_group, reason, sum(messages) AS count,
               sum(messages) / sum(sum(messages)) OVER (PARTITION BY status_group) AS share
        FROM m WHERE status_group IN ({_in_list(groups)})
        GROUP BY status_group, reason ORDER BY count DESC, status_group, reason
    """
    frame = db.cursor().execute(sql, {"id": dispatch_id}).df()
    frame["reason"] = frame["reason"].astype("object").where(frame["reason"].notna(), None)
    return frame.astype({"count": "int64", "share": "float64"})


def numbers_batches(
    db: Db, *, dispatch_id: str, group: StatusGroup, reason: str | None = None, batch_rows: int = 50_000
) -> Iterator[pa.RecordBatch]:
    """Yields the recipients' numbers (column msisdn) of one status group of a dispatch, in batches.

    `reason` narrows to one reason; "none" selects messages without a reason. The
    rows are streamed from DuckDB: memory stays bounded whatever the dispatch size.
    """
    src = db.sources()
    params: dict[str, object] = {"id": dispatch_id}
    where = f"dispatch_id = $id AND status IN ({_in_list(statuses_in(group))})"
    if reason == "none":
        where += " AND reason IS NULL"
    elif reason is not None:
        where += " AND reason = $reason"
        params["reason"] = reason
    cur = db.new_cursor()
    try:
        relation = cur.sql(f"SELECT msisdn FROM {src['messages']} WHERE {where}", params=params)
        yield from relation.to_arrow_reader(batch_rows)
    finally:
        cur.close()
