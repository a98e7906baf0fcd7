"""The SMS page's queries against the same numbers computed with pandas from the Parquet files."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from data.db import Db, LakeUnavailable
from data.lake import Lake
from data.period import Period
from data.queries import dispatches as dispatch_queries
from data.queries import sms as sms_queries
from data.schema import StatusGroup
from tests.conftest import TZ, UNTIL
from tests.expected import (
    across_midnight,
    bulk_in_period,
    counts,
    daily,
    of_dispatches,
    rate,
    reason_counts,
    sent_in_period,
)

COUNTS = set(counts(pd.DataFrame({"status": [], "clicked": [], "clicks": []})))

PERIODS = [
    Period(dt.date(2026, 10, 21), UNTIL, TZ),
    Period(dt.date(2026, 3, 1), dt.date(2026, 4, 30), TZ),  # spans the DST change
    Period(dt.date(2025, 1, 1), UNTIL, TZ),
]


def same_rate(got: float, want: float) -> bool:
    return math.isnan(got) if math.isnan(want) else got == pytest.approx(want)


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.start}..{p.end}")
def test_kpis_of_both_periods_match_pandas(ctx, frames, period):
    now, prev, _trend = sms_queries.period_summary(ctx.db, period=period)
    for got, p in ((now, period), (prev, period.previous())):
        want = counts(bulk_in_period(frames, p))
        assert {k: int(got[k]) for k in want} == want, p
        assert same_rate(got["delivered_pct"], rate(want["delivered"], want["sent"]))
        assert same_rate(got["ctr"], rate(want["clicked"], want["delivered"]))
    assert int(now["sent"]) > 0


def test_trend_matches_pandas_day_by_day(ctx, frames):
    period = PERIODS[1]
    _, _, trend = sms_queries.period_summary(ctx.db, period=period)
    want = daily(bulk_in_period(frames, period), period)
    assert list(trend["day"]) == list(want.index)  # days without messages are rows of zeros
    for column in ("sent", "delivered", "clicked"):
        assert list(trend[column]) == list(want[column]), column
    assert (want["recipients"] == 0).any()
    for got, w in zip(trend["ctr"], want.itertuples()):
        assert same_rate(got, rate(w.clicked, w.delivered)), w.Index


def test_trend_sets_previous_period_beside(ctx, frames):
    period = Period(dt.date(2026, 11, 1), UNTIL, TZ)
    _, _, trend = sms_queries.period_summary(ctx.db, period=period)
    prev = period.previous()
    want = daily(bulk_in_period(frames, prev), prev)
    assert list(trend["prev_day"]) == list(want.index)
    assert list(trend["prev_sent"]) == [float(v) for v in want["sent"]]
    assert list(trend["prev_delivered"]) == [float(v) for v in want["delivered"]]
    _, none, flat = sms_queries.period_summary(ctx.db, period=period, compare=False)
    assert none is None and flat["prev_sent"].isna().all() and flat["prev_ctr"].isna().all()
    assert list(flat["sent"]) == list(trend["sent"])


@pytest.mark.parametrize("cut", [False, True], ids=["period", "period cutting a dispatch"])
def test_dispatch_records_match_pandas(ctx, frames, cut):
    # A dispatch is listed in the period of its first message, with all its messages, whichever day they fell on.
    period = PERIODS[0]
    if cut:
        split, began = across_midnight(frames, TZ)
        period = Period(began + dt.timedelta(days=1), began + dt.timedelta(days=30), TZ)
        assert split in set(bulk_in_period(frames, period)["dispatch_id"])  # some of its messages are in it
    records = sms_queries.dispatch_records(ctx.db, period=period)
    got = pd.DataFrame(records).set_index("dispatch_id")
    m = sent_in_period(frames, period)
    assert set(got.index) == set(m["dispatch_id"]) and len(records) == len(got) > 0
    if cut:
        assert split not in got.index
        began_then = sms_queries.dispatch_records(ctx.db, period=Period(began, began, TZ))
        assert counts(of_dispatches(frames, [split])) == {
            k: v for r in began_then if r["dispatch_id"] == split for k, v in r.items() if k in COUNTS
        }
    for dispatch_id, group in m.groupby("dispatch_id"):
        want = counts(group)
        assert {k: got.loc[dispatch_id, k] for k in want} == want
        first = group["created_at"].min().tz_convert(TZ).tz_localize(None)
        assert pd.Timestamp(got.loc[dispatch_id, "sent_at"]) == first
    numbers = frames["dispatches"].set_index("dispatch_id")["number"]
    assert (got["number"] == numbers.loc[got.index]).all()
    sent_at = [pd.Timestamp(r["sent_at"]) for r in records]
    assert sent_at == sorted(sent_at, reverse=True)  # newest first
    assert "campaign_id" not in got.columns


def test_dispatch_records_name_their_campaign(ctx, frames):
    period = PERIODS[0]
    ids = sorted(sent_in_period(frames, period)["dispatch_id"].unique())
    members = pd.DataFrame({"dispatch_id": ids[:2], "campaign_id": [4, 4]})
    records = sms_queries.dispatch_records(ctx.db, period=period, members=members)
    assert {r["dispatch_id"]: r["campaign_id"] for r in records} == {d: (4 if d in ids[:2] else None) for d in ids}


def test_dispatch_details_and_reasons(ctx, frames):
    d = frames["dispatches"].iloc[len(frames["dispatches"]) // 2]
    m = of_dispatches(frames, [d["dispatch_id"]])
    got = sms_queries.dispatch_counts(ctx.db, dispatch_id=d["dispatch_id"]).iloc[0]
    assert {k: int(got[k]) for k in counts(m)} == counts(m)
    reasons = sms_queries.dispatch_reasons(ctx.db, dispatch_id=d["dispatch_id"])
    assert {(r.status_group, r.reason or "none"): r.count for r in reasons.itertuples()} == reason_counts(m)
    # one base for every share: the messages that did not get through (not sent and not delivered)
    failed = counts(m)["not_sent"] + counts(m)["not_delivered"]
    assert list(reasons["share"]) == pytest.approx([c / failed for c in reasons["count"]])
    assert reasons["share"].sum() == pytest.approx(1.0)


def test_dispatch_info_unknown_number(ctx):
    assert dispatch_queries.dispatch_info(ctx.db, number=999_999, tz=TZ) is None


def test_numbers_stream_in_batches(ctx, frames):
    d = frames["dispatches"].iloc[0]
    m = frames["messages"]
    want = sorted(m.loc[(m["dispatch_id"] == d["dispatch_id"]) & (m["status"] == "delivered"), "msisdn"])
    batches = list(
        sms_queries.numbers_batches(ctx.db, dispatch_id=d["dispatch_id"], group=StatusGroup.DELIVERED, batch_rows=7)
    )
    assert len(batches) > 1 or len(want) <= 7
    assert sorted(v for b in batches for v in b.column(0).to_pylist()) == want


def test_empty_lake_says_so(tmp_path):
    db = Db(Lake(tmp_path / "lake"), tz=TZ)
    with pytest.raises(LakeUnavailable):
        sms_queries.period_summary(db, period=PERIODS[0])


def test_clicks_count_every_human_click_and_per_clicking_recipient(ctx, frames):
    period = PERIODS[2]
    now, _prev, _trend = sms_queries.period_summary(ctx.db, period=period)
    want = counts(bulk_in_period(frames, period))
    assert int(now["clicks"]) == want["clicks"] > want["clicked"]  # some people click more than once
    assert now["clicks_per_clicker"] == pytest.approx(want["clicks"] / want["clicked"])
    d = frames["dispatches"]["dispatch_id"].iloc[3]
    row = sms_queries.dispatch_counts(ctx.db, dispatch_id=d).iloc[0]
    mine = counts(of_dispatches(frames, [d]))
    assert int(row["clicks"]) == mine["clicks"]
    assert same_rate(row["clicks_per_clicker"], rate(mine["clicks"], mine["clicked"]))
