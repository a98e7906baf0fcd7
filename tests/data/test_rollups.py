"""Rollups answer exactly as the raw messages do, on a small lake of awkward cases."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pytest

from data.db import Db
from data.lake import Lake, transaction, write_clicks, write_dispatches, write_messages
from data.period import Period
from data.queries import sms as sms_queries
from data.queries import status as status_queries
from data.queries import transactional as trx_queries
from data.rollups import build_rollups, rollup_status
from data.schema import CLICKS, DISPATCHES, MESSAGES

TZ = "Europe/Warsaw"
WAW = ZoneInfo(TZ)


def at(y, mo, d, h=12, mi=0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=WAW).astimezone(dt.UTC)


def message(i, created, *, status="delivered", reason=None, dispatch="d1", source="bulk", label=None):
    done = None if status in ("pending", "not_sent") else created + dt.timedelta(seconds=30)
    return {
        "message_id": f"m{i}",
        "provider": "test",
        "provider_message_id": f"p{i}",
        "source": source,
        "dispatch_id": dispatch if source == "bulk" else None,
        "campaign_label": label,
        "sender": "SKLEP",
        "msisdn": f"+48600{i:06d}",
        "country": "PL",
        "operator": "Play",
        "created_at": created,
        "sent_at": None if status == "not_sent" else created,
        "done_at": done,
        "status": status,
        "reason": reason,
        "raw_status": status,
        "raw_error": None,
        "segments": 1,
        "encoding": "gsm7",
        "price": 0.1,
        "currency": "PLN",
    }


def awkward_messages() -> list[dict]:
    rows = []
    # d1 runs across the night of the DST change (2026-03-29 02:00 -> 03:00) and has every status group.
    start = at(2026, 3, 28, 23, 30)
    for i in range(40):
        created = start + dt.timedelta(minutes=5 * i)
        status, reason = "delivered", None
        if i % 10 == 3:
            status, reason = "expired", "expired_validity"
        elif i % 10 == 5:
            status, reason = "not_sent", "invalid_number"
        elif i % 10 == 7:
            status, reason = "unknown", "no_dlr"
        elif i % 10 == 9:
            status, reason = "undelivered", None  # a provider that gave no reason
        rows.append(message(i, created, status=status, reason=reason))
    # d2 starts on 31 March at 23:50 local and ends on 1 April local: local April, UTC March.
    for i in range(40, 60):
        rows.append(message(i, at(2026, 3, 31, 23, 50) + dt.timedelta(minutes=i - 40), dispatch="d2"))
    # d3: sent at local midnight exactly, in May; still pending (no final state yet).
    for i in range(60, 70):
        rows.append(message(i, at(2026, 5, 10, 0, 0), dispatch="d3", status="pending"))
    # Transactional traffic: labelled and unlabelled, test and API, on the same and other days.
    for i in range(70, 90):
        rows.append(
            message(
                i,
                at(2026, 3, 29, 1 + i % 5),
                source="api" if i % 2 else "test",
                label=None if i % 3 == 0 else "kod-2fa",
                status="delivered" if i % 4 else "rejected",
                reason=None if i % 4 else "carrier_filtered",
            )
        )
    # A delivery receipt that gave no time, on a message someone clicked.
    no_time = message(90, at(2026, 3, 29, 6), source="api", label="kod-2fa")
    rows.append({**no_time, "done_at": None})
    return rows


def awkward_clicks() -> list[dict]:
    def click(i, when, ua="Mozilla/5.0 (iPhone)", bot=False):
        return {"message_id": f"m{i}", "clicked_at": when, "user_agent": ua, "is_bot": bot}

    return [
        click(0, at(2026, 3, 29, 9)),
        click(0, at(2026, 3, 29, 10)),  # two human clicks, one message
        click(1, at(2026, 3, 29, 9), "facebookexternalhit/1.1", True),  # a bot only
        click(7, at(2026, 3, 30, 9)),  # a click on a message whose delivery was never confirmed
        click(41, at(2026, 4, 2, 9)),
        click(41, at(2026, 4, 2, 9), "Slackbot", True),  # human and bot
        click(62, at(2026, 5, 10, 8)),  # a click on a pending message
        click(71, at(2026, 3, 29, 9)),
        click(75, at(2026, 3, 29, 9), "curl/8", True),
        click(90, at(2026, 3, 29, 7)),
    ]


def dispatch_rows() -> list[dict]:
    return [
        {
            "dispatch_id": d,
            "number": n,
            "name": f"Wysyłka {n}",
            "description": None,
            "message_text": "Tekst",
            "recipient_group": "Grupa",
            "sender": "SKLEP",
            "created_at": created,
        }
        for d, n, created in [
            ("d1", 1, at(2026, 3, 28, 23, 30)),
            ("d2", 2, at(2026, 3, 31, 23, 50)),
            ("d3", 3, at(2026, 5, 10, 0, 0)),
        ]
    ]


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> Lake:
    lake = Lake(tmp_path_factory.mktemp("awkward") / "lake")
    with transaction(lake, fresh=True) as staging:
        write_messages(staging, pa.Table.from_pylist(awkward_messages(), schema=MESSAGES))
        write_clicks(staging, pa.Table.from_pylist(awkward_clicks(), schema=CLICKS))
        write_dispatches(staging, pa.Table.from_pylist(dispatch_rows(), schema=DISPATCHES))
        build_rollups(staging, tz=TZ)
    return lake


PERIODS = [
    Period(dt.date(2026, 3, 29), dt.date(2026, 3, 29), TZ),  # the 23-hour day
    Period(dt.date(2026, 3, 28), dt.date(2026, 4, 2), TZ),
    Period(dt.date(2026, 4, 1), dt.date(2026, 4, 30), TZ),  # local April held in a UTC-March partition
    Period(dt.date(2026, 3, 1), dt.date(2026, 5, 31), TZ),  # with empty days between
    Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30), TZ),  # nothing at all
]


def both(lake):
    fast = Db(lake, tz=TZ)
    raw = Db(lake, tz=TZ, use_rollups=False)
    assert fast.rollup_status().fresh
    return fast, raw


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.start}..{p.end}")
def test_period_answers_equal_raw_scan(lake, period):
    fast, raw = both(lake)
    got, want = (sms_queries.period_summary(db, period=period) for db in (fast, raw))
    for part in (0, 1):  # the KPIs of the period and of the previous one
        pd.testing.assert_series_equal(got[part], want[part], check_dtype=False)
    pd.testing.assert_frame_equal(got[2], want[2], check_dtype=False)
    members = pd.DataFrame({"dispatch_id": ["d1"], "campaign_id": [1]})
    for of in (None, members):
        pd.testing.assert_frame_equal(
            pd.DataFrame(sms_queries.dispatch_records(fast, period=period, members=of)),
            pd.DataFrame(sms_queries.dispatch_records(raw, period=period, members=of)),
            check_dtype=False,
        )


@pytest.mark.parametrize("dispatch_id", ["d1", "d2", "d3", "nope"])
def test_details_equal_raw_scan(lake, dispatch_id):
    fast, raw = both(lake)
    for fn in (sms_queries.dispatch_counts, sms_queries.dispatch_reasons):
        pd.testing.assert_frame_equal(
            fn(fast, dispatch_id=dispatch_id), fn(raw, dispatch_id=dispatch_id), check_dtype=False, obj=fn.__name__
        )
    assert status_queries.first_day(fast) == status_queries.first_day(raw) == dt.date(2026, 3, 28)


def test_awkward_numbers_are_what_a_person_counts(lake):
    fast, _ = both(lake)
    # 29 March local: d1's messages from 00:00 on; the first six (23:30-23:55 on the 28th) are not in it.
    day, _, _ = sms_queries.period_summary(fast, period=PERIODS[0])
    in_day = [
        m
        for m in awkward_messages()
        if m["source"] == "bulk" and m["created_at"].astimezone(WAW).date() == dt.date(2026, 3, 29)
    ]
    assert day["recipients"] == len(in_day) == 34
    # Clicked counts delivered messages: m7's click (delivery never confirmed) is not among them; m0's clicks
    # count on the 28th, m1 was clicked only by a bot.
    assert day["clicked"] == 0
    the_28th, _, _ = sms_queries.period_summary(fast, period=Period(dt.date(2026, 3, 28), dt.date(2026, 3, 28), TZ))
    assert the_28th["clicked"] == 1
    # A dispatch belongs to the day its first message was created, with all its messages: d2 began at 23:50
    # on 31 March and ended on 1 April (local April, in the UTC-March partition).
    assert sms_queries.dispatch_records(fast, period=PERIODS[2]) == []
    march_31 = sms_queries.dispatch_records(fast, period=Period(dt.date(2026, 3, 31), dt.date(2026, 3, 31), TZ))
    assert [r["number"] for r in march_31] == [2] and march_31[0]["recipients"] == 20
    assert march_31[0]["sent_at"] == dt.datetime(2026, 3, 31, 23, 50)
    counts = sms_queries.dispatch_counts(fast, dispatch_id="d3").iloc[0]
    assert (counts["pending"], counts["delivered"], counts["clicked"]) == (10, 0, 0)  # m62's click: still pending
    assert pd.isna(counts["ctr"])  # nothing delivered: no CTR, not 0


def test_one_changed_month_is_stale_and_rebuilt_alone(tmp_path):
    lake = Lake(tmp_path / "lake")
    with transaction(lake, fresh=True) as staging:
        write_messages(staging, pa.Table.from_pylist(awkward_messages(), schema=MESSAGES))
        write_dispatches(staging, pa.Table.from_pylist(dispatch_rows(), schema=DISPATCHES))
        build_rollups(staging, tz=TZ)
    march = lake.rollups_dir / "dispatch_daily" / "month=2026-03" / "part-0.parquet"
    march_inode = os.stat(march).st_ino
    may_rows = [message(90 + i, at(2026, 5, 11, 9), dispatch="d3") for i in range(5)]
    may = [m for m in awkward_messages() if m["created_at"].month == 5] + may_rows
    with transaction(lake) as staging:
        write_messages(staging, pa.Table.from_pylist(may, schema=MESSAGES))
    status = rollup_status(lake, tz=TZ)
    assert not status.fresh and status.code == "months" and status.stale_months == ("2026-05",)
    # Stale rollups are not read: the same numbers come from the raw messages.
    stale = Db(lake, tz=TZ)
    assert sms_queries.dispatch_counts(stale, dispatch_id="d3").iloc[0]["recipients"] == 15
    with transaction(lake) as staging:
        figures = build_rollups(staging, tz=TZ, months=["2026-05"])
    assert figures["months"] == 1
    assert rollup_status(lake, tz=TZ).fresh
    assert os.stat(march).st_ino == march_inode  # March was not rewritten
    assert sms_queries.dispatch_counts(Db(lake, tz=TZ), dispatch_id="d3").iloc[0]["recipients"] == 15


def test_another_time_zone_makes_rollups_stale(lake):
    status = rollup_status(lake, tz="UTC")
    assert not status.fresh and status.code == "timezone"
    utc = Db(lake, tz="UTC")
    period = Period(dt.date(2026, 3, 28), dt.date(2026, 3, 28), "UTC")
    in_day = [m for m in awkward_messages() if m["source"] == "bulk" and m["created_at"].date() == dt.date(2026, 3, 28)]
    assert sms_queries.period_summary(utc, period=period)[0]["recipients"] == len(in_day)


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.start}..{p.end}")
def test_every_page_answer_equals_raw_scan(lake, period):
    # What each interaction shows: the SMS page (KPIs and trend, history with an open campaign) and the
    # transactional page (table, KPIs, each campaign's detail row), with rollups and by raw scan.
    from data.queries.history import history

    fast, raw = both(lake)
    campaigns = pd.DataFrame(
        {
            "id": [1],
            "name": ["Wiosna"],
            "description": [""],
            "rule": [None],
            "created_at": [""],
            "updated_at": [""],
            "members": [2],
        }
    )
    members = pd.DataFrame({"dispatch_id": ["d1", "d2"], "campaign_id": [1, 1]})
    for compare in (True, False):
        got, want = (sms_queries.period_summary(db, period=period, compare=compare) for db in (fast, raw))
        pd.testing.assert_series_equal(got[0], want[0], check_dtype=False)
        pd.testing.assert_frame_equal(got[2], want[2], check_dtype=False)
    pd.testing.assert_frame_equal(
        history(fast, period=period, campaigns=campaigns, members=members, expanded=frozenset({1})),
        history(raw, period=period, campaigns=campaigns, members=members, expanded=frozenset({1})),
        check_dtype=False,
    )
    for source in (None, "api", "test"):
        pd.testing.assert_frame_equal(
            trx_queries.trx_kpis(fast, period=period, source=source),
            trx_queries.trx_kpis(raw, period=period, source=source),
            check_dtype=False,
        )
        a, b = (
            trx_queries.trx_campaign_frame(trx_queries.trx_campaign_records(db, period=period, source=source))
            for db in (fast, raw)
        )
        pd.testing.assert_frame_equal(a, b, check_dtype=False)
        # The page's KPI cards are summed from its daily counts: the same numbers as trx_kpis.
        totals = trx_queries.trx_totals(trx_queries.trx_daily(fast, period=period, source=source))
        pd.testing.assert_series_equal(
            totals,
            trx_queries.trx_kpis(raw, period=period, source=source).iloc[0],
            check_dtype=False,
            check_names=False,
        )
        for label in [*sorted({m["campaign_label"] for m in awkward_messages() if m["campaign_label"]}), None]:
            a, b = (
                trx_queries.trx_detail(db, period=period, campaign=trx_queries.Campaign(label), source=source)
                for db in (fast, raw)
            )
            for part in ("daily", "delays", "by_source", "groups", "reasons", "latest"):
                pd.testing.assert_frame_equal(getattr(a, part), getattr(b, part), check_dtype=False, obj=part)


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.start}..{p.end}")
def test_the_click_delay_histogram_counts_the_clicked_messages(lake, period):
    # One definition of clicked: delivered messages with a human click, in the table and in the histogram of
    # times to the first click (a delivered message without a delivery time too: counted from sending).
    for db in both(lake):
        for label in ("kod-2fa", None):
            campaign = trx_queries.Campaign(label)
            kpis = trx_queries.trx_kpis(db, period=period, campaign=campaign).iloc[0]
            delays = trx_queries.trx_click_delay(db, period=period, campaign=campaign)
            assert int(delays["messages"].sum()) == int(kpis["clicked"]), label
    day = Period(dt.date(2026, 3, 29), dt.date(2026, 3, 29), TZ)
    delays = trx_queries.trx_click_delay(both(lake)[0], period=day, campaign=trx_queries.Campaign("kod-2fa"))
    assert 3600 in set(delays["delay_bucket"])  # m90: sent 06:00, clicked 07:00, no delivery time
