"""The transactional queries against the same numbers computed with pandas from the Parquet files,
through the rollups and through their raw-SQL fallback alike."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data.period import Period
from data.pii import mask_msisdn
from data.queries import status as status_queries
from data.queries import transactional as trx_queries
from data.queries.transactional import Campaign
from data.rollups import delay_bucket_width
from tests.conftest import TZ, UNTIL
from tests.expected import counts, of_campaign, rate, reason_counts, status_group_counts, trx_counts, trx_in_period

PERIODS = [
    Period(dt.date(2026, 10, 21), UNTIL, TZ),
    Period(dt.date(2026, 3, 1), dt.date(2026, 4, 30), TZ),  # spans the DST change
    Period(dt.date(2025, 1, 1), UNTIL, TZ),
]


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.start}..{p.end}")
def test_kpis_match_pandas(db, frames, period):
    got = trx_queries.trx_kpis(db, period=period).iloc[0]
    want = trx_counts(trx_in_period(frames, period))
    assert {k: int(got[k]) for k in want} == want
    assert want["sent"] > 0 and want["clicked"] > 0
    assert got["ctr"] == pytest.approx(want["clicked"] / want["delivered"])
    assert got["ctr_raw"] == pytest.approx(want["clicked_raw"] / want["delivered"])
    assert got["ctr_raw"] >= got["ctr"]


@pytest.mark.parametrize("source", ["test", "api"])
def test_source_filter(db, frames, source):
    period = PERIODS[2]
    got = trx_queries.trx_kpis(db, period=period, source=source).iloc[0]
    want = trx_counts(trx_in_period(frames, period, source))
    assert {k: int(got[k]) for k in want} == want and want["recipients"] > 0


def test_unknown_source_is_refused(db):
    with pytest.raises(ValueError):
        trx_queries.trx_kpis(db, period=PERIODS[0], source="bulk")


def test_campaign_rows_match_pandas(db, frames):
    period = PERIODS[0]
    got = trx_queries.trx_campaign_records(db, period=period)
    m = trx_in_period(frames, period)
    labels = m["campaign_label"].astype("object").where(m["campaign_label"].notna(), None)
    assert sorted((r["campaign_label"] for r in got), key=str) == sorted(set(labels), key=str)
    assert None in [r["campaign_label"] for r in got]  # unlabelled messages have their own row
    for row in got:
        part = of_campaign(m, row["campaign_label"])
        want = trx_counts(part)
        assert {k: row[k] for k in want} == want, row["campaign_label"]
        assert row["key"] == Campaign(row["campaign_label"]).key
        assert pd.Timestamp(row["first_at"]) == part["created_at"].min().tz_convert(TZ).tz_localize(None)
        for name, (a, b) in {
            "delivered_pct": ("delivered", "sent"),
            "ctr": ("clicked", "delivered"),
            "ctr_raw": ("clicked_raw", "delivered"),
        }.items():
            assert row[name] == pytest.approx(rate(want[a], want[b]), nan_ok=True), name
    assert [r["sent"] for r in got] == sorted((r["sent"] for r in got), reverse=True)
    frame = trx_queries.trx_campaign_frame(got)
    assert list(frame.columns) == trx_queries.TRX_CAMPAIGN_COLUMNS and list(frame["key"]) == [r["key"] for r in got]


def test_ctr_is_undefined_without_deliveries(db, frames):
    # A test send is rarely clicked and a day can have nothing delivered: CTR must be NaN, not 0.
    got = trx_queries.trx_daily(db, period=Period(dt.date(2020, 1, 1), dt.date(2020, 1, 3), TZ))
    assert len(got) == 3 and (got["delivered"] == 0).all() and got["ctr"].isna().all() and got["ctr_raw"].isna().all()


def test_daily_rows_of_a_campaign_match_pandas(db, frames):
    period = PERIODS[1]
    label = "potwierdzenie-zamowienia"
    got = trx_queries.trx_daily(db, period=period, campaign=Campaign(label)).set_index("day")
    m = of_campaign(trx_in_period(frames, period), label)
    assert list(got.index) == period.day_list()
    for day, group in m.groupby("day"):
        assert {k: int(got.loc[day, k]) for k in trx_counts(group)} == trx_counts(group), day
    assert int(got["sent"].sum()) == counts(m)["sent"]


@pytest.mark.parametrize("label", ["potwierdzenie-zamowienia", None])
def test_detail_breakdowns_match_pandas(db, frames, label):
    period = PERIODS[2]
    campaign = Campaign(label)
    m = of_campaign(trx_in_period(frames, period), label)
    detail = trx_queries.trx_detail(db, period=period, campaign=campaign, latest=3)

    by_source = detail.by_source.set_index("source")
    for source, group in m.groupby("source"):
        assert {k: int(by_source.loc[source, k]) for k in trx_counts(group)} == trx_counts(group)
    assert set(by_source.index) == set(m["source"])

    groups = detail.groups.set_index("status_group")
    assert list(groups.index) == ["delivered", "not_sent", "not_delivered", "pending"]  # the users' order
    assert groups["count"].to_dict() == status_group_counts(m)
    # the shares the table and the KPI cards show: delivered, not delivered, pending of sent; not sent of all
    c = counts(m)
    assert groups["share"].to_dict() == pytest.approx(
        {
            "delivered": c["delivered"] / c["sent"],
            "not_sent": c["not_sent"] / c["recipients"],
            "not_delivered": c["not_delivered"] / c["sent"],
            "pending": c["pending"] / c["sent"],
        }
    )
    assert groups["share"].drop("not_sent").sum() == pytest.approx(1.0)

    reasons = detail.reasons
    assert {(r.status_group, r.reason or "none"): r.count for r in reasons.itertuples()} == reason_counts(m)
    assert list(reasons["count"]) == sorted(reasons["count"], reverse=True)
    # one base: every message that did not get through
    assert list(reasons["share"]) == pytest.approx([n / (c["not_sent"] + c["not_delivered"]) for n in reasons["count"]])

    daily = detail.daily.set_index("day")
    assert list(daily.index) == period.day_list()
    assert int(daily["sent"].sum()) == counts(m)["sent"]
    assert len(detail.latest) == 3


def first_click_delays(frames, m: pd.DataFrame) -> pd.Series:
    """Seconds from delivery (else sending, else creation) to the first human click of every clicked delivered
    message of `m` (negative as 0)."""
    clicks = frames["clicks"]
    first = clicks[~clicks["is_bot"]].groupby("message_id")["clicked_at"].min()
    d = m[m["status"] == "delivered"].set_index("message_id")
    d = d[d.index.isin(first.index)]
    since = d["done_at"].fillna(d["sent_at"]).fillna(d["created_at"])
    seconds = (first.loc[d.index] - since).dt.total_seconds().astype("int64")
    return seconds.clip(lower=0)


def bucket(seconds: int) -> int:
    if seconds < 86400:
        return seconds // 60 * 60
    if seconds < 604800:
        return seconds // 3600 * 3600
    return seconds // 86400 * 86400


@pytest.mark.parametrize("label", ["potwierdzenie-zamowienia", "reset-hasla", None])
def test_click_delay_histogram_and_median(db, frames, label):
    period = PERIODS[2]
    m = of_campaign(trx_in_period(frames, period), label)
    delays = first_click_delays(frames, m)
    got = trx_queries.trx_click_delay(db, period=period, campaign=Campaign(label))
    want = delays.map(bucket).value_counts().sort_index()
    assert dict(zip(got["delay_bucket"], got["messages"])) == want.to_dict()
    assert (got["width"] == got["delay_bucket"].map(delay_bucket_width)).all()
    median = trx_queries.click_delay_median(got)
    if delays.empty:
        assert median is None
        return
    exact = float(np.median(delays))
    assert abs(median - exact) <= delay_bucket_width(bucket(int(exact))) + 1
    bins = trx_queries.click_delay_bins(got)
    assert list(bins["bin"]) == list(trx_queries.DELAY_BIN_EDGES) and int(bins["messages"].sum()) == len(delays)
    # the histogram counts the clicked messages the table counts
    assert int(got["messages"].sum()) == counts(m)["clicked"] == int(trx_totals_of(db, period, label)["clicked"])


def trx_totals_of(db, period, label):
    return trx_queries.trx_kpis(db, period=period, campaign=Campaign(label)).iloc[0]


def test_click_delay_median_interpolates():
    hist = pd.DataFrame({"delay_bucket": [60, 120, 600], "width": [60, 60, 60], "messages": [1, 2, 1]})
    assert trx_queries.click_delay_median(hist) == pytest.approx(
        150.0
    )  # 2 of 4 reached halfway through the 120 s bucket
    assert trx_queries.click_delay_median(hist.iloc[0:0]) is None


def test_latest_messages_are_the_newest_masked(db, frames):
    period = PERIODS[0]
    label = "potwierdzenie-zamowienia"
    got = trx_queries.trx_latest_messages(db, period=period, campaign=Campaign(label), limit=7)
    m = (
        of_campaign(trx_in_period(frames, period), label)
        .sort_values(["created_at", "message_id"], ascending=False)
        .head(7)
    )
    assert len(got) == 7
    want_times = [ts.tz_convert(TZ).tz_localize(None) for ts in m["created_at"]]
    assert [pd.Timestamp(v) for v in got["created_at"]] == want_times
    assert list(got["msisdn_masked"]) == [mask_msisdn(n) for n in m["msisdn"]]
    assert not any(n in " ".join(got["msisdn_masked"]) for n in m["msisdn"])  # no full number on screen
    clicks = frames["clicks"]
    human = clicks[~clicks["is_bot"]].groupby("message_id").size()
    every = clicks.groupby("message_id").size()
    assert list(got["clicks"]) == [int(human.get(i, 0)) for i in m["message_id"]]
    assert list(got["clicks_raw"]) == [int(every.get(i, 0)) for i in m["message_id"]]


def test_latest_messages_of_an_empty_period(db):
    got = trx_queries.trx_latest_messages(
        db, period=Period(dt.date(2020, 1, 1), dt.date(2020, 2, 1), TZ), campaign=Campaign(None)
    )
    assert got.empty and "msisdn_masked" in got.columns


def test_messages_stream_of_a_campaign(db, frames):
    period = PERIODS[2]
    m = of_campaign(trx_in_period(frames, period), None)
    batches = list(trx_queries.trx_messages_batches(db, period=period, campaign=Campaign(None), batch_rows=50))
    assert len(batches) > 1
    rows = pd.concat([b.to_pandas() for b in batches])
    assert sorted(rows["msisdn"]) == sorted(m["msisdn"])
    assert int((rows["clicks"] > 0).sum()) == int(m["clicked"].sum())
    assert list(rows["created_at"]) == sorted(rows["created_at"], reverse=True)


def test_first_day_is_the_first_message_of_any_source(db, frames):
    m = frames["messages"]
    first = m["created_at"].min().tz_convert(TZ).date()
    assert status_queries.first_day(db) == first
    assert first < m.loc[m["source"] == "bulk", "created_at"].min().tz_convert(TZ).date()  # before any dispatch


def test_campaign_keys_round_trip():
    for label in ("kod-2fa", "none", "label:x", "", None):
        assert Campaign.from_key(Campaign(label).key) == Campaign(label)
    assert Campaign(None).key == "none" and Campaign("none").key == "label:none"
    with pytest.raises(ValueError):
        Campaign.from_key("kod-2fa")


@pytest.mark.parametrize(
    "number,masked",
    [
        ("+48600123400", "+48 600 *** *00"),
        ("48600123400", "+48 600 *** *00"),
        ("+4915112345678", "+49 151 ****** 78"),
        ("+48794123454", "+48 794 *** *54"),
        ("", ""),
        (None, ""),
        ("12", "**"),
    ],
)
def test_mask_msisdn(number, masked):
    assert mask_msisdn(number) == masked


def test_the_detail_pool_starts_all_its_threads_at_once_and_keeps_them(ctx):
    # started when the app is made, so opening a row starts no thread (and a test server's end stops none)
    import threading

    trx_queries.start_detail_threads()
    first = {t for t in threading.enumerate() if t.name.startswith("trx-detail")}
    assert len(first) >= trx_queries.DETAIL_THREADS
    trx_queries.start_detail_threads()
    period = Period(dt.date(2026, 9, 1), UNTIL, TZ)
    trx_queries.trx_detail(ctx.db, period=period, campaign=trx_queries.Campaign(None), latest=1)
    assert {t for t in threading.enumerate() if t.name.startswith("trx-detail")} == first
