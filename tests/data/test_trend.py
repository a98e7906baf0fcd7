"""Trend buckets: the granularity a period calls for, and weekly / monthly sums of the daily rollup
rows against the same numbers computed with pandas from the Parquet files."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from choices import Granularity, Preset
from data.period import Period, resolve_period
from data.queries import sms as sms_queries
from data.queries import transactional as trx_queries
from data.trend import bucketed, granularity_for
from tests.conftest import TZ, UNTIL
from tests.expected import bucketed as expected_buckets
from tests.expected import bulk_in_period, rate, trx_counts, trx_in_period

WEEKS = Period(dt.date(2026, 3, 11), dt.date(2026, 9, 2), TZ)  # Wednesday to Wednesday, across both DST changes
MONTHS = Period(dt.date(2025, 9, 17), UNTIL, TZ)  # mid-month to mid-month, 14 months
CASES = [(WEEKS, Granularity.WEEK), (MONTHS, Granularity.MONTH), (WEEKS, Granularity.MONTH)]


def same_rate(got: float, want: float) -> bool:
    return math.isnan(got) if math.isnan(want) else got == pytest.approx(want)


def preset(value: str) -> Period:
    return resolve_period(value, today=UNTIL, first_day=dt.date(2025, 5, 1), tz=TZ)


def test_the_period_picks_days_weeks_or_months():
    for value in (Preset.M1, Preset.M2, Preset.M3):
        assert granularity_for(preset(value)) == Granularity.DAY, value
    for value in (Preset.M6, Preset.M12):
        assert granularity_for(preset(value)) == Granularity.WEEK, value
    all_time = preset(Preset.ALL)
    assert all_time.days > 500 and granularity_for(all_time) == Granularity.MONTH
    assert granularity_for(all_time, "auto") == Granularity.MONTH
    assert granularity_for(all_time, "nonsense") == Granularity.MONTH
    assert granularity_for(all_time, "day") == Granularity.DAY  # the user's choice wins
    assert granularity_for(preset(Preset.M1), "month") == Granularity.MONTH


@pytest.mark.parametrize("period, grain", CASES, ids=lambda v: str(v.start) if isinstance(v, Period) else str(v))
def test_sms_buckets_match_pandas(ctx, frames, period, grain):
    _, _, trend = sms_queries.period_summary(ctx.db, period=period)
    got = bucketed(trend, grain)
    want = expected_buckets(bulk_in_period(frames, period), period, grain)
    assert list(got["day"]) == list(want.index)
    assert len(got) > 3 and got["sent"].sum() > 0
    for column in ("sent", "delivered", "clicked"):
        assert list(got[column]) == list(want[column]), column
    for g, w in zip(got["ctr"], want.itertuples()):
        assert same_rate(g, rate(w.clicked, w.delivered)), w.Index
    # Each bucket ends the day before the next one starts; the last at the period's end.
    assert list(got["end"]) == [d - dt.timedelta(days=1) for d in got["day"][1:]] + [period.end]
    # The previous period, day by day at the same offsets, summed into the same buckets.
    prev = period.previous()
    want_prev = expected_buckets(bulk_in_period(frames, prev), period, grain, of=prev)
    assert list(got["prev_sent"]) == [float(v) for v in want_prev["sent"]]
    assert list(got["prev_delivered"]) == [float(v) for v in want_prev["delivered"]]
    for g, w in zip(got["prev_ctr"], want_prev.itertuples()):
        assert same_rate(g, rate(w.clicked, w.delivered)), w.Index
    assert got["prev_day"].iloc[0] == prev.start and got["prev_end"].iloc[-1] == prev.end


@pytest.mark.parametrize("period, grain", CASES, ids=lambda v: str(v.start) if isinstance(v, Period) else str(v))
def test_transactional_buckets_match_pandas(ctx, frames, period, grain):
    got = bucketed(trx_queries.trx_daily(ctx.db, period=period), grain)
    want = expected_buckets(trx_in_period(frames, period), period, grain, trx_counts)
    assert list(got["day"]) == list(want.index)
    for column in want.columns:
        assert list(got[column]) == list(want[column]), column
    for g, w in zip(got.itertuples(), want.itertuples()):
        assert same_rate(g.ctr, rate(w.clicked, w.delivered)), w.Index
        assert same_rate(g.ctr_raw, rate(w.clicked_raw, w.delivered)), w.Index
        assert same_rate(g.delivered_pct, rate(w.delivered, w.sent)), w.Index


def test_a_day_is_its_own_bucket(ctx):
    period = Period(dt.date(2026, 10, 21), UNTIL, TZ)
    _, _, trend = sms_queries.period_summary(ctx.db, period=period, compare=False)
    got = bucketed(trend, Granularity.DAY)
    assert list(got["day"]) == list(trend["day"]) == list(got["end"])
    assert list(got["sent"]) == list(trend["sent"]) and got["prev_sent"].isna().all()
    for g, w in zip(got["ctr"], trend["ctr"]):
        assert same_rate(g, w)


def test_an_empty_frame_has_no_buckets(ctx):
    period = Period(dt.date(2026, 10, 21), UNTIL, TZ)
    _, _, trend = sms_queries.period_summary(ctx.db, period=period)
    got = bucketed(trend.iloc[0:0], Granularity.WEEK)
    assert got.empty and {"day", "end", "sent", "ctr", "prev_sent"} <= set(got.columns)
    with pytest.raises(ValueError):
        bucketed(trend, Granularity.AUTO)
    assert isinstance(got, pd.DataFrame)
