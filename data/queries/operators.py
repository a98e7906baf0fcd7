"""Messages by operator and by country: sent, delivered, delivery rate and the reasons of the messages
not delivered, for a dispatch (or a campaign's dispatches), a transactional row, or the bulk messages of
a period. Read from the `operator_daily` rollup.

The worst operator (or country) is the one whose delivery rate is lowest, named only when it is more than
WORST_GAP below the rate of all the messages and it sent at least WORST_MIN_SENT (a handful of messages to
a small network says nothing); messages without an operator (landlines, invalid numbers) are never it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from data.db import Db
from data.period import Period
from data.queries.counts import PERIOD_WHERE, period_params
from data.schema import STATUS_GROUP, StatusGroup

BY = ("operator", "country")
WORST_GAP = 0.05
WORST_MIN_SENT = 20
COLUMNS = [
    "key",
    "recipients",
    "sent",
    "delivered",
    "delivered_pct",
    "not_sent",
    "not_delivered",
    "pending",
    "reasons",
    "worst",
]
_GROUP_OF = {s.value: g.value for s, g in STATUS_GROUP.items()}


def dispatch_breakdowns(db: Db, *, dispatch_id: str | Sequence[str]) -> dict[str, pd.DataFrame]:
    """Returns the breakdowns (`BY` -> frame of COLUMNS) of all messages of a dispatch, or of several (a campaign)."""
    ids = [dispatch_id] if isinstance(dispatch_id, str) else list(dispatch_id)
    return _breakdowns(db, "list_contains($ids, dispatch_id)", {"ids": ids})


def period_breakdowns(db: Db, *, period: Period) -> dict[str, pd.DataFrame]:
    """Returns the breakdowns of the bulk messages created on the period's days (the KPI cards' messages)."""
    return _breakdowns(db, PERIOD_WHERE + " AND source = 'bulk'", period_params(period))


def trx_breakdowns(db: Db, *, period: Period, where: str, params: dict[str, object]) -> dict[str, pd.DataFrame]:
    """Returns the breakdowns of the transactional messages of the period matching `where` (a condition over
    source and campaign_label with its bound `params`, as `data.queries.transactional` builds it)."""
    return _breakdowns(db, PERIOD_WHERE + where, {**period_params(period), **params})


def _breakdowns(db: Db, where: str, params: dict[str, object]) -> dict[str, pd.DataFrame]:
    src = db.sources()
    rows = (
        db.cursor()
        .execute(
            f"""SELECT operator, country, status, reason, CAST(sum(messages) AS BIGINT)
                FROM {src["operator_daily"]} WHERE {where} GROUP BY ALL""",
            params,
        )
        .fetchall()
    )
    return {by: breakdown([(r[i], r[2], r[3], r[4]) for r in rows]) for i, by in enumerate(BY)}


def breakdown(rows: list[tuple]) -> pd.DataFrame:
    """Returns the frame of COLUMNS from (key, status, reason, messages) rows: one row per key, most messages
    sent first (no key last), `reasons` the not-delivered messages' (reason or None, count) pairs, most
    frequent first, and `worst` True on the one row named worst (module docstring)."""
    found: dict[object, dict] = {}
    for key, status, reason, messages in rows:
        r = found.setdefault(
            key, {"recipients": 0, "sent": 0, "delivered": 0, "not_sent": 0, "not_delivered": 0, "pending": 0, "r": {}}
        )
        group = _GROUP_OF.get(status)
        r["recipients"] += messages
        if group != StatusGroup.NOT_SENT.value:
            r["sent"] += messages
        if group in ("delivered", "not_sent", "not_delivered", "pending"):
            r[group] += messages
        if group == StatusGroup.NOT_DELIVERED.value:
            r["r"][reason] = r["r"].get(reason, 0) + messages
    keys = sorted(found, key=lambda k: (k is None, -found[k]["sent"], str(k)))
    out = []
    for key in keys:
        r = found[key]
        reasons = sorted(r.pop("r").items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or ""))
        out.append(
            {
                "key": key,
                **r,
                "delivered_pct": r["delivered"] / r["sent"] if r["sent"] else math.nan,
                "reasons": reasons,
            }
        )
    sent = sum(r["sent"] for r in out)
    overall = sum(r["delivered"] for r in out) / sent if sent else math.nan
    eligible = [r for r in out if r["key"] is not None and r["sent"] >= WORST_MIN_SENT]
    worst = min(eligible, key=lambda r: r["delivered_pct"], default=None)
    for r in out:
        r["worst"] = worst is not None and r is worst and overall - r["delivered_pct"] > WORST_GAP
    frame = pd.DataFrame(out, columns=COLUMNS)
    frame["key"] = pd.Series([r["key"] for r in out], dtype="object")  # None stays None, not NaN
    ints = ["recipients", "sent", "delivered", "not_sent", "not_delivered", "pending"]
    return frame.astype({**dict.fromkeys(ints, "int64"), "delivered_pct": "float64", "worst": "bool"})
