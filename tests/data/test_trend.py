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


def _lake_first_day(frames) -> dt.date:
    return frames["messages"]["created_at"].dt.tz_convert(TZ).dt.date.min()


def _known_previous(frames, got: pd.DataFrame) -> list[bool]:
    """Whether each bucket's previous days all lie on or after the lake's first day."""
    return [start >= _lake_first_day(frames) for start in got["prev_day"]]


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
    # A bucket with a previous day before the lake's first day has no previous numbers (nothing is known of it).
    prev = period.previous()
    want_prev = expected_buckets(bulk_in_period(frames, prev), period, grain, of=prev)
    known = _known_previous(frames, got)
    for column in ("sent", "delivered"):
        values = [None if math.isnan(v) else v for v in got["prev_" + column]]
        assert values == [float(v) if k else None for v, k in zip(want_prev[column], known)], column
    for g, w, k in zip(got["prev_ctr"], want_prev.itertuples(), known):
        assert same_rate(g, rate(w.clicked, w.delivered) if k else math.nan), w.Index
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


@pytest.mark.parametrize("months, grain", [(1, "day"), (3, "day"), (12, "week")])
def test_the_sms_trend_figure_draws_the_period_and_the_previous_one_at_the_same_offsets(ctx, frames, months, grain):
    """The figure the SMS page draws: a bar per bucket named by what it covers, CTR in percent on the right axis,
    the previous period's sent at the same offsets; a 12-month period's previous one begins before the lake,
    and there the line is left out rather than drawn at 0."""
    from i18n.labels import bucket_label, trend_labels
    from layouts.figures import trend_figure

    period = resolve_period(f"{months}m", today=UNTIL, first_day=None, tz=TZ)
    prev = period.previous()
    _, _, trend = sms_queries.period_summary(ctx.db, period=period)
    figure = trend_figure(bucketed(trend, Granularity(grain)), trend_labels("en"), "en", grain)
    traces = {t.get("name"): t for t in figure["data"]}
    labels = trend_labels("en")

    want = expected_buckets(bulk_in_period(frames, period), period, grain)
    want_prev = expected_buckets(bulk_in_period(frames, prev), period, grain, of=prev)
    starts = list(want.index)
    ends = [d - dt.timedelta(days=1) for d in starts[1:]] + [period.end]
    names = [bucket_label(a, b, grain, "en") for a, b in zip(starts, ends)]
    assert traces[labels["sent"]]["x"] == names and traces[labels["ctr"]]["x"] == names
    assert traces[labels["sent"]]["y"] == [float(v) for v in want["sent"]]
    assert traces[labels["delivered"]]["y"] == [float(v) for v in want["delivered"]]
    ctr = [100 * rate(c, d) if d else None for c, d in zip(want["clicked"], want["delivered"])]
    assert traces[labels["ctr"]]["y"] == pytest.approx(ctr, nan_ok=True) and traces[labels["ctr"]]["yaxis"] == "y2"
    offsets = [(a - period.start).days for a in starts]
    known = [prev.start + dt.timedelta(days=o) >= _lake_first_day(frames) for o in offsets]
    assert traces[labels["prev_sent"]]["x"] == names
    assert traces[labels["prev_sent"]]["y"] == [float(v) if k else None for v, k in zip(want_prev["sent"], known)]
    assert (months == 12) == (not all(known))  # the demo's lake began within the 12-month period's previous one
    layout = figure["layout"]
    top = max(v for t in ("sent", "delivered", "prev_sent") for v in traces[labels[t]]["y"] if v is not None)
    assert layout["yaxis"]["range"][0] == 0 and top <= layout["yaxis"]["range"][1] < 2 * top
    assert layout["yaxis2"]["range"][1] >= max(v for v in ctr if v is not None)
