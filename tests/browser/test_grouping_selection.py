"""Ticks and confirmations of the grouping actions, in headless Chromium, in Polish and in English (issue 16.3).

Before, ticked rows stayed ticked after an action: after "Remove from campaign" two rows stayed ticked and the next
"Add to campaign" moved three dispatches instead of one; the move confirmation named only the dispatches leaving
another campaign; "Group filtered" with every match already in a campaign said "select dispatches in the table"."""

from __future__ import annotations

import shutil

import pytest

from app import create_app
from data.queries import sms as sms_queries
from i18n import fmt_int, t
from layouts.ids import Camp, Shell, Sms
from tests.browser.conftest import free_port
from tests.browser.test_campaigns_page import PINNED_LEFT, checkbox, row_data, wait_for
from tests.browser.test_sms_page import ROWS, click, wait_rows
from web.context import AppContext


def ticked(dash_duo) -> list[str]:
    """The rows the grid holds as selected, and the rows drawn with a ticked box (both must be empty after an action)."""
    held, drawn = dash_duo.driver.execute_script(
        "var held = dash_ag_grid.getApi(arguments[0]).getSelectedRows().map(function (r) { return r.row_id; });"
        "var drawn = Array.from(document.querySelectorAll(arguments[1] + ' input[type=checkbox]:checked'))"
        "  .map(function (box) { return box.closest('.ag-row').getAttribute('row-id'); });"
        "return [held, drawn];",
        str(Sms.GRID),
        PINNED_LEFT,
    )
    return sorted(set(held) | set(drawn))


def tick(dash_duo, *row_ids: str) -> None:
    for row_id in row_ids:
        click(dash_duo, checkbox(row_id))
    wait_for(lambda: ticked(dash_duo) == sorted(row_ids), message=f"ticks on {row_ids}")


def members(ctx) -> dict[str, set[str]]:
    """Campaign name -> its dispatch ids, read from the store (not from the page)."""
    campaigns, held = ctx.store.campaigns(), ctx.store.members()
    names = dict(zip(campaigns["id"], campaigns["name"]))
    found: dict[str, set[str]] = {}
    for d, c in zip(held["dispatch_id"], held["campaign_id"]):
        found.setdefault(names.get(c, "(changing)"), set()).add(d)
    return found


def toast_names(dash_duo, lang: str, numbers: list[int]) -> None:
    expected = t(lang, "camp.numbers", numbers=", ".join(str(n) for n in sorted(numbers)))
    wait_for(lambda: dash_duo.find_element(f"#{Camp.TOAST_TEXT}").text.endswith(expected), message=expected)


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_every_action_clears_the_ticks_and_moves_exactly_what_it_names(dash_duo, browser_config, shot, tmp_path, lang):
    shutil.copytree(browser_config.data_dir, tmp_path / "data", symlinks=True)
    config = browser_config.with_(data_dir=tmp_path / "data")
    ctx = AppContext.create(config)
    dash_duo.start_server(create_app(config), port=free_port())
    dash_duo.driver.set_window_size(1500, 1100)
    wait_rows(dash_duo)
    if lang == "en":
        click(dash_duo, f"#{Shell.LANG_EN}")
        dash_duo.wait_for_text_to_equal("h1", "SMS reports", timeout=15)
        wait_rows(dash_duo)
    click(dash_duo, f"label[for='_dbcprivate_radioitems_{Sms.PERIOD_PRESET}_input_12m']")
    period_rows = sms_queries.dispatch_records(ctx.db, period=ctx.period("12m"))
    dash_duo.wait_for_text_to_equal(f"#{Sms.HISTORY_COUNT}", t(lang, "history.count", n=len(period_rows)), timeout=15)
    rows = [r for r in row_data(dash_duo) if r["kind"] == "dispatch"][:5]  # newest first, each in no campaign
    ids = [r["row_id"] for r in rows]
    default = t(lang, "camp.default_name")

    # 1. Group three: the campaign holds them, and nothing stays ticked.
    tick(dash_duo, *ids[:3])
    click(dash_duo, f"#{Camp.GROUP}")
    wait_for(lambda: members(ctx) == {default: {r["dispatch_id"] for r in rows[:3]}}, message="grouped")
    wait_for(lambda: ticked(dash_duo) == [], message="no ticks after grouping")
    toast_names(dash_duo, lang, [r["number"] for r in rows[:3]])
    cid = int(ctx.store.campaigns()["id"].iloc[0])

    # 2. Open it, take two out: nothing stays ticked.
    click(dash_duo, f"{ROWS}[row-id='c{cid}'] [col-id='toggle']")
    wait_for(lambda: dash_duo.find_elements(checkbox(ids[1])), message="member rows")
    tick(dash_duo, ids[0], ids[1])
    click(dash_duo, f"#{Camp.REMOVE}")
    wait_for(lambda: members(ctx) == {default: {rows[2]["dispatch_id"]}}, message="removed")
    wait_for(lambda: ticked(dash_duo) == [], message="no ticks after removing")
    toast_names(dash_duo, lang, [r["number"] for r in rows[:2]])

    # 3. Add one to the campaign: exactly that one moves (before, the two still ticked went along).
    tick(dash_duo, ids[3])
    dash_duo.select_dcc_dropdown(f"#{Camp.ADD_TARGET}", value=f"{default} (1)")
    click(dash_duo, f"#{Camp.ADD}")
    wait_for(lambda: members(ctx) == {default: {rows[2]["dispatch_id"], rows[3]["dispatch_id"]}}, message="added one")
    wait_for(lambda: ticked(dash_duo) == [], message="no ticks after adding")
    toast_names(dash_duo, lang, [rows[3]["number"]])
    shot(f"grouping-selection-cleared-{lang}")

    # 4. Group a member with a free dispatch: the confirmation names both, the member marked as moving.
    wait_for(lambda: dash_duo.find_elements(checkbox(ids[2])), message="member row")
    tick(dash_duo, ids[2], ids[4])
    click(dash_duo, f"#{Camp.GROUP}")
    dash_duo.wait_for_element(f"#{Camp.CONFIRM_BODY} li", timeout=10)
    items = dash_duo.find_elements(f"#{Camp.CONFIRM_BODY} li")
    assert sorted(int(li.get_attribute("data-number")) for li in items) == sorted(
        [rows[2]["number"], rows[4]["number"]]
    )
    moving = [
        li.get_attribute("data-number") for li in items if li.find_elements("css selector", ".bi-arrow-left-right")
    ]
    assert moving == [str(rows[2]["number"])]
    body = dash_duo.find_element(f"#{Camp.CONFIRM_BODY}").text
    assert t(lang, "camp.confirm_from", name=default) in body and t(lang, "camp.confirm_moving", count=1) in body
    shot(f"grouping-confirm-{lang}")
    click(dash_duo, f"#{Camp.CONFIRM_OK}")
    second = f"{default} 2"
    wait_for(
        lambda: members(ctx)
        == {default: {rows[3]["dispatch_id"]}, second: {rows[2]["dispatch_id"], rows[4]["dispatch_id"]}},
        message="moved and grouped",
    )
    wait_for(lambda: ticked(dash_duo) == [], message="no ticks after a confirmed move")
    toast_names(dash_duo, lang, [rows[2]["number"], rows[4]["number"]])

    # 5. Group filtered, twice: the second time every match is in a campaign, and the page says so.
    word = rows[0]["name"].split()[0]
    click(dash_duo, f"#{Camp.FILTER_TOGGLE}")
    dash_duo.find_element(f"#{Camp.FILTER_TEXT}").send_keys(word)
    wait_for(lambda: dash_duo.find_element(f"#{Camp.FILTER_COUNT}").text.strip() != "", message="the filter's count")
    dash_duo.find_element(f"#{Camp.FILTER_NAME}").send_keys("F")
    click(dash_duo, f"#{Camp.FILTER_GROUP}")
    wait_for(lambda: "F" in members(ctx), message="filtered group")
    wait_for(
        lambda: not any(r["kind"] == "dispatch" and r["parent_id"] is None for r in row_data(dash_duo)), message=""
    )
    matching = sum(r["dispatches"] for r in row_data(dash_duo) if r["kind"] == "campaign")
    click(dash_duo, f"#{Camp.FILTER_GROUP}")
    expected = t(lang, "camp.filtered_all_grouped", count=fmt_int(matching, lang))
    dash_duo.wait_for_text_to_equal(f"#{Camp.MESSAGE}", expected, timeout=10)
    assert t(lang, "camp.select_dispatches") not in dash_duo.find_element(f"#{Camp.MESSAGE}").text
    assert set(members(ctx)) == {default, second, "F"}  # nothing new
    shot(f"grouping-filtered-all-grouped-{lang}")
    assert dash_duo.get_logs() == [], dash_duo.get_logs()
