"""Grouping on the SMS page, through the callbacks' plain functions (no browser)."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from callbacks import campaigns as camp_cb
from callbacks import sms as sms_cb
from config import Config
from data.queries.history import HistoryFilter, Sort
from tests.callbacks.test_sms import texts
from tests.conftest import TZ, UNTIL
from web.context import AppContext

PERIOD = {"preset": "custom", "start": "2026-06-01", "end": UNTIL.isoformat()}


@pytest.fixture
def gctx(demo_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data, symlinks=True)
    return AppContext.create(Config(data_dir=data, timezone=TZ, local_mode=True))  # no users: as `make run`


def rows(ctx, **kw):
    return sms_cb.report(ctx, lang="pl", **PERIOD, **kw)["rows"]


def test_group_shows_one_campaign_row_then_ungroup_and_undo(gctx):
    before = rows(gctx)
    chosen = [r for r in before if r["kind"] == "dispatch"][:3]
    out = camp_cb.grouping_action(gctx, action="group", lang="pl", selected=chosen)
    assert out["changed"] and out["toast"].startswith("Zgrupowano wysyłki: 3 („Nowa kampania”)")
    after = rows(gctx)
    campaign = [r for r in after if r["kind"] == "campaign"]
    assert len(campaign) == 1 and campaign[0]["name"] == "Nowa kampania"
    assert campaign[0]["sent"] == sum(r["sent"] for r in chosen)
    assert campaign[0]["delivered"] == sum(r["delivered"] for r in chosen)
    assert len(after) == len(before) - 3 + 1
    # The second group gets a numbered name.
    more = [r for r in after if r["kind"] == "dispatch"][:2]
    camp_cb.grouping_action(gctx, action="group", lang="en", selected=more)
    names = sorted(r["name"] for r in rows(gctx) if r["kind"] == "campaign")
    assert names == ["New campaign", "Nowa kampania"]
    camp_cb.grouping_action(
        gctx, action="group", lang="pl", selected=[r for r in rows(gctx) if r["kind"] == "dispatch"][:1]
    )
    assert "Nowa kampania 2" in {r["name"] for r in rows(gctx) if r["kind"] == "campaign"}
    # Ungroup the first; undo brings it back exactly.
    first = [r for r in rows(gctx) if r["kind"] == "campaign" and r["name"] == "Nowa kampania"]
    out = camp_cb.grouping_action(gctx, action="ungroup", lang="pl", selected=first)
    assert out["changed"] and not any(r["name"] == "Nowa kampania" for r in rows(gctx) if r["kind"] == "campaign")
    out = camp_cb.grouping_action(gctx, action="undo", lang="pl")
    assert out["toast"].startswith("Cofnięto:")
    assert any(r["name"] == "Nowa kampania" for r in rows(gctx) if r["kind"] == "campaign")


def test_moving_from_another_campaign_asks_first(gctx):
    dispatches = [r for r in rows(gctx) if r["kind"] == "dispatch"]
    camp_cb.grouping_action(gctx, action="group", lang="en", selected=dispatches[:2])
    out = camp_cb.grouping_action(gctx, action="group", lang="en", selected=dispatches[1:3])
    assert not out["changed"] and out["pending"]["ids"] == [dispatches[1]["dispatch_id"], dispatches[2]["dispatch_id"]]
    assert f"dispatch no. {dispatches[1]['number']} from campaign" in " ".join(texts(out["confirm"]))
    out = camp_cb.grouping_action(gctx, action="confirmed", lang="en", pending=out["pending"])
    assert out["changed"]
    members = gctx.store.members().set_index("dispatch_id")["campaign_id"]
    assert (
        members[dispatches[1]["dispatch_id"]]
        == members[dispatches[2]["dispatch_id"]]
        != members[dispatches[0]["dispatch_id"]]
    )


def test_nothing_selected_is_a_hint_not_an_error(gctx):
    out = camp_cb.grouping_action(gctx, action="group", lang="en", selected=[])
    assert not out["changed"] and "Select dispatches" in " ".join(texts(out["message"]))


def test_expand_rename_details_and_filter_group_with_rule(gctx):
    dispatches = [r for r in rows(gctx) if r["kind"] == "dispatch"]
    camp_cb.grouping_action(gctx, action="group", lang="pl", selected=dispatches[:2])
    cid = int(gctx.store.campaigns()["id"].iloc[0])
    expanded = camp_cb.toggled([], {"colId": "toggle", "rowId": f"c{cid}"})
    assert expanded == [cid] and camp_cb.toggled(expanded, {"colId": "toggle", "rowId": f"c{cid}"}) == []
    shown = rows(gctx, expanded=frozenset(expanded))
    at = [r["row_id"] for r in shown].index(f"c{cid}")
    assert {r["parent_id"] for r in shown[at + 1 : at + 3]} == {f"c{cid}"}
    campaign_row = shown[at]
    out = camp_cb.rename_in_place(
        gctx, changes=[{"colId": "name", "value": "  Żółw <b>x</b> ", "data": campaign_row}], lang="pl"
    )
    assert out["changed"] and gctx.store.campaigns()["name"].iloc[0] == "Żółw <b>x</b>"
    title, body = sms_cb.campaign_details(gctx, campaign_id=cid, lang="en")
    assert title == 'Details of campaign "Żółw <b>x</b>"'
    assert f"campaign={cid}" in str(body)
    name = dispatches[3]["name"]
    flt = HistoryFilter(text=name.upper())
    filtered = sms_cb.report(gctx, lang="en", flt=flt, **PERIOD)
    assert filtered["filter_count"].startswith("Matching dispatches:")
    ids = [r["dispatch_id"] for r in filtered["rows"] if r["kind"] == "dispatch"]
    out = camp_cb.grouping_action(gctx, action="group_filtered", lang="en", filtered_ids=ids, name="Filtered", rule=flt)
    assert out["changed"]
    saved = gctx.store.campaigns().set_index("name").loc["Filtered"]
    assert saved["rule"] is not None and name.upper() in saved["rule"]


def test_export_links_follow_filter_sort_and_per_campaign(gctx):
    csv_href, _ = sms_cb.export_links(
        gctx,
        lang="pl",
        flt=HistoryFilter("żółw", dt.date(2026, 7, 1), None),
        per_campaign=True,
        sort=Sort("ctr", True),
        **PERIOD,
    )
    assert "per=campaign" in csv_href and "q=%C5%BC%C3%B3%C5%82w" in csv_href and "since=2026-07-01" in csv_href
    assert "sort=ctr&desc=1" in csv_href
    assert sms_cb.grid_sort(
        [{"colId": "number", "sort": None}, {"colId": "sent", "sort": "asc", "sortIndex": 0}]
    ) == Sort("sent", False)


def test_a_rule_takes_in_matching_dispatches_of_a_new_lake_version(gctx):
    from data.queries import dispatches as dispatch_queries

    catalog = dispatch_queries.dispatch_catalog(gctx.db, tz=TZ)
    word = catalog["name"].iloc[0].split()[0]
    matching = catalog[catalog["name"].str.contains(word, case=False, regex=False)]
    assert len(matching) >= 2
    rule = HistoryFilter(text=word.lower())
    gctx.store.group([matching["dispatch_id"].iloc[0]], name="Reguła", who="t", rule=rule.rule())
    campaigns, members = gctx.campaign_frames()  # this process sees the lake version for the first time
    joined = members[members["campaign_id"] == int(campaigns["id"].iloc[0])]
    assert set(joined["dispatch_id"]) == set(matching["dispatch_id"])
    assert joined.set_index("dispatch_id").loc[matching["dispatch_id"].iloc[1], "via_rule"] == 1
    shown = [r for r in rows(gctx) if r["kind"] == "campaign"]
    assert shown and "reguła" in shown[0]["recipient_group"]


def test_add_to_an_existing_campaign(gctx):
    dispatches = [r for r in rows(gctx) if r["kind"] == "dispatch"]
    camp_cb.grouping_action(gctx, action="group", lang="en", selected=dispatches[:2])
    cid = int(gctx.store.campaigns()["id"].iloc[0])
    out = camp_cb.grouping_action(gctx, action="add", lang="en", selected=dispatches[2:4], target=None)
    assert not out["changed"] and "Choose the campaign" in " ".join(texts(out["message"]))
    out = camp_cb.grouping_action(gctx, action="add", lang="en", selected=dispatches[2:4], target=cid)
    assert out["changed"] and out["toast"] == "Added 2 dispatches to the campaign"
    campaign = next(r for r in rows(gctx) if r["kind"] == "campaign")
    assert campaign["sent"] == sum(r["sent"] for r in dispatches[:4])


def test_exported_csv_follows_filter_sort_and_per_campaign(gctx):
    import csv
    import io

    from app import create_app

    dispatches = [r for r in rows(gctx) if r["kind"] == "dispatch"]
    camp_cb.grouping_action(gctx, action="group", lang="en", selected=dispatches[:3])
    client = create_app(gctx.config).server.test_client()
    base = f"/export/dispatches.csv?from={PERIOD['start']}&to={PERIOD['end']}&lang=en"
    per_campaign = list(
        csv.reader(io.StringIO(client.get(base + "&per=campaign&sort=sent&desc=0").data.decode("utf-8-sig")))
    )
    header, body = per_campaign[0], per_campaign[1:]
    assert "Campaign" in header and len(body) == len(dispatches) - 3 + 1
    sent = [int(r[header.index("Sent")]) for r in body]
    assert sent == sorted(sent)
    campaign_rows = [r for r in body if r[0] == ""]
    assert len(campaign_rows) == 1 and campaign_rows[0][header.index("Sent")] == str(
        sum(r["sent"] for r in dispatches[:3])
    )
    per_dispatch = list(csv.reader(io.StringIO(client.get(base).data.decode("utf-8-sig"))))
    assert len(per_dispatch) - 1 == len(dispatches)
    assert sum(1 for r in per_dispatch[1:] if r[header.index("Campaign")] == "New campaign") == 3
    word = dispatches[5]["name"].split()[0]
    filtered = list(csv.reader(io.StringIO(client.get(base + "&q=" + word.upper()).data.decode("utf-8-sig"))))
    from data.queries.history import history

    campaigns, members = gctx.campaign_frames()
    want = history(
        gctx.db,
        period=gctx.period("custom", PERIOD["start"], PERIOD["end"]),
        campaigns=campaigns,
        members=members,
        flt=HistoryFilter(word),
        per="dispatch",
    )
    assert 1 <= len(filtered) - 1 == len(want) < len(dispatches)
    assert sorted(int(r[0]) for r in filtered[1:]) == sorted(int(n) for n in want["number"])


def test_a_forged_confirmation_groups_only_dispatches_that_exist(gctx):
    real = [r["dispatch_id"] for r in rows(gctx) if r["kind"] == "dispatch"][:2]
    for pending in (
        {"action": "group", "ids": ["made-up-1", "made-up-2"], "name": "Forged"},
        {"action": "add", "ids": real, "target": "abc"},
        {"action": "group", "ids": real, "name": "X", "rule": '{"start": "9999-99-99"}'},
        {"ids": real},
        ["not", "a", "plan"],
    ):
        out = camp_cb.grouping_action(gctx, action="confirmed", lang="en", pending=pending)
        assert not out["changed"], pending
    assert gctx.store.members().empty
    out = camp_cb.grouping_action(
        gctx, action="confirmed", lang="en", pending={"action": "group", "ids": [*real, "made-up"], "name": "Real"}
    )
    assert out["changed"] and sorted(gctx.store.members()["dispatch_id"]) == sorted(real)
