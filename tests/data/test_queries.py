"""The queries' numbers against the same numbers computed with pandas from the Parquet files."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data import queries
from data.db import Db, LakeUnavailable
from data.lake import Lake
from data.period import Period
from data.queries import COUNT_COLUMNS
from data.schema import StatusGroup
from tests.conftest import TZ, UNTIL
from tests.expected import NOT_DELIVERED, bulk_in_period, counts

PERIODS = [
    Period(dt.date(2026, 10, 21), UNTIL, TZ),
    Period(dt.date(2026, 3, 1), dt.date(2026, 4, 30), TZ),  # spans the DST change
    Period(dt.date(2025, 1, 1), UNTIL, TZ),
]


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.start}..{p.end}")
def test_kpis_match_pandas(ctx, frames, period):
    got = queries.kpis(ctx.db, period=period).iloc[0]
    want = counts(bulk_in_period(frames, period))
    assert {k: int(got[k]) for k in want} == want
    assert want["sent"] > 0
    assert got["delivered_pct"] == pytest.approx(want["delivered"] / want["sent"])
    assert got["ctr"] == pytest.approx(want["clicked"] / want["delivered"])


def test_daily_counts_match_pandas_day_by_day(ctx, frames):
    period = PERIODS[1]
    got = queries.daily_counts(ctx.db, period=period).set_index("day")
    m = bulk_in_period(frames, period)
    assert list(got.index) == period.day_list()  # days without messages are rows of zeros
    for day, group in m.groupby("day"):
        assert {k: int(got.loc[day, k]) for k in counts(group)} == counts(group), day
    empty_days = set(period.day_list()) - set(m["day"])
    assert all(got.loc[d, "recipients"] == 0 for d in empty_days)


def test_trend_sets_previous_period_beside(ctx, frames):
    period = Period(dt.date(2026, 11, 1), UNTIL, TZ)
    trend = queries.daily_trend(ctx.db, period=period)
    prev = period.previous()
    assert trend["prev_day"].iloc[0] == prev.start and trend["prev_day"].iloc[-1] == prev.end
    assert int(trend["prev_sent"].sum()) == counts(bulk_in_period(frames, prev))["sent"]


def test_dispatch_rows_match_pandas(ctx, frames):
    period = PERIODS[0]
    got = queries.dispatches(ctx.db, period=period).set_index("dispatch_id")
    m = bulk_in_period(frames, period)
    assert set(got.index) == set(m["dispatch_id"])
    for dispatch_id, group in m.groupby("dispatch_id"):
        assert {k: int(got.loc[dispatch_id, k]) for k in counts(group)} == counts(group)
    numbers = frames["dispatches"].set_index("dispatch_id")["number"]
    assert (got["number"] == numbers.loc[got.index]).all()


def test_dispatch_details_and_reasons(ctx, frames):
    d = frames["dispatches"].iloc[len(frames["dispatches"]) // 2]
    m = frames["messages"][frames["messages"]["dispatch_id"] == d["dispatch_id"]].copy()
    m["clicked"] = m["message_id"].isin(set(frames["clicks"].loc[~frames["clicks"]["is_bot"], "message_id"]))
    got = queries.dispatch_counts(ctx.db, dispatch_id=d["dispatch_id"]).iloc[0]
    assert {k: int(got[k]) for k in counts(m)} == counts(m)
    reasons = queries.dispatch_reasons(ctx.db, dispatch_id=d["dispatch_id"])
    group = m["status"].map(lambda s: "not_sent" if s == "not_sent" else ("not_delivered" if s in NOT_DELIVERED else None))
    bad = m[group.notna()]
    want = bad.groupby([group[bad.index], bad["reason"].fillna("none")]).size().to_dict()
    assert {(r.status_group, r.reason or "none"): r.count for r in reasons.itertuples()} == want
    for status_group, part in reasons.groupby("status_group"):
        assert part["share"].sum() == pytest.approx(1.0)


def test_dispatch_info_unknown_number(ctx):
    assert queries.dispatch_info(ctx.db, number=999_999, tz=TZ) is None


def test_numbers_stream_in_batches(ctx, frames):
    d = frames["dispatches"].iloc[0]
    m = frames["messages"]
    want = sorted(m.loc[(m["dispatch_id"] == d["dispatch_id"]) & (m["status"] == "delivered"), "msisdn"])
    batches = list(queries.numbers_batches(ctx.db, dispatch_id=d["dispatch_id"], group=StatusGroup.DELIVERED, batch_rows=7))
    assert len(batches) > 1 or len(want) <= 7
    assert sorted(v for b in batches for v in b.column(0).to_pylist()) == want


def test_empty_lake_says_so(tmp_path):
    db = Db(Lake(tmp_path / "lake"))
    with pytest.raises(LakeUnavailable):
        queries.kpis(db, period=PERIODS[0])


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.start}..{p.end}")
def test_period_summary_equals_separate_queries(ctx, period):
    now, prev, trend = queries.period_summary(ctx.db, period=period)
    assert now[COUNT_COLUMNS].to_dict() == queries.kpis(ctx.db, period=period).iloc[0][COUNT_COLUMNS].to_dict()
    assert prev[COUNT_COLUMNS].to_dict() == queries.kpis(ctx.db, period=period.previous()).iloc[0][COUNT_COLUMNS].to_dict()
    pd.testing.assert_frame_equal(trend, queries.daily_trend(ctx.db, period=period))
    _, none, flat = queries.period_summary(ctx.db, period=period, compare=False)
    assert none is None and flat["prev_sent"].isna().all()
