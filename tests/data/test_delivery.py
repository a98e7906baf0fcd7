"""Time to delivery (median, 95th percentile, histogram, clock skew, slowest operator) against pandas over the
Parquet files, through the rollups and through their raw-SQL fallback alike."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pyarrow as pa
import pytest

from data.db import Db
from data.lake import Lake, transaction, write_clicks, write_dispatches, write_messages
from data.period import Period
from data.queries import delivery as delivery_queries
from data.queries.delivery import bucket_bounds, chart_bins, quantile
from data.rollups import build_rollups
from data.schema import CLICKS, DISPATCHES, MESSAGES
from tests.conftest import TZ, UNTIL
from tests.expected import bulk_in_period, delivery_times, of_campaign, of_dispatches, trx_in_period

WIDTH = 2 ** (1 / 4)  # one bucket: the interpolated quantiles are within this factor of the exact ones


def near(got: float | None, exact: float) -> bool:
    """`got` is within one bucket of `exact` (under a second: within a second)."""
    if got is None:
        return False
    if exact < 1 or got < 1:
        return abs(got - exact) <= 1
    return exact / WIDTH <= got <= exact * WIDTH


def same(got: delivery_queries.DeliveryTime, m, *, operators: bool = True) -> None:
    want = delivery_times(m)
    if not operators:  # transactional rows: no slowest operator
        want["by_operator"] = {}
    assert dict(zip(got.buckets["bucket"], got.buckets["messages"])) == want["buckets"]
    assert got.timed == len(want["seconds"]) and got.skewed == want["skewed"]
    assert near(got.median_s, float(np.quantile(want["seconds"], 0.5)))
    assert near(got.p95_s, float(np.quantile(want["seconds"], 0.95)))
    medians = {op: float(np.median(s)) for op, s in want["by_operator"].items() if len(s) >= 20}
    if len(medians) >= 2:
        name, median = got.slowest
        assert near(median, medians[name])
        # no operator is more than a bucket slower than the one named
        assert all(v <= median * WIDTH + 1 for v in medians.values())
    else:
        assert got.slowest is None


def test_a_dispatch_and_a_campaign(db, frames):
    sizes = frames["messages"].groupby("dispatch_id").size()
    dispatch = sizes.idxmax()
    same(delivery_queries.dispatch_delivery(db, dispatch_id=dispatch), of_dispatches(frames, [dispatch]))
    ids = list(frames["dispatches"]["dispatch_id"][:4])
    same(delivery_queries.dispatch_delivery(db, dispatch_id=ids), of_dispatches(frames, ids))


def test_a_period_and_a_transactional_row(db, frames):
    period = Period(dt.date(2026, 10, 1), UNTIL, TZ)
    got = delivery_queries.period_delivery(db, period=period)
    same(got, bulk_in_period(frames, period))
    assert got.timed > 1000 and got.slowest is not None
    from data.queries import transactional as trx_queries
    from data.queries.transactional import Campaign

    detail = trx_queries.trx_detail(db, period=period, campaign=Campaign("potwierdzenie-zamowienia"), latest=1)
    same(detail.delivery, of_campaign(trx_in_period(frames, period), "potwierdzenie-zamowienia"), operators=False)


def test_quantiles_interpolate_inside_a_bucket():
    assert quantile([], [], 0.5) is None
    assert quantile([0], [4], 0.5) == pytest.approx(0.5)  # half way through [0, 1) s
    lo, hi = bucket_bounds(9)  # [4, 4.76) s
    assert lo == pytest.approx(4) and hi == pytest.approx(2 ** (9 / 4))
    assert quantile([9], [10], 0.5) == pytest.approx(math.sqrt(lo * hi))  # geometric middle
    assert quantile([0, 9], [5, 5], 0.5) == pytest.approx(1.0)  # the last under a second
    bins = chart_bins(__import__("pandas").DataFrame({"bucket": [0, 1, 4, 5, 9, 200], "messages": [1, 2, 3, 4, 5, 6]}))
    assert dict(zip(bins["bin"], bins["messages"]))[0] == 1
    assert dict(zip(bins["bin"], bins["messages"]))[1] == 2 + 3  # [1, 2) s: buckets 1..4
    assert dict(zip(bins["bin"], bins["messages"]))[2] == 4
    assert dict(zip(bins["bin"], bins["messages"]))[4] == 5
    assert bins["messages"].iloc[-1] == 6 and bins["messages"].sum() == 21


def test_a_receipt_before_the_send_counts_as_zero_and_is_counted(tmp_path):
    from tests.data.test_rollups import at, dispatch_rows, message

    rows = []
    for i in range(10):
        m = message(i, at(2026, 3, 10, 12), dispatch="d1")
        rows.append({**m, "done_at": m["sent_at"] + dt.timedelta(seconds=3 + i)})
    skew = message(10, at(2026, 3, 10, 12), dispatch="d1")
    rows.append({**skew, "done_at": skew["sent_at"] - dt.timedelta(seconds=5)})  # the provider's clock is behind
    lake = Lake(tmp_path / "lake")
    with transaction(lake, fresh=True) as staging:
        write_messages(staging, pa.Table.from_pylist(rows, schema=MESSAGES))
        write_clicks(staging, pa.Table.from_pylist([], schema=CLICKS))
        write_dispatches(staging, pa.Table.from_pylist(dispatch_rows(), schema=DISPATCHES))
        build_rollups(staging, tz=TZ)
    for db in (Db(lake, tz=TZ), Db(lake, tz=TZ, use_rollups=False)):
        got = delivery_queries.dispatch_delivery(db, dispatch_id="d1")
        assert got.timed == 11 and got.skewed == 1
        assert dict(zip(got.buckets["bucket"], got.buckets["messages"]))[0] == 1  # shown as 0 s
        assert 6 <= got.median_s <= 9.5
