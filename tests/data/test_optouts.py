"""Opt-outs and the opt-out rate against pandas over the Parquet files (tests/expected.py), through the rollups
and their raw-SQL fallback alike: on the demo lake, and on a small lake of the rule's edge cases imported as a
replies file, with the incremental rebuilds of a later month."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from data.db import Db
from data.ingest import ingest
from data.lake import Lake, transaction, write_clicks, write_dispatches, write_messages
from data.period import Period
from data.queries import optouts as optout_queries
from data.rollups import build_rollups
from data.schema import CLICKS, DISPATCHES, MESSAGES
from tests.conftest import TZ, UNTIL
from tests.data.test_rollups import at, dispatch_rows, message
from tests.expected import bulk_in_period, expected_optouts, of_dispatches


def same(got: optout_queries.OptOuts, want: dict) -> None:
    assert (got.optouts, got.delivered) == (want["optouts"], want["delivered"])
    if want["delivered"]:
        assert got.rate == pytest.approx(want["optouts"] / want["delivered"])
    else:
        assert math.isnan(got.rate)


def test_demo_dispatches_campaign_and_period(db, frames):
    every = optout_queries.every_dispatch_optouts(db)
    assert sum(every.values()) > 0  # the demo has opt-outs
    for d in list(frames["dispatches"]["dispatch_id"]):
        want = expected_optouts(frames, of_dispatches(frames, [d]))
        assert every.get(d, 0) == want["optouts"]
    chosen = sorted(every, key=lambda d: -every[d])[:3]
    same(
        optout_queries.dispatch_optouts(db, dispatch_id=chosen[0]),
        expected_optouts(frames, of_dispatches(frames, chosen[:1])),
    )
    same(
        optout_queries.dispatch_optouts(db, dispatch_id=chosen), expected_optouts(frames, of_dispatches(frames, chosen))
    )
    period = Period(dt.date(2026, 6, 1), UNTIL, TZ)
    got = optout_queries.period_optouts(db, period=period)
    same(got, expected_optouts(frames, bulk_in_period(frames, period)))
    assert 0.001 <= got.rate <= 0.005  # a small share of the delivered marketing messages


def test_demo_has_replies_that_are_not_optouts(frames):
    inbound = frames["inbound"]
    assert inbound["keyword"].isna().sum() > 0  # thank-yous and questions
    assert {"REZYGNUJE", "STOP", "NIE"} <= set(inbound["keyword"].dropna())
    texts = set(inbound["text"])
    assert "Rezygnuję" in texts and "stop" in texts  # diacritics and case as people write


A, B, C, D, E = (f"+4860100000{i}" for i in range(1, 6))
REPLIES = f"""from,text,received_at,id
{A},STOP,2026-04-03T10:00:00Z,r-a
{B}, Rezygnuję! ,2026-04-20T10:00:00Z,r-b
{C},stop,2026-05-05T10:00:00Z,r-c
{D},Dziękuję,2026-03-29T10:00:00Z,r-d
{E},STOP,2026-03-29T10:00:00Z,r-e
"""


def small_lake(tmp_path) -> Lake:
    rows = [
        {**message(1, at(2026, 3, 28, 12), dispatch="d1"), "msisdn": A},
        {**message(2, at(2026, 4, 2, 12), dispatch="d2"), "msisdn": A},  # A's later dispatch: A's STOP is its
        {**message(3, at(2026, 3, 28, 12), dispatch="d1"), "msisdn": B},  # B replies 23 days later, in April
        {**message(4, at(2026, 3, 28, 12), dispatch="d1"), "msisdn": C},  # C's STOP comes 38 days later
        {**message(5, at(2026, 3, 28, 12), dispatch="d1"), "msisdn": D},  # D says thank you
        {**message(6, at(2026, 3, 28, 12), dispatch="d1", status="undelivered"), "msisdn": E},  # never reached
    ]
    lake = Lake(tmp_path / "data" / "lake")
    with transaction(lake, fresh=True) as staging:
        write_messages(staging, pa.Table.from_pylist(rows, schema=MESSAGES))
        write_clicks(staging, pa.Table.from_pylist([], schema=CLICKS))
        write_dispatches(staging, pa.Table.from_pylist(dispatch_rows(), schema=DISPATCHES))
        build_rollups(staging, tz=TZ)
    return lake


def read_frames(lake: Lake) -> dict[str, pd.DataFrame]:
    def read(folder):
        files = sorted(folder.glob("month=*/*.parquet"))
        return pd.concat([pq.read_table(p).to_pandas() for p in files]).reset_index(drop=True) if files else None

    clicks = pd.DataFrame({"message_id": pd.Series(dtype=str), "is_bot": pd.Series(dtype=bool)})
    return {"messages": read(lake.messages_dir), "inbound": read(lake.inbound_dir), "clicks": clicks}


def check(lake: Lake, want: dict[str, int]) -> None:
    frames = read_frames(lake)
    fast, raw = Db(lake, tz=TZ), Db(lake, tz=TZ, use_rollups=False)
    assert fast.rollup_status().fresh and fast.reads_rollups()
    for d, n in want.items():
        expected = expected_optouts(frames, of_dispatches(frames, [d]))
        assert expected["optouts"] == n
        for db in (fast, raw):
            same(optout_queries.dispatch_optouts(db, dispatch_id=d), expected)
    period = Period(dt.date(2026, 3, 1), dt.date(2026, 4, 30), TZ)
    for db in (fast, raw):
        same(optout_queries.period_optouts(db, period=period), expected_optouts(frames, bulk_in_period(frames, period)))


def test_the_rule_on_its_edge_cases_and_later_months(tmp_path):
    lake = small_lake(tmp_path)
    path = tmp_path / "replies.csv"
    path.write_text(REPLIES, encoding="utf-8")
    summary = ingest([path], data_dir=lake.root.parent, report_tz=TZ)
    assert summary.optouts_new == 4 and summary.inbound_new == 5
    # A's STOP matches d1 and d2: it counts for d2, the latest before it. B's, with diacritics, in April, for
    # March's d1 (the March rollups were rebuilt). C's came after 30 days, D's is no keyword, E was never reached.
    assert "2026-03" in summary.rollup_months
    check(lake, {"d1": 1, "d2": 1})

    # A dispatch of April reaches B before B's reply: the reply now counts for it, and March's d1 loses it,
    # though only April's messages changed (its previous month's opt-outs are rebuilt with it).
    april = [
        {**message(2, at(2026, 4, 2, 12), dispatch="d2"), "msisdn": A},
        {**message(7, at(2026, 4, 10, 12), dispatch="d3"), "msisdn": B},
    ]
    with transaction(lake) as staging:
        write_messages(staging, pa.Table.from_pylist(april, schema=MESSAGES))
        build_rollups(staging, tz=TZ, months=["2026-04"])
    check(lake, {"d1": 0, "d2": 1, "d3": 1})


def test_changed_keywords_apply_to_stored_replies_after_reclassify(tmp_path):
    from typer.testing import CliRunner

    from cli import cli

    lake = small_lake(tmp_path)
    path = tmp_path / "replies.csv"
    path.write_text(REPLIES, encoding="utf-8")
    ingest([path], data_dir=lake.root.parent, report_tz=TZ)
    env = {
        "SMSREPORTS_DATA_DIR": str(lake.root.parent),
        "SMSREPORTS_TIMEZONE": TZ,
        "SMSREPORTS_OPTOUT_KEYWORDS": "stop, dziękuję",  # B's "Rezygnuję!" is no opt-out now, D's thank-you is
    }
    result = CliRunner().invoke(cli, ["replies", "reclassify"], env=env, catch_exceptions=False)
    assert result.exit_code == 0 and "2 replies changed" in result.stdout and "2026-03" in result.stdout
    check(lake, {"d1": 1, "d2": 1})  # d1: D instead of B
    frames = read_frames(lake)
    keywords = dict(zip(frames["inbound"]["msisdn"], frames["inbound"]["keyword"]))
    assert pd.isna(keywords[B]) and keywords[D] == "DZIEKUJE"
    again = CliRunner().invoke(cli, ["replies", "reclassify"], env=env, catch_exceptions=False)
    assert "no reply changed" in again.stdout
