"""Time to delivery: from sending (`sent_at`) to the delivery receipt (`done_at`) of delivered messages, for a
dispatch (or a campaign's dispatches), a transactional row, or the bulk messages of a period. Read from the
`delivery_time` rollup's log-spaced buckets.

How exact: the median and the 95th percentile are interpolated inside their bucket (geometrically: the
buckets are a quarter of an octave wide), so each is within 19% of the exact value, and usually far
closer; under a second they are interpolated linearly between 0 and 1 s. A receipt dated before the send
(clock skew between the provider's and our clocks) counts as 0 s and is counted in `skewed`. The slowest
operator is the one with the highest median among those with at least SLOWEST_MIN_DELIVERED timed
deliveries, named when there are two such operators or more; for bulk messages only (the rollup keeps no
operator for transactional ones).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from data.db import Db
from data.period import Period
from data.queries.counts import PERIOD_WHERE, period_params
from data.rollups import DELIVERY_BUCKETS_PER_OCTAVE

SLOWEST_MIN_DELIVERED = 20
# The chart's bars: whole octaves from 1 s (1, 2, 4 ... s), under 1 s first, 2^17 s (36 h) and more last.
CHART_EDGES = (0, *(2**k for k in range(18)))


@dataclass(frozen=True)
class DeliveryTime:
    """The time to delivery of a set of messages.

    buckets: bucket, messages (`data.rollups.delivery_time_sql`), fewest seconds first; timed: deliveries with
    both times; skewed: those with the receipt before the send (counted as 0 s); median_s, p95_s: seconds
    (None without a timed delivery); slowest: the slowest operator and its median (None when not named).
    """

    buckets: pd.DataFrame
    timed: int
    skewed: int
    median_s: float | None
    p95_s: float | None
    slowest: tuple[str, float] | None


def bucket_bounds(bucket: int) -> tuple[float, float]:
    """Returns the seconds [from, to) a delivery_time bucket holds."""
    if bucket <= 0:
        return 0.0, 1.0
    per = DELIVERY_BUCKETS_PER_OCTAVE
    return 2 ** ((bucket - 1) / per), 2 ** (bucket / per)


def quantile(buckets: Sequence[int], counts: Sequence[int], q: float) -> float | None:
    """Returns the `q` quantile (0..1) in seconds of a bucketed histogram (buckets ascending), interpolated
    inside its bucket (geometrically; linearly under a second); None when it is empty."""
    total = sum(counts)
    if total == 0:
        return None
    rank = q * total
    before = 0
    for bucket, count in zip(buckets, counts):
        if count and before + count >= rank:
            lo, hi = bucket_bounds(bucket)
            frac = (rank - before) / count
            return lo + (hi - lo) * frac if bucket <= 0 else lo * (hi / lo) ** frac
        before += count
    return bucket_bounds(buckets[-1])[1]


def chart_bins(buckets: pd.DataFrame) -> pd.DataFrame:
    """Returns the histogram regrouped into the chart's bars (CHART_EDGES): bin (its lower edge in seconds),
    messages; every bar present."""
    counts = [0] * len(CHART_EDGES)
    for bucket, n in zip(buckets["bucket"].tolist(), buckets["messages"].tolist()):
        lo = bucket_bounds(bucket)[0]
        at = 0 if bucket <= 0 else min(len(CHART_EDGES) - 1, 1 + int(math.floor(math.log2(lo) + 1e-9)))
        counts[at] += int(n)
    return pd.DataFrame({"bin": list(CHART_EDGES), "messages": counts}, dtype="int64")


def dispatch_delivery(db: Db, *, dispatch_id: str | Sequence[str]) -> DeliveryTime:
    """Returns the time to delivery of all messages of a dispatch, or of several (a campaign)."""
    ids = [dispatch_id] if isinstance(dispatch_id, str) else list(dispatch_id)
    return _delivery(db, "list_contains($ids, dispatch_id)", {"ids": ids})


def period_delivery(db: Db, *, period: Period) -> DeliveryTime:
    """Returns the time to delivery of the bulk messages created on the period's days (the KPI cards' messages)."""
    return _delivery(db, PERIOD_WHERE + " AND source = 'bulk'", period_params(period))


def trx_delivery(db: Db, *, period: Period, where: str, params: dict[str, object]) -> DeliveryTime:
    """Returns the time to delivery of the transactional messages of the period matching `where` (over source and
    campaign_label, with its bound `params`, as `data.queries.transactional` builds it)."""
    return _delivery(db, PERIOD_WHERE + where, {**period_params(period), **params})


def _delivery(db: Db, where: str, params: dict[str, object]) -> DeliveryTime:
    src = db.sources()
    rows = (
        db.cursor()
        .execute(
            f"""SELECT operator, bucket, CAST(sum(messages) AS BIGINT), CAST(sum(skewed) AS BIGINT)
                FROM {src["delivery_time"]} WHERE {where} GROUP BY ALL""",
            params,
        )
        .fetchall()
    )
    total: dict[int, int] = {}
    by_operator: dict[str, dict[int, int]] = {}
    skewed = 0
    for operator, bucket, messages, skew in rows:
        total[bucket] = total.get(bucket, 0) + messages
        skewed += skew
        if operator is not None:
            mine = by_operator.setdefault(operator, {})
            mine[bucket] = mine.get(bucket, 0) + messages
    order = sorted(total)
    counts = [total[b] for b in order]
    medians = {
        op: quantile(sorted(h), [h[b] for b in sorted(h)], 0.5)
        for op, h in by_operator.items()
        if sum(h.values()) >= SLOWEST_MIN_DELIVERED
    }
    slowest = max(medians.items(), key=lambda kv: (kv[1], kv[0])) if len(medians) >= 2 else None
    return DeliveryTime(
        buckets=pd.DataFrame({"bucket": order, "messages": counts}, dtype="int64"),
        timed=sum(counts),
        skewed=skewed,
        median_s=quantile(order, counts, 0.5),
        p95_s=quantile(order, counts, 0.95),
        slowest=slowest,
    )
