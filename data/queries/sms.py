"""Queries of the SMS reports page (bulk dispatches): the period's KPIs and daily trend, its
dispatches, one dispatch's (or campaign's) counts and reasons, and their recipients' numbers.

Aggregates read the `dispatch_daily` rollup (`data/rollups.py`); only the numbers
download reads raw messages, filtered by dispatch.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterator, Sequence

import pandas as pd
import pyarrow as pa

from data.db import Db
from data.period import Period
from data.queries import cost as cost_queries
from data.queries.counts import (
    COUNT_COLUMNS,
    COUNTS_SQL,
    PERIOD_WHERE,
    STATUS_GROUP_SQL,
    data_days,
    in_list,
    per_clicker,
    period_params,
    with_rates,
)
from data.queries.optouts import every_dispatch_optouts
from data.schema import StatusGroup, statuses_in


def _ints(frame: pd.DataFrame) -> pd.DataFrame:
    frame[COUNT_COLUMNS] = frame[COUNT_COLUMNS].to_numpy(dtype="int64")
    return frame


def _counts_by_day(db: Db, period: Period) -> dict:
    """Returns day -> COUNT_COLUMNS values (a tuple) for the days of the period with bulk messages."""
    src = db.sources()
    if db.reads_rollups() and db.lake.snapshot() is not None:
        # Every day's totals are summed once per lake version (a few hundred rows): each period then takes its days
        # without a query, which was most of a period answer's CPU.
        every_day = db.remember(
            "bulk_counts_by_day",
            lambda: {
                row[0]: row[1:]
                for row in db.cursor()
                .execute(f"SELECT day, {COUNTS_SQL} FROM {src['dispatch_daily']} GROUP BY day")
                .fetchall()
            },
        )
        return {day: every_day[day] for day in period.day_list() if day in every_day}
    sql = f"SELECT day, {COUNTS_SQL} FROM {src['dispatch_daily']} WHERE {PERIOD_WHERE} GROUP BY day"
    return {row[0]: row[1:] for row in db.cursor().execute(sql, period_params(period)).fetchall()}


def _sums(rows: list[tuple]) -> pd.Series:
    """Returns COUNT_COLUMNS summed over `rows` (tuples of COUNT_COLUMNS values), with delivered_pct, ctr and
    clicks_per_clicker."""
    sums = dict(zip(COUNT_COLUMNS, (int(sum(col)) for col in zip(*rows)))) if rows else dict.fromkeys(COUNT_COLUMNS, 0)
    sums["delivered_pct"] = sums["delivered"] / sums["sent"] if sums["sent"] else math.nan
    sums["ctr"] = sums["clicked"] / sums["delivered"] if sums["delivered"] else math.nan
    sums["clicks_per_clicker"] = per_clicker(sums["clicks"], sums["clicked"])
    return pd.Series(sums, dtype="object")


def period_summary(db: Db, *, period: Period, compare: bool = True) -> tuple[pd.Series, pd.Series | None, pd.DataFrame]:
    """Returns (kpis of the period, kpis of the previous period or None, daily trend) from one query
    over the days of both periods.

    The kpis are the bulk counts (COUNT_COLUMNS) with delivered_pct and ctr. The trend
    has one row per day of the period (days without messages as zeros): day, sent,
    delivered, clicked, ctr, and prev_day, prev_sent, prev_delivered, prev_clicked, prev_ctr
    (the same offset in the previous period; NaN when `compare` is False, and on a previous day before the
    lake's first day with data: nothing is known of it, it was not 0).
    """
    prev = period.previous()
    found = _counts_by_day(db, Period(prev.start if compare else period.start, period.end, period.tz))
    zero = (0,) * len(COUNT_COLUMNS)
    days = period.day_list()
    now = [found.get(d, zero) for d in days]
    sent, delivered, clicked = (COUNT_COLUMNS.index(c) for c in ("sent", "delivered", "clicked"))
    trend = pd.DataFrame(
        {
            "day": days,
            "sent": pd.Series([r[sent] for r in now], dtype="int64"),
            "delivered": pd.Series([r[delivered] for r in now], dtype="int64"),
            "clicked": pd.Series([r[clicked] for r in now], dtype="int64"),
            "ctr": pd.Series([r[clicked] / r[delivered] if r[delivered] else math.nan for r in now], dtype="float64"),
        }
    )
    if not compare:
        trend = trend.assign(
            prev_day=None,
            prev_sent=float("nan"),
            prev_delivered=float("nan"),
            prev_clicked=float("nan"),
            prev_ctr=float("nan"),
        )
        return _sums(now), None, trend
    before_days = prev.day_list()
    before = [found.get(d, zero) for d in before_days]
    # A previous day before the lake's first day has no data, which is not 0 sent: the chart leaves it out.
    lake = data_days(db)
    lake_first = lake[0] if lake else period.start
    drawn = [r if d >= lake_first else None for d, r in zip(before_days, before)]

    def prev_counts(column: int) -> pd.Series:
        return pd.Series([math.nan if r is None else float(r[column]) for r in drawn], dtype="float64")

    trend = trend.assign(
        prev_day=before_days,
        prev_sent=prev_counts(sent),
        prev_delivered=prev_counts(delivered),
        prev_clicked=prev_counts(clicked),
        prev_ctr=pd.Series(
            [r[clicked] / r[delivered] if r is not None and r[delivered] else math.nan for r in drawn], dtype="float64"
        ),
    )
    return _sums(now), _sums(before), trend


def empty_summary() -> tuple[pd.Series, None, pd.DataFrame]:
    """Returns what `period_summary` returns for a range without a day of data: zero kpis, no previous
    period, a trend with its columns and no days (nothing is queried)."""
    trend = pd.DataFrame(
        {
            "day": pd.Series([], dtype="object"),
            **{c: pd.Series([], dtype="int64") for c in ("sent", "delivered", "clicked")},
            **{c: pd.Series([], dtype="float64") for c in ("ctr", "prev_sent", "prev_delivered", "prev_ctr")},
        }
    )
    trend.insert(5, "prev_day", pd.Series([], dtype="object"))
    return _sums([]), None, trend


_DISPATCH_COLUMNS = [
    "dispatch_id",
    "number",
    "name",
    "description",
    "message_text",
    "recipient_group",
    "sender",
    "sent_at",
    *COUNT_COLUMNS,
]


def _dispatch_totals(db: Db, tz: str) -> tuple[list[int], list[tuple]]:
    """Returns every dispatch with messages, oldest first (by its first message, then number): the UTC
    microseconds of each one's first message, and its _DISPATCH_COLUMNS values (sent_at in `tz`, naive).

    A dispatch's figures do not depend on the period, only which dispatches a period lists does:
    they are summed once per lake version (one pass over the dispatch rollup), and each period
    takes its slice."""
    src = db.sources()

    def found():
        rows = (
            db.cursor()
            .execute(
                f"""
            WITH c AS (SELECT dispatch_id, min(first_at) AS first_at, {COUNTS_SQL}
                       FROM {src["dispatch_daily"]} GROUP BY dispatch_id)
            SELECT epoch_us(c.first_at), d.dispatch_id, d.number, d.name, d.description, d.message_text,
                   d.recipient_group, d.sender, timezone($tz, c.first_at),
                   {", ".join("c." + col for col in COUNT_COLUMNS)}
            FROM c JOIN {src["dispatches"]} d USING (dispatch_id)
            ORDER BY c.first_at, d.number
            """,
                {"tz": tz},
            )
            .fetchall()
        )
        return [int(r[0]) for r in rows], [r[1:] for r in rows]

    return db.remember(("dispatch_totals", tz), found)


def dispatch_sent_at(db: Db, *, dispatch_id: str, tz: str) -> dt.datetime | None:
    """Returns when a dispatch went out: its first message, local time in `tz` (naive), as the dispatch
    history shows it; None before any message."""
    first = db.remember(("dispatch_sent_at", tz), lambda: {r[0]: r[7] for r in _dispatch_totals(db, tz)[1]})
    return first.get(dispatch_id)


def dispatch_records(db: Db, *, period: Period, members: pd.DataFrame | None = None) -> list[dict[str, object]]:
    """Returns one dict per dispatch sent in the period, newest first (plain Python values: cheaper
    for a page's few hundred rows).

    A dispatch is sent when its first message is created, and belongs to the period of
    that day; its counts are those of all its messages, whenever they were created (so a
    dispatch reads the same in every period, table, details and export).

    Keys: dispatch_id, number, name, description, message_text, recipient_group,
    sender, sent_at (its first message, local time, naive), COUNT_COLUMNS,
    delivered_pct, ctr, clicks_per_clicker; costs (`data.queries.cost.Cost`, from the cost rollup) and cost (its
    `cost.sort_key`); optouts and optout_rate (opt-outs / delivered, `data.queries.optouts`); and campaign_id (None when in no campaign) when the campaign `members` (dispatch_id,
    campaign_id) are given.
    """
    first, rows = _dispatch_totals(db, period.tz)
    every = cost_queries.dispatch_costs(db)
    optouts = every_dispatch_optouts(db)
    lo, hi = (int(b.timestamp()) * 1_000_000 for b in period.bounds_utc())  # local midnights: whole seconds
    chosen = rows[bisect.bisect_left(first, lo) : bisect.bisect_left(first, hi)]
    # A few hundred dispatches at most: campaigns are joined here rather than registered with DuckDB.
    owner = {} if members is None else dict(zip(members["dispatch_id"], members["campaign_id"]))
    out = []
    for row in reversed(chosen):
        r = dict(zip(_DISPATCH_COLUMNS, row))
        r["number"] = int(r["number"])
        for c in COUNT_COLUMNS:
            r[c] = int(r[c])
        r["delivered_pct"] = r["delivered"] / r["sent"] if r["sent"] else math.nan
        r["ctr"] = r["clicked"] / r["delivered"] if r["delivered"] else math.nan
        r["clicks_per_clicker"] = per_clicker(r["clicks"], r["clicked"])
        r["costs"] = every.get(r["dispatch_id"], cost_queries.NONE)
        r["cost"] = cost_queries.sort_key(r["costs"])
        r["optouts"] = optouts.get(r["dispatch_id"], 0)
        r["optout_rate"] = r["optouts"] / r["delivered"] if r["delivered"] else math.nan
        if members is not None:
            c = owner.get(r["dispatch_id"])
            r["campaign_id"] = None if c is None else int(c)
        out.append(r)
    return out


def _ids(dispatch_id: str | Sequence[str]) -> list[str]:
    return [dispatch_id] if isinstance(dispatch_id, str) else list(dispatch_id)


def dispatch_counts(db: Db, *, dispatch_id: str | Sequence[str]) -> pd.DataFrame:
    """Returns one row of the counts over all messages of a dispatch (or of several: a campaign), COUNT_COLUMNS + rates."""
    src = db.sources()
    sql = f"SELECT {COUNTS_SQL} FROM {src['dispatch_daily']} WHERE list_contains($ids, dispatch_id)"
    return with_rates(_ints(db.cursor().execute(sql, {"ids": _ids(dispatch_id)}).df()))


def dispatch_reasons(db: Db, *, dispatch_id: str | Sequence[str]) -> pd.DataFrame:
    """Returns the reasons of the not-sent and not-delivered messages of a dispatch (or several), most frequent first.

    Columns: status_group, reason (None when the provider gave none), count, share (of
    all the messages that did not get through: not sent and not delivered; the rows add
    up to 1).
    """
    src = db.sources()
    groups = [StatusGroup.NOT_SENT.value, StatusGroup.NOT_DELIVERED.value]
    sql = f"""
        WITH m AS (
            SELECT {STATUS_GROUP_SQL} AS status_group, reason, messages
            FROM {src["dispatch_daily"]} WHERE list_contains($ids, dispatch_id)
        )
        SELECT status_group, reason, sum(messages) AS count,
               sum(messages) / sum(sum(messages)) OVER () AS share
        FROM m WHERE status_group IN ({in_list(groups)})
        GROUP BY status_group, reason ORDER BY count DESC, status_group, reason
    """
    frame = db.cursor().execute(sql, {"ids": _ids(dispatch_id)}).df()
    frame["reason"] = frame["reason"].astype("object").where(frame["reason"].notna(), None)
    return frame.astype({"count": "int64", "share": "float64"})


def dispatch_months(db: Db, *, dispatch_ids: list[str]) -> set[str]:
    """Returns the lake months ("YYYY-MM", UTC) that hold messages of these dispatches: the month each was
    created in, and those the rollups counted its messages in; when the rollups are not read (they would be
    counted from the readable months only), the month after its creation as well."""
    src = db.sources()
    ids = list(dispatch_ids)
    created = db.cursor().execute(
        f"SELECT strftime(created_at AT TIME ZONE 'UTC', '%Y-%m'), "
        f"strftime((created_at AT TIME ZONE 'UTC') + INTERVAL 1 MONTH, '%Y-%m') "
        f"FROM {src['dispatches']} WHERE list_contains($ids, dispatch_id)",
        {"ids": ids},
    )
    pairs = created.fetchall()
    if not db.reads_rollups():
        return {m for pair in pairs for m in pair if m}
    counted = db.cursor().execute(
        f"SELECT DISTINCT month FROM {src['dispatch_daily']} WHERE list_contains($ids, dispatch_id)", {"ids": ids}
    )
    return {first for first, _next in pairs if first} | {m for (m,) in counted.fetchall() if m}


def numbers_batches(
    db: Db, *, dispatch_id: str | Sequence[str], group: StatusGroup, reason: str | None = None, batch_rows: int = 50_000
) -> Iterator[pa.RecordBatch]:
    """Returns the recipients' numbers (column msisdn) of one status group of a dispatch (or of each of
    several, one after the other), in batches.

    `reason` narrows to one reason; "none" selects messages without a reason. The
    rows are streamed from DuckDB: memory stays bounded whatever the dispatch size.
    Raises MonthsUnreadable at once (before any batch) when a month holding the
    dispatches' messages cannot be read: the list would be short without a word.
    """
    ids = [dispatch_id] if isinstance(dispatch_id, str) else list(dispatch_id)
    months = dispatch_months(db, dispatch_ids=ids)
    db.require_months(months)
    return _numbers_batches(db, ids=ids, group=group, reason=reason, batch_rows=batch_rows, months=months)


def _numbers_batches(
    db: Db, *, ids: list[str], group: StatusGroup, reason: str | None, batch_rows: int, months: set[str]
) -> Iterator[pa.RecordBatch]:
    src = db.sources()
    where = f"dispatch_id = $id AND status IN ({in_list(statuses_in(group))})"
    if reason == "none":
        where += " AND reason IS NULL"
    elif reason is not None:
        where += " AND reason = $reason"
    for dispatch_id in ids:
        params: dict[str, object] = {"id": dispatch_id}
        if reason not in (None, "none"):
            params["reason"] = reason
        cur = db.new_cursor()
        try:
            relation = cur.sql(f"SELECT msisdn FROM {src['messages']} WHERE {where}", params=params)
            yield from relation.to_arrow_reader(batch_rows)
        except Exception as exc:
            if db.note_failure(exc):  # a file found unreadable only now (damaged inside): say which month
                db.require_months(months)
            raise
        finally:
            cur.close()
