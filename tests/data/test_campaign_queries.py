"""Campaign rows: sums of their dispatches' numbers taken from the lake independently."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from data.period import Period
from data.queries import sms as sms_queries
from data.queries.history import HistoryFilter, Sort, history
from data.schema import StatusGroup
from tests.conftest import TZ, UNTIL
from tests.expected import bulk_in_period, counts, of_dispatches

PERIOD = Period(dt.date(2026, 6, 1), UNTIL, TZ)


def campaign_frames(ids):
    members = pd.DataFrame({"dispatch_id": ids[:3] + ids[3:5], "campaign_id": [7, 7, 7, 9, 9]})
    campaigns = pd.DataFrame(
        {"id": [7, 9], "name": ["Żółw – jesień", "B"], "description": ["opis", ""], "rule": [None, '{"text": "x"}']}
    )
    return campaigns, members


def test_campaign_rows_are_the_sums_of_their_dispatches(ctx, frames):
    m = bulk_in_period(frames, PERIOD)
    ids = list(m["dispatch_id"].drop_duplicates().sort_values())
    campaigns, members = campaign_frames(ids)
    rows = history(ctx.db, period=PERIOD, campaigns=campaigns, members=members, expanded=frozenset({7}))
    top = rows[rows["parent_id"].isna()]
    assert len(top) == 2 + (m["dispatch_id"].nunique() - 5)  # two campaigns + the dispatches in none
    by_campaign = rows[rows["kind"] == "campaign"].set_index("campaign_id")
    for cid, group in members.groupby("campaign_id"):
        part = m[m["dispatch_id"].isin(group["dispatch_id"])]
        want = counts(part)
        assert {k: int(by_campaign.loc[cid, k]) for k in want} == want
        assert by_campaign.loc[cid, "dispatches"] == len(group)
        firsts = part.groupby("dispatch_id")["created_at"].min()
        assert pd.Timestamp(by_campaign.loc[cid, "sent_at"]) == firsts.min().tz_convert(TZ).tz_localize(None)
        assert pd.Timestamp(by_campaign.loc[cid, "last_at"]) == firsts.max().tz_convert(TZ).tz_localize(None)
    assert by_campaign.loc[9, "rule"] and not by_campaign.loc[7, "rule"]
    # Campaign 7 is expanded: its three dispatches follow it; campaign 9's are hidden.
    position = list(rows["row_id"]).index("c7")
    assert set(rows["parent_id"].iloc[position + 1 : position + 4]) == {"c7"}
    assert (rows["parent_id"] == "c9").sum() == 0


def test_filter_sort_and_per_dispatch(ctx, frames):
    m = bulk_in_period(frames, PERIOD)
    ids = list(m["dispatch_id"].drop_duplicates().sort_values())
    campaigns, members = campaign_frames(ids)
    flat = history(
        ctx.db, period=PERIOD, campaigns=campaigns, members=members, per="dispatch", sort=Sort("sent", descending=False)
    )
    assert len(flat) == m["dispatch_id"].nunique() and list(flat["sent"]) == sorted(flat["sent"])
    assert set(flat.loc[flat["dispatch_id"].isin(ids[:3]), "campaign_name"]) == {"Żółw – jesień"}
    name = frames["dispatches"].set_index("dispatch_id").loc[ids[0], "name"]
    word = name.split()[0]
    shouted = word.upper()
    found = history(
        ctx.db, period=PERIOD, campaigns=campaigns, members=members, per="dispatch", flt=HistoryFilter(text=shouted)
    )
    assert ids[0] in set(found["dispatch_id"])
    assert all(word.casefold() in (n + " " + (d or "")).casefold() for n, d in zip(found["name"], found["description"]))


def test_campaign_details_cover_every_member(ctx, frames):
    ids = list(frames["dispatches"]["dispatch_id"].iloc[:4])
    part = of_dispatches(frames, ids)
    got = sms_queries.dispatch_counts(ctx.db, dispatch_id=ids).iloc[0]
    assert {k: int(got[k]) for k in counts(part)} == counts(part)
    streamed = [
        v
        for b in sms_queries.numbers_batches(ctx.db, dispatch_id=ids, group=StatusGroup.DELIVERED, batch_rows=50)
        for v in b.column(0).to_pylist()
    ]
    assert sorted(streamed) == sorted(part.loc[part["status"] == "delivered", "msisdn"])
