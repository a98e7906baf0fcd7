"""What both report pages count, and the SQL pieces that count it over a period's rollup rows.

Parameters are always bound, never formatted in; only our own enum values are
spelled into SQL text.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from data.db import Db
from data.period import Period
from data.schema import STATUS_GROUP, StatusGroup, statuses_in

COUNT_COLUMNS = ["recipients", "sent", "delivered", "not_sent", "not_delivered", "pending", "clicked", "clicks"]


def in_list(values: list[str]) -> str:
    """Returns `values` as the items of an SQL IN list. Only our own enum values (constants) are spelled into SQL text."""
    return ", ".join("'" + v + "'" for v in values)


STATUS_GROUP_SQL = (
    "CASE status " + " ".join(f"WHEN '{s.value}' THEN '{g.value}'" for s, g in STATUS_GROUP.items()) + " END"
)

# Sums over rollup rows (columns status, messages, clicked, clicks). Clicked counts delivered messages only (with a
# human click): CTR = clicked / delivered is a share of the delivered messages, and the transactional
# time-to-first-click histogram counts the very same messages. Clicks: every human click of those messages.
COUNTS_SQL = f"""
    coalesce(sum(messages), 0) AS recipients,
    coalesce(sum(messages) FILTER (WHERE status <> 'not_sent'), 0) AS sent,
    coalesce(sum(messages) FILTER (WHERE status = 'delivered'), 0) AS delivered,
    coalesce(sum(messages) FILTER (WHERE status = 'not_sent'), 0) AS not_sent,
    coalesce(sum(messages) FILTER (WHERE status IN ({in_list(statuses_in(StatusGroup.NOT_DELIVERED))})), 0) AS not_delivered,
    coalesce(sum(messages) FILTER (WHERE status = 'pending'), 0) AS pending,
    coalesce(sum(clicked) FILTER (WHERE status = 'delivered'), 0) AS clicked,
    coalesce(sum(clicks) FILTER (WHERE status = 'delivered'), 0) AS clicks
"""


def month_of(ts: dt.datetime) -> str:
    """Returns the UTC month ('YYYY-MM') of an aware time: the lake's partition that holds it."""
    return ts.astimezone(dt.UTC).strftime("%Y-%m")


PERIOD_WHERE = "day BETWEEN $start AND $end AND month BETWEEN $mlo AND $mhi"


def period_params(period: Period) -> dict[str, object]:
    """Parameters of PERIOD_WHERE: the local days, and the UTC months that can hold them (partition pruning)."""
    lo, hi = period.bounds_utc()
    return {
        "start": period.start,
        "end": period.end,
        "mlo": month_of(lo),
        "mhi": month_of(hi - dt.timedelta(microseconds=1)),
    }


def data_days(db: Db) -> tuple[dt.date, dt.date] | None:
    """Returns the lake's first and last local day with messages of any source (the `daily` rollup), or None
    when it has none; once per lake version."""
    src = db.sources()

    def found():
        lo, hi = db.cursor().execute(f"SELECT min(day), max(day) FROM {src['daily']}").fetchall()[0]
        return None if lo is None else (lo, hi)

    return db.remember("data_days", found)


def share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """Returns part / whole element by element; NaN where whole is 0."""
    part, whole = np.asarray(part, dtype="float64"), np.asarray(whole, dtype="float64")
    out = np.full(part.shape, np.nan)
    np.divide(part, whole, out=out, where=whole > 0)
    return out


# The share of each status group, as every page, dialog and export shows it: (group, its base). Delivered,
# not delivered and pending are shares of the sent messages (they add up to 1); not sent, of all messages.
GROUP_SHARES = {
    "delivered_pct": ("delivered", "sent"),
    "not_sent_pct": ("not_sent", "recipients"),
    "not_delivered_pct": ("not_delivered", "sent"),
    "pending_pct": ("pending", "sent"),
}


def with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Returns `frame` with the GROUP_SHARES columns (delivered_pct = delivered/sent, ...), ctr
    (clicked/delivered) and clicks_per_clicker (clicks/clicked); NaN where undefined."""
    out = frame.copy()
    for column, (part, whole) in GROUP_SHARES.items():
        out[column] = share(out[part].to_numpy(), out[whole].to_numpy())
    out["ctr"] = share(out["clicked"].to_numpy(), out["delivered"].to_numpy())
    out["clicks_per_clicker"] = share(out["clicks"].to_numpy(), out["clicked"].to_numpy())
    return out


def per_clicker(clicks: int, clicked: int) -> float:
    """Returns the human clicks per clicking recipient (clicks / clicked messages), NaN without one."""
    return clicks / clicked if clicked else math.nan
