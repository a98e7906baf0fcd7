"""Grouping on the SMS page, through the callbacks' plain functions (no browser)."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest

from callbacks import campaigns as camp_cb
from callbacks import sms as sms_cb
from config import Config
from data.queries.history import HistoryFilter, Sort
from i18n import fmt_int, t
from layouts.campaigns import change_text
from tests.callbacks.test_sms import texts
from tests.conftest import TZ, UNTIL
from web.context import AppContext

PERIOD = {"preset": "custom", "start": "2026-06-01", "end": UNTIL.isoformat()}


@pytest.fixture
def gctx(demo_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data, symlinks=True)
    return AppContext.create(Config(data_dir=data, timezone=TZ, local_mode=True))  # no users: as `make run`


def confirm_items(body) -> list[str]:
    """The dispatches a move confirmation lists, as a user reads them."""
    return ["".join(texts(li)) for li in body.children[-1].children]


def rows(ctx, **kw):
    return sms_cb.report(ctx, lang="pl", **PERIOD, **kw)["rows"]


def test_group_shows_one_campaign_row_then_ungroup_and_undo(gctx):
    before = rows(gctx)
    chosen = [r for r in before if r["kind"] == "dispatch"][:3]
    out = camp_cb.grouping_action(gctx, action="group", lang="pl", selected=chosen)
    numbers = ", ".join(str(r["number"]) for r in sorted(chosen, key=lambda r: r["number"]))
    assert out["changed"] and out["toast"].startswith("Zgrupowano 3 wysyłki w kampanii „Nowa kampania”")
    assert f"nr {numbers}" in out["toast"]
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
    out = camp_cb.grouping_action(
        gctx, action="group", lang="pl", selected=[r for r in rows(gctx) if r["kind"] == "dispatch"][:1]
    )
    assert out["toast"].startswith("Zgrupowano 1 wysyłkę w kampanii „Nowa kampania 2”")
    assert "Nowa kampania 2" in {r["name"] for r in rows(gctx) if r["kind"] == "campaign"}
    # Ungroup the first; undo brings it back exactly.
    first = [r for r in rows(gctx) if r["kind"] == "campaign" and r["name"] == "Nowa kampania"]
    out = camp_cb.grouping_action(gctx, action="ungroup", lang="pl", selected=first)
    assert out["changed"] and not any(r["name"] == "Nowa kampania" for r in rows(gctx) if r["kind"] == "campaign")
    assert out["toast"] == "Rozgrupowano 1 kampanię (3 wysyłki)"
    out = camp_cb.grouping_action(gctx, action="undo", lang="en")
    assert out["toast"] == "Undone: Ungrouped 1 campaign (3 dispatches)"
    assert any(r["name"] == "Nowa kampania" for r in rows(gctx) if r["kind"] == "campaign")


def test_moving_from_another_campaign_asks_first(gctx):
    dispatches = [r for r in rows(gctx) if r["kind"] == "dispatch"]
    camp_cb.grouping_action(gctx, action="group", lang="en", selected=dispatches[:2])
    out = camp_cb.grouping_action(gctx, action="group", lang="en", selected=dispatches[1:3])
    assert not out["changed"] and out["pending"]["ids"] == [dispatches[1]["dispatch_id"], dispatches[2]["dispatch_id"]]
    # The confirmation names every dispatch that will go into the new campaign, the one leaving another marked.
    one, two = dispatches[1], dispatches[2]
    assert confirm_items(out["confirm"]) == sorted(
        [
            f'no. {one["number"]} · {one["name"]} — moved from campaign "New campaign"',
            f"no. {two['number']} · {two['name']}",
        ],
        key=lambda s: int(s.split()[1]),
    )
    assert 'the new campaign "New campaign": 2.' in " ".join(texts(out["confirm"]))
    out = camp_cb.grouping_action(gctx, action="confirmed", lang="en", pending=out["pending"])
    assert out["changed"] and out["toast"].endswith(
        f"no. {', '.join(str(n) for n in sorted([one['number'], two['number']]))}"
    )
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
    ids = [r["dispatch_id"] for r in filtered["rows"] if r["kind"] == "dispatch"]
    assert filtered["filter_count"] == ("1 matching dispatch" if len(ids) == 1 else f"{len(ids)} matching dispatches")
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
    numbers = ", ".join(str(n) for n in sorted(r["number"] for r in dispatches[2:4]))
    assert out["changed"] and out["toast"] == f"Added 2 dispatches to the campaign · no. {numbers}"
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


def log_rows(body) -> list[list[str]]:
    """The change log as a user reads it: one list of cell texts per row, newest first."""
    return [[" ".join(texts(cell)) for cell in tr.children] for tr in body.children[1].children]


def local_minute(at: str) -> str:
    """A stored instant as the Polish page writes it in Warsaw time, computed here with pandas."""
    return pd.Timestamp(at).tz_convert(TZ).strftime("%d.%m.%Y %H:%M")


def test_change_log_marks_only_undone_changes_and_shows_warsaw_time(gctx):
    dispatches = [r for r in rows(gctx) if r["kind"] == "dispatch"]
    camp_cb.grouping_action(gctx, action="group", lang="pl", selected=dispatches[:2])
    camp_cb.grouping_action(gctx, action="group", lang="pl", selected=dispatches[2:3])
    camp_cb.grouping_action(gctx, action="undo", lang="pl")  # undoes the second group
    camp_cb.grouping_action(gctx, action="group", lang="pl", selected=dispatches[3:5])
    shown = log_rows(camp_cb.change_log(gctx, lang="pl"))
    stored = gctx.store.audit(limit=50)
    assert [row[0] for row in shown] == [local_minute(at) for at in stored["at"]]
    assert [row[2] for row in shown] == [
        "Zgrupowano 2 wysyłki w kampanii „Nowa kampania 2”",
        "Cofnięto: Zgrupowano 1 wysyłkę w kampanii „Nowa kampania 2”",
        "Zgrupowano 1 wysyłkę w kampanii „Nowa kampania 2” (cofnięte)",
        "Zgrupowano 2 wysyłki w kampanii „Nowa kampania”",
    ]
    english = log_rows(camp_cb.change_log(gctx, lang="en"))
    assert [row[2].endswith("(undone)") for row in english] == [False, False, True, False]


def test_change_log_times_follow_the_reporting_zone_across_summer_time(gctx):
    from layouts import campaigns as camp_view

    log = pd.DataFrame(
        {
            "id": [2, 1],
            "at": ["2026-07-01T10:05:00.000000+00:00", "2026-12-06T11:53:21.000000+00:00"],
            "who": ["anna", "adam"],
            "action": ["remove", "add"],
            "summary": ['{"dispatches": 1}', '{"campaign": 1, "dispatches": 2}'],
            "undone_by": [None, None],
        }
    )
    shown = log_rows(camp_view.audit_table("pl", log, TZ))
    assert [row[0] for row in shown] == ["01.07.2026 12:05", "06.12.2026 12:53"]
    assert not any("(cofnięte)" in row[2] for row in shown)


def test_group_filtered_takes_the_matches_in_no_campaign_and_says_when_there_are_none(gctx):
    dispatches = [r for r in rows(gctx) if r["kind"] == "dispatch"]
    camp_cb.grouping_action(gctx, action="group", lang="pl", selected=dispatches[:1])
    flt = HistoryFilter(text=dispatches[0]["name"].split()[0])
    shown = sms_cb.report(gctx, lang="pl", flt=flt, **PERIOD)["rows"]
    free, grouped = camp_cb.filtered_matches(shown)
    assert grouped == 1 and free and dispatches[0]["dispatch_id"] not in free
    # A forged request naming the grouped match too: it stays in its campaign.
    out = camp_cb.grouping_action(
        gctx, action="group_filtered", lang="pl", filtered_ids=[*free, dispatches[0]["dispatch_id"]], name="F"
    )
    assert out["changed"] and out["confirm"] is None
    assert out["toast"].endswith(t("pl", "camp.filtered_kept", count=1))
    held = gctx.store.members().groupby("campaign_id")["dispatch_id"].apply(set).to_dict()
    by_name = dict(zip(gctx.store.campaigns()["name"], gctx.store.campaigns()["id"]))
    assert held[by_name["F"]] == set(free) and held[by_name["Nowa kampania"]] == {dispatches[0]["dispatch_id"]}

    # Every match is in a campaign now: the page says so, in either language, and changes nothing.
    shown = sms_cb.report(gctx, lang="en", flt=flt, **PERIOD)["rows"]
    free, grouped = camp_cb.filtered_matches(shown)
    assert free == [] and grouped == len(held[by_name["F"]]) + 1
    for lang in ("pl", "en"):
        out = camp_cb.grouping_action(
            gctx, action="group_filtered", lang=lang, filtered_ids=free, grouped_matches=grouped, name="G"
        )
        message = " ".join(texts(out["message"]))
        assert not out["changed"] and message == t(lang, "camp.filtered_all_grouped", count=fmt_int(grouped, lang))
        assert t(lang, "camp.select_dispatches") not in message
    out = camp_cb.grouping_action(gctx, action="group_filtered", lang="en", filtered_ids=[], name="G")
    assert " ".join(texts(out["message"])) == "No dispatch of the period matches the filter."
    assert sorted(gctx.store.campaigns()["name"]) == ["F", "Nowa kampania"]


def test_add_counts_and_names_only_the_dispatches_that_move(gctx):
    dispatches = [r for r in rows(gctx) if r["kind"] == "dispatch"]
    camp_cb.grouping_action(gctx, action="group", lang="en", selected=dispatches[:2])
    cid = int(gctx.store.campaigns()["id"].iloc[0])
    out = camp_cb.grouping_action(gctx, action="add", lang="en", selected=dispatches[1:3], target=cid)
    added = change_text("en", {"action": "add", "dispatches": 1})
    assert out["toast"] == f"{added} · no. {dispatches[2]['number']}"
    assert set(gctx.store.members()["dispatch_id"]) == {r["dispatch_id"] for r in dispatches[:3]}
    out = camp_cb.grouping_action(gctx, action="add", lang="en", selected=dispatches[1:3], target=cid)
    assert not out["changed"] and " ".join(texts(out["message"])) == t("en", "camp.already_in_target")
    out = camp_cb.grouping_action(gctx, action="add", lang="en", selected=dispatches[3:4], target=cid + 99)
    assert not out["changed"] and "Choose the campaign" in " ".join(texts(out["message"]))


def test_a_change_clears_the_ticks_and_a_hint_keeps_them(gctx):
    """Over HTTP, as the page sends it: the grouping answer unticks every row after a change (issue 16.3)."""
    import json

    from app import create_app
    from layouts.ids import Camp, Sms
    from tests.test_access import callback_body, csrf

    app = create_app(gctx.config)
    client = app.server.test_client()
    assert client.get("/").status_code == 200  # local mode: the page's CSRF cookie
    dispatches = [r for r in rows(gctx) if r["kind"] == "dispatch"]

    def press(button: str, selected: list[dict]) -> dict:
        values = {f"{button}.n_clicks": 1, f"{Sms.GRID}.selectedRows": selected, "shell-lang.data": "pl"}
        body = callback_body(app, f"{Camp.CHANGES}.data", values, f"{button}.n_clicks")
        answer = client.post("/_dash-update-component", json=body, headers=csrf(client))
        assert answer.status_code == 200, answer.text
        return json.loads(answer.text)["response"]

    grouped = press(Camp.GROUP, dispatches[:3])
    assert grouped[Sms.GRID]["selectedRows"] == [] and grouped[Camp.CHANGES]["data"] == 1
    members = [dict(r, campaign_id=int(gctx.store.campaigns()["id"].iloc[0])) for r in dispatches[:2]]
    removed = press(Camp.REMOVE, members)
    assert removed[Sms.GRID]["selectedRows"] == []
    hint = press(Camp.REMOVE, dispatches[3:4])  # not in a campaign: a hint, nothing changed, the ticks stay
    assert Sms.GRID not in hint and "Zaznacz wysyłki" in json.dumps(hint[Camp.MESSAGE], ensure_ascii=False)


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
