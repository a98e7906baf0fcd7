"""Queries of the transactional reports page.

Test sends and API messages (source 'test' or 'api'), grouped by the campaign label
an API sender attaches. Aggregates read the `transactional_daily` and
`transactional_click_delay` rollups; only the latest messages of a campaign and its
messages download read raw messages (newest partitions first, or streamed).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import os
import re
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa

from data.db import Db
from data.period import Period
from data.pii import mask_msisdn
from data.queries import cost as cost_queries
from data.queries import delivery as delivery_queries
from data.queries import operators as operator_queries
from data.queries.counts import (
    COUNT_COLUMNS,
    GROUP_SHARES,
    PERIOD_WHERE,
    in_list,
    month_of,
    per_clicker,
    period_params,
    share,
)
from data.rollups import LATEST_KEPT, delay_bucket_width
from data.schema import STATUS_GROUP, StatusGroup, statuses_in

TRX_SOURCES = ("test", "api")
NO_CAMPAIGN_KEY = "none"
DETAIL_THREADS = 8  # a detail submits 5 queries; two rows opened at once still run side by side
_LABEL_PREFIX = "label:"
_MONTH_RE = re.compile(r"^\d{4}-\d{2}$")
TRX_COUNT_COLUMNS = [*COUNT_COLUMNS, "clicked_raw"]
# Sums over transactional_daily rows, as BIGINT (so the frames need no conversion); clicks of delivered
# messages only, as COUNTS_SQL counts them.
TRX_COUNTS_SQL = f"""
    CAST(coalesce(sum(messages), 0) AS BIGINT) AS recipients,
    CAST(coalesce(sum(messages) FILTER (WHERE status <> 'not_sent'), 0) AS BIGINT) AS sent,
    CAST(coalesce(sum(messages) FILTER (WHERE status = 'delivered'), 0) AS BIGINT) AS delivered,
    CAST(coalesce(sum(messages) FILTER (WHERE status = 'not_sent'), 0) AS BIGINT) AS not_sent,
    CAST(coalesce(sum(messages) FILTER (WHERE status IN ({in_list(statuses_in(StatusGroup.NOT_DELIVERED))})), 0) AS BIGINT)
        AS not_delivered,
    CAST(coalesce(sum(messages) FILTER (WHERE status = 'pending'), 0) AS BIGINT) AS pending,
    CAST(coalesce(sum(clicked) FILTER (WHERE status = 'delivered'), 0) AS BIGINT) AS clicked,
    CAST(coalesce(sum(clicks) FILTER (WHERE status = 'delivered'), 0) AS BIGINT) AS clicks,
    CAST(coalesce(sum(clicked_raw) FILTER (WHERE status = 'delivered'), 0) AS BIGINT) AS clicked_raw
"""


def _with_trx_rates_sql(counted: str) -> str:
    """Returns a SELECT adding delivered_pct, ctr and ctr_raw (NULL, i.e. NaN, where undefined) to `counted`."""
    return f"""SELECT *, delivered / nullif(sent, 0) AS delivered_pct, clicked / nullif(delivered, 0) AS ctr,
                      clicked_raw / nullif(delivered, 0) AS ctr_raw, clicks / nullif(clicked, 0) AS clicks_per_clicker
               FROM ({counted})"""


@dataclass(frozen=True)
class Campaign:
    """One row of the transactional table: the messages labelled `label`, or those without a label (None)."""

    label: str | None

    @property
    def key(self) -> str:
        """Returns the campaign as text for row ids and addresses ("label:<label>", or "none")."""
        return NO_CAMPAIGN_KEY if self.label is None else _LABEL_PREFIX + self.label

    @classmethod
    def from_key(cls, key: str) -> Campaign:
        """Returns the campaign of a `key`; ValueError when it is not one."""
        if key == NO_CAMPAIGN_KEY:
            return cls(None)
        if key.startswith(_LABEL_PREFIX):
            return cls(key[len(_LABEL_PREFIX) :])
        raise ValueError(f"not a campaign key: {key!r}")


def trx_filter(source: str | None, campaign: Campaign | None, params: dict[str, object], prefix: str = "") -> str:
    """Returns the SQL condition for a source and a campaign (binding their values into `params`)."""
    where = ""
    if source is not None:
        if source not in TRX_SOURCES:
            raise ValueError(f"source must be one of {TRX_SOURCES}, not {source!r}")
        where += f" AND {prefix}source = $source"
        params["source"] = source
    else:
        where += f" AND {prefix}source <> 'bulk'"
    if campaign is not None:
        if campaign.label is None:
            where += f" AND {prefix}campaign_label IS NULL"
        else:
            where += f" AND {prefix}campaign_label = $label"
            params["label"] = campaign.label
    return where


def trx_kpis(db: Db, *, period: Period, source: str | None = None, campaign: Campaign | None = None) -> pd.DataFrame:
    """Returns one row of transactional counts (COUNT_COLUMNS + clicked_raw) with delivered_pct, ctr and ctr_raw."""
    src = db.sources()
    params = period_params(period)
    where = PERIOD_WHERE + trx_filter(source, campaign, params)
    sql = _with_trx_rates_sql(f"SELECT {TRX_COUNTS_SQL} FROM {src['transactional_daily']} WHERE {where}")
    return db.cursor().execute(sql, params).df()


def trx_period_cost(db: Db, *, period: Period, source: str | None = None) -> cost_queries.Cost:
    """Returns the cost of the period's transactional messages of `source` (else of every source): the KPI cards'
    messages."""
    params: dict[str, object] = {}
    return cost_queries.trx_cost(db, period=period, where=trx_filter(source, None, params), params=params)


def trx_totals(daily: pd.DataFrame) -> pd.Series:
    """Returns what `trx_kpis` returns (as a row) from the `trx_daily` frame of the same period,
    source and campaign, without a query: every count is a sum over days."""
    sums: dict[str, float] = {c: int(daily[c].sum()) for c in TRX_COUNT_COLUMNS}
    sums["delivered_pct"] = sums["delivered"] / sums["sent"] if sums["sent"] else math.nan
    sums["ctr"] = sums["clicked"] / sums["delivered"] if sums["delivered"] else math.nan
    sums["ctr_raw"] = sums["clicked_raw"] / sums["delivered"] if sums["delivered"] else math.nan
    sums["clicks_per_clicker"] = per_clicker(sums["clicks"], sums["clicked"])
    return pd.Series(sums, dtype="object")


_GROUP_OF = {s.value: g.value for s, g in STATUS_GROUP.items()}
_NOT_DELIVERED = frozenset(statuses_in(StatusGroup.NOT_DELIVERED))


def _trx_counts(rows: list[tuple]) -> list[int]:
    """Returns TRX_COUNT_COLUMNS summed over (status, messages, clicked, clicks, clicked_raw) rows, as
    TRX_COUNTS_SQL counts them."""
    recipients = sent = delivered = not_sent = not_delivered = pending = clicked = clicks_all = clicked_raw = 0
    for status, messages, clicks, human_clicks, clicks_raw in rows:
        recipients += messages
        if status is None:  # SQL's FILTER (WHERE status ...) leaves NULL out of every status count
            continue
        if status == "not_sent":
            not_sent += messages
            continue
        sent += messages
        if status == "delivered":
            delivered += messages
            clicked += clicks
            clicks_all += human_clicks
            clicked_raw += clicks_raw
        elif status == "pending":
            pending += messages
        elif status in _NOT_DELIVERED:
            not_delivered += messages
    return [
        int(v)
        for v in (recipients, sent, delivered, not_sent, not_delivered, pending, clicked, clicks_all, clicked_raw)
    ]


def _days_frame(found: dict[str, np.ndarray], period: Period) -> pd.DataFrame:
    """Returns one row per day of the period: day and TRX_COUNT_COLUMNS, summed (as `_trx_counts`
    counts) from the columns day, status, messages, clicked, clicked_raw of `found` (numpy arrays:
    thousands of rows sum far faster this way than as Python tuples)."""
    days = period.day_list()
    at = (found["day"].astype("datetime64[D]") - np.datetime64(period.start, "D")).astype(np.int64)
    status = found["status"]
    known = ~pd.isna(status)  # SQL's FILTER (WHERE status ...) leaves NULL out of every status count
    not_sent = status == "not_sent"

    def total(values: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
        if where is not None:
            at_, values = at[where], values[where]
        else:
            at_ = at
        return np.bincount(at_, weights=values, minlength=len(days)).astype(np.int64)

    messages = found["messages"]
    frame = pd.DataFrame(
        {
            "recipients": total(messages),
            "sent": total(messages, known & ~not_sent),
            "delivered": total(messages, status == "delivered"),
            "not_sent": total(messages, not_sent),
            "not_delivered": total(messages, np.isin(status, list(_NOT_DELIVERED))),
            "pending": total(messages, status == "pending"),
            "clicked": total(found["clicked"], status == "delivered"),
            "clicks": total(found["clicks"], status == "delivered"),
            "clicked_raw": total(found["clicked_raw"], status == "delivered"),
        }
    )
    frame.insert(0, "day", days)
    return frame


def _trx_breakdowns(
    db: Db,
    *,
    period: Period,
    source: str | None,
    campaign: Campaign | None,
    sets: tuple[str, ...] = ("day", "source", "reason"),
    pool: ThreadPoolExecutor | None = None,
) -> dict:
    """Returns the period's transactional counts, those named in `sets`: "day" and "source" (frames of
    TRX_COUNT_COLUMNS) and "reason" ((status_group, reason, messages) tuples).

    Two flat queries (per day; per source, status and reason) folded here: faster than one
    grouping-sets query over the same rows. With a `pool` the day query runs in its thread.
    """
    src = db.sources()
    params = period_params(period)
    where = PERIOD_WHERE + trx_filter(source, campaign, params)
    table = src["transactional_daily"]

    def by_day() -> pd.DataFrame:
        return _days_frame(
            db.cursor()
            .execute(
                f"""SELECT day, status, CAST(sum(messages) AS BIGINT) AS messages, CAST(sum(clicked) AS BIGINT) AS clicked,
                       CAST(sum(clicks) AS BIGINT) AS clicks, CAST(sum(clicked_raw) AS BIGINT) AS clicked_raw
                FROM {table} WHERE {where} GROUP BY day, status""",
                params,
            )
            .fetchnumpy(),
            period,
        )

    days = pool.submit(by_day) if pool is not None and "day" in sets else None
    out: dict = {}
    if "source" in sets or "reason" in sets:
        rows = (
            db.cursor()
            .execute(
                f"""SELECT source, status, reason, sum(messages), sum(clicked), sum(clicks), sum(clicked_raw) FROM {table}
                WHERE {where} GROUP BY source, status, reason""",
                params,
            )
            .fetchall()
        )
        per_source: dict[str, list[tuple]] = {}
        reasons: dict[tuple, int] = {}
        for src_name, status, reason, messages, clicked, clicks, clicked_raw in rows:
            per_source.setdefault(src_name, []).append((status, messages, clicked, clicks, clicked_raw))
            key = (_GROUP_OF.get(status), reason)
            reasons[key] = reasons.get(key, 0) + int(messages)
        names = sorted(per_source)
        counts = [_trx_counts(per_source[name]) for name in names]
        out["source"] = pd.DataFrame(
            {
                "source": pd.Series(names, dtype="object"),
                **{c: pd.Series([v[i] for v in counts], dtype="int64") for i, c in enumerate(TRX_COUNT_COLUMNS)},
            }
        )
        out["reason"] = [(group, reason, count) for (group, reason), count in reasons.items()]
    if "day" in sets:
        out["day"] = days.result() if days is not None else by_day()
    return out


def _with_trx_rates(frame: pd.DataFrame) -> pd.DataFrame:
    frame["delivered_pct"] = share(frame["delivered"].to_numpy(), frame["sent"].to_numpy())
    frame["ctr"] = share(frame["clicked"].to_numpy(), frame["delivered"].to_numpy())
    frame["ctr_raw"] = share(frame["clicked_raw"].to_numpy(), frame["delivered"].to_numpy())
    frame["clicks_per_clicker"] = share(frame["clicks"].to_numpy(), frame["clicked"].to_numpy())
    return frame


def _daily_part(parts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return _with_trx_rates(parts["day"])


def _source_part(parts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return _with_trx_rates(parts["source"])


def _groups_part(parts: dict) -> pd.DataFrame:
    totals = {c: int(parts["source"][c].sum()) for c in TRX_COUNT_COLUMNS}  # a group's count is its column
    order = [
        g.value for g in (StatusGroup.DELIVERED, StatusGroup.NOT_SENT, StatusGroup.NOT_DELIVERED, StatusGroup.PENDING)
    ]
    base = dict(GROUP_SHARES.values())  # group -> the count its share is of
    return pd.DataFrame(
        {
            "status_group": order,
            "count": pd.Series([totals[g] for g in order], dtype="int64"),
            "share": pd.Series([share([totals[g]], [totals[base[g]]])[0] for g in order], dtype="float64"),
        }
    )


def _reasons_part(parts: dict) -> pd.DataFrame:
    shown = (StatusGroup.NOT_SENT.value, StatusGroup.NOT_DELIVERED.value)
    rows = [r for r in parts["reason"] if r[0] in shown]
    whole = sum(count for _group, _reason, count in rows)  # every message that did not get through
    rows.sort(key=lambda r: (-r[2], r[0], r[1] is None, r[1] or ""))
    return pd.DataFrame(
        {
            "status_group": pd.Series([r[0] for r in rows], dtype="object"),
            "reason": pd.Series([r[1] for r in rows], dtype="object"),
            "count": pd.Series([r[2] for r in rows], dtype="int64"),
            "share": pd.Series([r[2] / whole if whole else math.nan for r in rows], dtype="float64"),
        }
    )


def trx_daily(db: Db, *, period: Period, source: str | None = None, campaign: Campaign | None = None) -> pd.DataFrame:
    """Returns one row per day of the period (zeros where nothing was sent): day, COUNT_COLUMNS,
    clicked_raw, delivered_pct, ctr, ctr_raw."""
    return _daily_part(_trx_breakdowns(db, period=period, source=source, campaign=campaign, sets=("day",)))


def trx_no_days() -> pd.DataFrame:
    """Returns what `trx_daily` returns for a range without a day of data: its columns, no rows (nothing is queried)."""
    empty = {c: pd.Series([], dtype="int64") for c in TRX_COUNT_COLUMNS}
    return _with_trx_rates(pd.DataFrame({"day": pd.Series([], dtype="object"), **empty}))


TRX_CAMPAIGN_COLUMNS = [
    "campaign_label",
    "key",
    "first_at",
    *TRX_COUNT_COLUMNS,
    "delivered_pct",
    "ctr",
    "ctr_raw",
    "clicks_per_clicker",
]


def trx_campaign_records(db: Db, *, period: Period, source: str | None = None) -> list[dict[str, object]]:
    """Returns one dict per campaign label with messages in the period (label None: messages
    without one), most sent first (plain Python values: cheaper for the page's few rows).

    Keys (TRX_CAMPAIGN_COLUMNS): campaign_label, key (`Campaign.key`), first_at
    (local, naive), COUNT_COLUMNS, clicked_raw, delivered_pct, ctr, ctr_raw. One flat
    query per label and status, counted by `_trx_counts`.
    """
    src = db.sources()
    params = period_params(period)
    where = PERIOD_WHERE + trx_filter(source, None, params)
    found: dict[str | None, list[tuple]] = {}
    first: dict[str | None, dt.datetime] = {}
    for label, status, first_at, *counts in (
        db.cursor()
        .execute(
            f"""SELECT campaign_label, status, min(first_at), sum(messages), sum(clicked), sum(clicks), sum(clicked_raw)
                FROM {src["transactional_daily"]} WHERE {where} GROUP BY campaign_label, status""",
            params,
        )
        .fetchall()
    ):
        found.setdefault(label, []).append((status, *counts))
        first[label] = first_at if label not in first else min(first[label], first_at)
    zone = ZoneInfo(period.tz)
    records = []
    for label, rows in found.items():
        r = dict(zip(TRX_COUNT_COLUMNS, _trx_counts(rows)))
        r.update(
            campaign_label=label,
            key=Campaign(label).key,
            first_at=_local(first[label], zone),
            delivered_pct=r["delivered"] / r["sent"] if r["sent"] else math.nan,
            ctr=r["clicked"] / r["delivered"] if r["delivered"] else math.nan,
            ctr_raw=r["clicked_raw"] / r["delivered"] if r["delivered"] else math.nan,
            clicks_per_clicker=per_clicker(r["clicks"], r["clicked"]),
        )
        records.append(r)
    # sent, then recipients, most first; then by label, unlabelled last
    records.sort(key=lambda r: (-r["sent"], -r["recipients"], r["campaign_label"] is None, r["campaign_label"] or ""))
    return records


def trx_campaign_frame(records: list[dict[str, object]], extra: Sequence[str] = ()) -> pd.DataFrame:
    """Returns `trx_campaign_records` (plus their `extra` columns first) as a DataFrame with typed columns."""
    columns = [*extra, *TRX_CAMPAIGN_COLUMNS]
    frame = pd.DataFrame({c: pd.Series([r[c] for r in records], dtype="object") for c in columns})
    return frame.astype(
        {
            "first_at": "datetime64[us]",
            **{c: "int64" for c in TRX_COUNT_COLUMNS},
            "delivered_pct": "float64",
            "ctr": "float64",
            "ctr_raw": "float64",
            "clicks_per_clicker": "float64",
        }
    )


def _local(ts: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    """Returns an aware time as naive local time in `zone` (what DuckDB's timezone() returns)."""
    return None if ts is None else ts.astimezone(zone).replace(tzinfo=None)


def trx_click_delay(
    db: Db, *, period: Period, campaign: Campaign | None = None, source: str | None = None
) -> pd.DataFrame:
    """Returns the time from delivery to the first human click, as a histogram of buckets:
    delay_bucket (lower bound, seconds), width (seconds), messages; shortest first."""
    src = db.sources()
    params = period_params(period)
    where = PERIOD_WHERE + trx_filter(source, campaign, params)
    rows = (
        db.cursor()
        .execute(
            f"""SELECT delay_bucket, sum(messages) FROM {src["transactional_click_delay"]} WHERE {where}
            GROUP BY delay_bucket ORDER BY delay_bucket""",
            params,
        )
        .fetchall()
    )
    return pd.DataFrame(
        {
            "delay_bucket": [int(r[0]) for r in rows],
            "width": [delay_bucket_width(int(r[0])) for r in rows],
            "messages": [int(r[1]) for r in rows],
        },
        dtype="int64",
    )


def click_delay_median(delays: pd.DataFrame) -> float | None:
    """Returns the median delay in seconds of a `trx_click_delay` histogram (interpolated within its
    bucket, so within a minute below a day), or None when nothing was clicked."""
    total = int(delays["messages"].sum()) if len(delays) else 0
    if total == 0:
        return None
    half = total / 2
    before = 0
    for bucket, width, count in zip(
        delays["delay_bucket"].tolist(), delays["width"].tolist(), delays["messages"].tolist()
    ):
        if before + count >= half:
            return float(bucket + width * (half - before) / count)
        before += count
    return None  # unreachable: the counts add up to total


DELAY_BIN_EDGES = (0, 60, 300, 900, 3600, 10800, 86400, 604800)  # seconds: <1 min, 1-5 min, ..., 1-7 days, >7 days


def click_delay_bins(delays: pd.DataFrame, edges: tuple[int, ...] = DELAY_BIN_EDGES) -> pd.DataFrame:
    """Returns a `trx_click_delay` histogram regrouped into readable bins: bin (its lower edge,
    seconds), messages; every bin present, zeros included. The edges fall on bucket bounds."""
    counts = [0] * len(edges)
    for bucket, count in zip(delays["delay_bucket"].tolist(), delays["messages"].tolist()):
        counts[bisect.bisect_right(edges, bucket) - 1] += int(count)
    return pd.DataFrame({"bin": list(edges), "messages": counts}, dtype="int64")


def _months_between(lo: dt.datetime, hi: dt.datetime) -> list[str]:
    """Returns the UTC months ('YYYY-MM') that meet [lo, hi), oldest first."""
    hi = hi - dt.timedelta(microseconds=1)
    months, year, month = [], lo.year, lo.month
    while (year, month) <= (hi.year, hi.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# The newest messages are looked for in growing slices of time before the period's end:
# each month file keeps its transactional messages in created_at order, so a narrow
# slice lets DuckDB skip every row group outside it (the scan stays the same size
# however large the lake); whole months follow only for campaigns that rarely send.
_LATEST_SLICES = (dt.timedelta(days=1), dt.timedelta(days=7), dt.timedelta(days=31))


def _latest_slices(lo: dt.datetime, hi: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """Returns the [start, end) slices of [lo, hi) to search for the newest messages, newest first:
    the last day, the week and the month before it, then the rest of the period at once."""
    slices, end = [], hi
    for width in _LATEST_SLICES:
        start = max(lo, end - width)
        if start >= end:
            return slices
        slices.append((start, end))
        end = start
    if end > lo:
        slices.append((lo, end))
    return slices


def trx_latest_messages(
    db: Db, *, period: Period, campaign: Campaign, source: str | None = None, limit: int = 10
) -> pd.DataFrame:
    """Returns the campaign's newest `limit` messages of the period, newest first.

    Columns: created_at (local, naive), msisdn_masked (`data.pii.mask_msisdn`: the
    full number never leaves this function), source, status, reason, clicks (human
    clicks), clicks_raw (all clicks). Read from the `transactional_latest` rollup when
    it is loaded (and `limit` is at most what it keeps), else from the raw messages
    (`_latest_raw`).
    """
    if limit <= LATEST_KEPT and db.reads_rollups():
        params = {**period_params(period), "tz": period.tz, "limit": int(limit)}
        where = PERIOD_WHERE + trx_filter(source, campaign, params)
        found = (
            db.cursor()
            .execute(
                f"""SELECT message_id, timezone($tz, created_at), msisdn, source, status, reason, clicks, clicks_raw
                FROM {db.sources()["transactional_latest"]} WHERE {where}
                ORDER BY created_at DESC, message_id DESC LIMIT $limit""",
                params,
            )
            .fetchall()
        )
    else:
        found = _latest_raw(db, period=period, campaign=campaign, source=source, limit=limit)
    columns = ["created_at", "msisdn_masked", "source", "status", "reason", "clicks", "clicks_raw"]
    if not found:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c.startswith("clicks") else "object") for c in columns})
    return pd.DataFrame(
        {
            "created_at": pd.to_datetime([r[1] for r in found]),
            "msisdn_masked": pd.Series([mask_msisdn(r[2]) for r in found], dtype="object"),
            **{
                c: pd.Series([r[i] for r in found], dtype="object")
                for i, c in enumerate(("source", "status", "reason"), 3)
            },
            "clicks": pd.Series([r[6] for r in found], dtype="int64"),
            "clicks_raw": pd.Series([r[7] for r in found], dtype="int64"),
        }
    )


def _latest_raw(db: Db, *, period: Period, campaign: Campaign, source: str | None, limit: int) -> list[tuple]:
    """Returns the rows of `trx_latest_messages` from the raw messages, in slices of time newest first
    (`_latest_slices`), stopping as soon as there are `limit`: message_id, created_at (local),
    msisdn, source, status, reason, clicks, clicks_raw."""
    src = db.sources()
    lo, hi = period.bounds_utc()
    cur = db.cursor()
    found: list[tuple] = []  # message_id, created_at (local), created_at (UTC), msisdn, source, status, reason
    for start, end in _latest_slices(lo, hi):
        months = _months_between(start, end)
        assert all(_MONTH_RE.match(m) for m in months)  # spelled into the SQL text: partition pruning
        params: dict[str, object] = {"lo": start, "hi": end, "limit": int(limit)}
        in_months = ", ".join(f"'{m}'" for m in months)
        where = f"month IN ({in_months}) AND created_at >= $lo AND created_at < $hi" + trx_filter(
            source, campaign, params
        )
        found += cur.execute(
            f"""SELECT message_id, timezone($tz, created_at), created_at, msisdn, source, status, reason
                FROM {src["messages"]} WHERE {where} ORDER BY created_at DESC, message_id DESC LIMIT $limit""",
            {**params, "tz": period.tz},
        ).fetchall()
        if len(found) >= limit:
            break
    if not found:
        return []
    found = sorted(found, key=lambda r: (r[2], r[0]), reverse=True)[:limit]
    # A click is filed under the month it happened, after its message was sent (a day's slack for clock skew).
    oldest = min(r[2] for r in found) - dt.timedelta(days=1)
    clicks = {
        mid: (human, every)
        for mid, human, every in cur.execute(
            f"""SELECT message_id, count(*) FILTER (WHERE NOT is_bot), count(*)
            FROM {src["clicks"]} WHERE month >= $m0 AND clicked_at >= $t0 AND list_contains($ids, message_id)
            GROUP BY message_id""",
            {"m0": month_of(oldest), "t0": oldest, "ids": [r[0] for r in found]},
        ).fetchall()
    }
    return [(r[0], r[1], *r[3:], *clicks.get(r[0], (0, 0))) for r in found]


@dataclass(frozen=True)
class TrxDetail:
    """The frames of one transactional campaign's detail row.

    daily: `trx_daily`; delays: `trx_click_delay`; latest: `trx_latest_messages`;
    by_source: one row per source (test, api) with messages: source, COUNT_COLUMNS,
    clicked_raw and the rates; groups: the four status groups in the users' order:
    status_group, count, share (`GROUP_SHARES`: delivered, not delivered and pending of
    the sent messages, not sent of all); reasons: the reasons of not-sent and
    not-delivered messages, most frequent first: status_group, reason (None when the
    provider gave none), count, share (of all not sent and not delivered messages);
    breakdowns: by operator and by country (`data.queries.operators`); delivery: the time to delivery
    (`data.queries.delivery`); cost: what the messages cost (`data.queries.cost`).
    """

    daily: pd.DataFrame
    delays: pd.DataFrame
    by_source: pd.DataFrame
    groups: pd.DataFrame
    reasons: pd.DataFrame
    latest: pd.DataFrame
    breakdowns: dict[str, pd.DataFrame]
    delivery: delivery_queries.DeliveryTime
    cost: cost_queries.Cost


_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _detail_pool() -> ThreadPoolExecutor:
    """Returns this process's pool for the queries of a detail (one per process: a forked server starts its own).

    Its threads live on, and with them their DuckDB cursors (`Db.cursor` is per thread): a pool made per row
    started four threads and four cursors each time, which on a busy 2-core machine cost more than the queries
    (docs/performance.md, issue 20). Its tasks never wait on one another, so requests sharing it only queue."""
    with _POOLS_LOCK:
        pool = _POOLS.get(os.getpid())
        if pool is None:
            pool = _POOLS[os.getpid()] = ThreadPoolExecutor(max_workers=DETAIL_THREADS, thread_name_prefix="trx-detail")
        return pool


def start_detail_threads(timeout_s: float = 10.0) -> None:
    """Starts every thread of this process's detail pool now (the app does when it is made): the first rows opened
    start none, and a test server's end, which stops every thread started after it began, leaves them be."""
    for _ in range(2):
        pool = _detail_pool()
        barrier = threading.Barrier(DETAIL_THREADS + 1)
        # each task holds its thread until all are taken, so the pool starts all of them
        for _ in range(DETAIL_THREADS):
            pool.submit(barrier.wait, timeout_s)
        try:
            barrier.wait(timeout_s)
            return
        except threading.BrokenBarrierError:  # a thread of it was stopped under it: a new pool
            with _POOLS_LOCK:
                if _POOLS.get(os.getpid()) is pool:
                    del _POOLS[os.getpid()]


def trx_detail(db: Db, *, period: Period, campaign: Campaign, source: str | None = None, latest: int = 10) -> TrxDetail:
    """Returns the campaign's detail frames (`TrxDetail`). Its queries run side by side, each on its
    thread's cursor (DuckDB works outside the GIL): the latest messages, the click delays, the operators, the time
    to delivery, the cost and the daily counts in the process's detail threads while this one reads the other
    breakdowns."""
    pool = _detail_pool()
    newest = pool.submit(trx_latest_messages, db, period=period, campaign=campaign, source=source, limit=latest)
    delays = pool.submit(trx_click_delay, db, period=period, campaign=campaign, source=source)
    params: dict[str, object] = {}
    where = trx_filter(source, campaign, params)
    breakdowns = pool.submit(operator_queries.trx_breakdowns, db, period=period, where=where, params=params)
    delivery = pool.submit(delivery_queries.trx_delivery, db, period=period, where=where, params=params)
    cost = pool.submit(cost_queries.trx_cost, db, period=period, where=where, params=params)
    parts = _trx_breakdowns(db, period=period, source=source, campaign=campaign, pool=pool)
    frames = {
        "daily": _daily_part(parts),
        "by_source": _source_part(parts),
        "groups": _groups_part(parts),
        "reasons": _reasons_part(parts),
    }
    return TrxDetail(
        **frames,
        delays=delays.result(),
        latest=newest.result(),
        breakdowns=breakdowns.result(),
        delivery=delivery.result(),
        cost=cost.result(),
    )


def trx_messages_batches(
    db: Db, *, period: Period, campaign: Campaign, source: str | None = None, batch_rows: int = 50_000
) -> Iterator[pa.RecordBatch]:
    """Returns all messages of a campaign in the period, newest first, in batches (MonthsUnreadable at once when
    a month they or their clicks are in cannot be read).

    Columns: created_at (local, naive), msisdn (E.164), source, status, reason, done_at
    (local, naive), clicks (human), clicks_raw (all), first_click (first human click,
    local, naive). Streamed from DuckDB: memory stays bounded whatever the campaign size.
    """
    src = db.sources()
    lo, hi = period.bounds_utc()
    params: dict[str, object] = {
        "lo": lo,
        "hi": hi,
        "tz": period.tz,
        "mlo": month_of(lo),
        "mhi": month_of(hi - dt.timedelta(microseconds=1)),
    }
    where = "m.month BETWEEN $mlo AND $mhi AND m.created_at >= $lo AND m.created_at < $hi" + trx_filter(
        source, campaign, params, prefix="m."
    )
    # The period's messages and their clicks (from its first month on): a month left out would make the
    # file short without a word, so the download is refused instead.
    db.require_months({m for m in db.unreadable() if m >= params["mlo"]})
    sql = f"""
        WITH sel AS (
            SELECT m.message_id, m.created_at, m.msisdn, m.source, m.status, m.reason, m.done_at
            FROM {src["messages"]} m WHERE {where}
        ),
        c AS (
            SELECT message_id, count(*) FILTER (WHERE NOT is_bot) AS clicks, count(*) AS clicks_raw,
                   min(clicked_at) FILTER (WHERE NOT is_bot) AS first_click
            FROM {src["clicks"]} WHERE month >= $mlo AND message_id IN (SELECT message_id FROM sel)
            GROUP BY message_id
        )
        SELECT timezone($tz, sel.created_at) AS created_at, sel.msisdn, sel.source, sel.status, sel.reason,
               timezone($tz, sel.done_at) AS done_at, coalesce(c.clicks, 0) AS clicks,
               coalesce(c.clicks_raw, 0) AS clicks_raw, timezone($tz, c.first_click) AS first_click
        FROM sel LEFT JOIN c USING (message_id)
        ORDER BY sel.created_at DESC, sel.message_id DESC
    """
    return _stream(db, sql, params, batch_rows)


def _stream(db: Db, sql: str, params: dict[str, object], batch_rows: int) -> Iterator[pa.RecordBatch]:
    cur = db.new_cursor()
    try:
        yield from cur.sql(sql, params=params).to_arrow_reader(batch_rows)
    except Exception as exc:
        if db.note_failure(exc):  # a file found unreadable only now (damaged inside): say which month
            db.require_months({m for m in db.unreadable() if m >= params["mlo"]})
        raise
    finally:
        cur.close()
