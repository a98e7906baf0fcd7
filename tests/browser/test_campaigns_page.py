"""Grouping dispatches into campaigns on the SMS reports page, in headless Chromium."""

from __future__ import annotations

import shutil
import time

import pandas as pd
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from app import create_app
from data.queries import dispatches as dispatch_queries
from data.queries import sms as sms_queries
from i18n import t
from layouts.ids import Camp, Sms
from tests.browser.conftest import free_port
from tests.browser.test_sms_page import ROWS, click, wait_rows
from web.context import AppContext

PINNED_LEFT = f"#{Sms.GRID} .ag-pinned-left-cols-container .ag-row"


def row_data(dash_duo) -> list[dict]:
    """The grid's rows in displayed order, as the browser holds them (the blocks the server has sent)."""
    return dash_duo.driver.execute_script(
        "var api = dash_ag_grid.getApi(arguments[0]); var out = [];"
        "api.forEachNode(function (n) { if (n.data) { out.push([n.rowIndex, n.data]); } });"
        "out.sort(function (a, b) { return a[0] - b[0]; });"
        "return out.map(function (pair) { return pair[1]; });",
        str(Sms.GRID),
    )


def wait_for(predicate, timeout: float = 15, message: str = "condition"):
    end = time.time() + timeout
    while time.time() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {message}")


def checkbox(row_id: str) -> str:
    return f"{PINNED_LEFT}[row-id='{row_id}'] input[type='checkbox']"


def test_grouping_as_a_user(dash_duo, browser_config, shot, tmp_path):
    # A copy of the browser lake: the campaigns made here must not show on other tests' pages.
    shutil.copytree(browser_config.data_dir, tmp_path / "data", symlinks=True)
    config = browser_config.with_(data_dir=tmp_path / "data")
    app = create_app(config)
    ctx = AppContext.create(config)
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.set_window_size(1500, 1100)
    wait_rows(dash_duo)
    click(dash_duo, f"label[for='_dbcprivate_radioitems_{Sms.PERIOD_PRESET}_input_12m']")
    period = ctx.period("12m")
    frame = pd.DataFrame(sms_queries.dispatch_records(ctx.db, period=period))
    dash_duo.wait_for_text_to_equal(f"#{Sms.HISTORY_COUNT}", t("pl", "history.count", n=len(frame)), timeout=15)

    # 1. Select three dispatches (click, then shift-click) and group them.
    rows = row_data(dash_duo)
    first, third = rows[0]["row_id"], rows[2]["row_id"]
    click(dash_duo, checkbox(first))
    box = dash_duo.find_element(checkbox(third))
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
    time.sleep(0.3)
    ActionChains(dash_duo.driver).key_down(Keys.SHIFT).click(box).key_up(Keys.SHIFT).perform()
    chosen = [r["dispatch_id"] for r in rows[:3]]
    click(dash_duo, f"#{Camp.GROUP}")
    dash_duo.wait_for_contains_text(f"#{Camp.TOAST_TEXT}", "Zgrupowano 3 wysyłki w kampanii", timeout=10)
    campaign = wait_for(
        lambda: next((r for r in row_data(dash_duo) if r["kind"] == "campaign"), None), message="campaign row"
    )
    assert campaign["name"] == "Nowa kampania"
    counts = sms_queries.dispatch_counts(ctx.db, dispatch_id=chosen).iloc[0]  # the lake, independently of the page
    assert (campaign["sent"], campaign["delivered"], campaign["clicked"]) == (
        int(counts["sent"]),
        int(counts["delivered"]),
        int(counts["clicked"]),
    )
    shot("campaigns-grouped-pl")

    # 2. Rename it in place.
    cid = campaign["campaign_id"]
    click(dash_duo, f"{ROWS}[row-id='c{cid}'] [col-id='name']")
    ActionChains(dash_duo.driver).send_keys(Keys.ENTER).perform()  # Enter starts editing the focused cell
    editor = wait_for(
        lambda: dash_duo.find_elements(f"{ROWS}[row-id='c{cid}'] [col-id='name'] input"), message="editor"
    )[0]
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys("Black Friday <img src=x onerror=alert(1)>", Keys.ENTER)
    wait_for(
        lambda: ctx.store.campaigns()["name"].tolist() == ["Black Friday <img src=x onerror=alert(1)>"],
        message="rename",
    )

    # 3. Expand it: its dispatches appear beneath; open the campaign's details.
    click(dash_duo, f"{ROWS}[row-id='c{cid}'] [col-id='toggle']")
    members = wait_for(lambda: [r for r in row_data(dash_duo) if r.get("parent_id") == f"c{cid}"], message="members")
    assert sorted(r["dispatch_id"] for r in members) == sorted(chosen)
    order = [r["row_id"] for r in row_data(dash_duo)]
    assert order[order.index(f"c{cid}") + 1 : order.index(f"c{cid}") + 4] == [r["row_id"] for r in members]
    click(dash_duo, f"#{Sms.GRID} .ag-pinned-right-cols-container .ag-row[row-id='c{cid}'] [col-id='details']")
    dash_duo.wait_for_contains_text(f"#{Sms.DETAILS_TITLE}", "Black Friday", timeout=10)
    assert f"campaign={cid}" in dash_duo.find_element(f"#{Sms.DETAILS_BODY} a[href*='status=delivered']").get_attribute(
        "href"
    )
    shot("campaigns-details-pl")
    click(dash_duo, f"#{Sms.DETAILS_CLOSE}")
    time.sleep(0.5)

    # 4. Ungroup it, then 8. undo from the notice.
    click(dash_duo, checkbox(f"c{cid}"))
    click(dash_duo, f"#{Camp.UNGROUP}")
    wait_for(lambda: not any(r["kind"] == "campaign" for r in row_data(dash_duo)), message="ungrouped")
    click(dash_duo, f"#{Camp.UNDO}")
    wait_for(lambda: any(r["kind"] == "campaign" for r in row_data(dash_duo)), message="undo")
    assert ctx.store.campaigns()["name"].tolist() == ["Black Friday <img src=x onerror=alert(1)>"]

    # 5. Filter by text (diacritics and case ignored) and group the filtered dispatches.
    click(dash_duo, f"#{Camp.FILTER_TOGGLE}")
    word = frame["name"].iloc[-1].split()[0]
    dash_duo.find_element(f"#{Camp.FILTER_TEXT}").send_keys(word.upper())
    dash_duo.wait_for_contains_text(f"#{Camp.FILTER_COUNT}", "pasując", timeout=10)
    dash_duo.find_element(f"#{Camp.FILTER_NAME}").send_keys("Filtrowane")
    click(dash_duo, f"#{Camp.FILTER_RULE}")
    click(dash_duo, f"#{Camp.FILTER_GROUP}")

    # Only the matches in no campaign are grouped (those in the first campaign stay there): nothing to confirm.
    wait_for(lambda: "Filtrowane" in ctx.store.campaigns()["name"].tolist(), message="filtered group")
    assert ctx.store.campaigns().set_index("name").loc["Black Friday <img src=x onerror=alert(1)>", "members"] == 3
    assert ctx.store.campaigns().set_index("name").loc["Filtrowane", "rule"] is not None
    shot("campaigns-filtered-pl")

    # 7. Remove one dispatch from a campaign.
    click(dash_duo, f"#{Camp.FILTER_TOGGLE}")
    members = ctx.store.members()
    # the newest member the page shows, so its row is drawn near the top of the open campaign (the grid
    # draws only the rows in view; the filter may have grouped every dispatch of the period), and not
    # one of the first campaign's three
    owner = dict(zip(members["dispatch_id"], members["campaign_id"]))
    some = next(d for d in frame["dispatch_id"] if d in owner and d not in chosen)  # frame: newest first
    number = dispatch_queries.dispatch_numbers(ctx.db, dispatch_ids=[some])[some]
    cid_of = int(owner[some])
    click(dash_duo, f"{ROWS}[row-id='c{cid_of}'] [col-id='toggle']")
    wait_for(
        lambda: dash_duo.find_elements(f"{PINNED_LEFT}[row-id='{number}'] input[type='checkbox']"), message="member row"
    )
    click(dash_duo, checkbox(str(number)))
    click(dash_duo, f"#{Camp.REMOVE}")
    wait_for(lambda: some not in set(ctx.store.members()["dispatch_id"]), message="removed")

    # The change log lists what happened.
    click(dash_duo, f"#{Camp.AUDIT_TOGGLE}")
    dash_duo.wait_for_contains_text(f"#{Camp.AUDIT_BODY}", "Zgrupowano 3 wysyłki w kampanii", timeout=10)
    # Only the ungrouping was undone, and times are Warsaw's, as the page states (issue 16.2).
    log = dash_duo.find_element(f"#{Camp.AUDIT_BODY}").text
    assert log.count("(cofnięte)") == 1 and "Rozgrupowano 1 kampanię (3 wysyłki) (cofnięte)" in log
    newest = pd.Timestamp(ctx.store.audit(limit=1)["at"].iloc[0]).tz_convert("Europe/Warsaw")
    first_row = dash_duo.find_element(f"#{Camp.AUDIT_BODY} tbody tr td").text
    assert first_row == newest.strftime("%d.%m.%Y %H:%M")
    shot("campaigns-audit-pl")
    assert dash_duo.get_logs() == [], dash_duo.get_logs()
