"""The operator and country view (and the time to delivery) of a dispatch's details, in Polish and in English, in
headless Chromium."""

from __future__ import annotations

import time

import pandas as pd
from selenium.common.exceptions import StaleElementReferenceException

from app import create_app
from data.queries import operators as operator_queries
from data.queries import sms as sms_queries
from i18n import fmt_int, fmt_pct, t
from layouts.ids import Camp, Shell, Sms
from tests.browser.conftest import free_port
from tests.browser.test_sms_page import ROWS, choose_all, click, wait_rows
from web.context import AppContext


def open_details(dash_duo, name: str, number: int) -> None:
    """Narrows the table to dispatches named `name` and opens the details of dispatch `number`."""
    field = dash_duo.find_element(f"#{Camp.FILTER_TEXT}")
    field.clear()
    field.send_keys(name)
    end = time.time() + 15
    rows: dict[str, str] = {}
    while time.time() < end:
        try:
            rows = {
                r.find_element("css selector", "[col-id='number']").text: r.get_attribute("row-index")
                for r in dash_duo.find_elements(ROWS)
            }
        except StaleElementReferenceException:  # the grid redrew its rows meanwhile
            continue
        if str(number) in rows and len(rows) <= 5:
            break
        time.sleep(0.3)
    index = rows[str(number)]
    click(dash_duo, f"#{Sms.GRID} .ag-pinned-right-cols-container .ag-row[row-index='{index}'] [col-id='details']")


def table_rows(dash_duo, table_id: str) -> list[list[str]]:
    rows = dash_duo.find_elements(f"#{table_id} tbody tr")
    return [
        [" ".join(c.get_attribute("innerText").split()) for c in r.find_elements("css selector", "td")] for r in rows
    ]


def test_details_show_operators_and_countries_with_the_worst_marked(dash_duo, browser_config, shot):
    ctx = AppContext.create(browser_config)
    period = ctx.period("all")
    records = sms_queries.dispatch_records(ctx.db, period=period)
    # a dispatch whose worst operator is marked, and only one dispatch of that name shown
    names = pd.Series([r["name"] for r in records]).value_counts()
    chosen = None
    for r in records:
        found = operator_queries.dispatch_breakdowns(ctx.db, dispatch_id=r["dispatch_id"])
        if found["operator"]["worst"].any() and names[r["name"]] == 1:
            chosen = (r, found)
            break
    assert chosen is not None, "the demo has a dispatch with a worst operator"
    record, found = chosen
    operators = found["operator"]
    worst = operators.loc[operators["worst"], "key"].iloc[0]

    dash_duo.start_server(create_app(browser_config), port=free_port())
    dash_duo.driver.set_window_size(1400, 1100)
    dash_duo.wait_for_text_to_equal("h1", "Raporty SMS", timeout=15)
    wait_rows(dash_duo)
    choose_all(dash_duo)
    # the period's cost: a card of its own, one sum per currency (the demo bills twilio's messages in EUR)
    dash_duo.wait_for_contains_text(f"#{Sms.KPIS}", "€", timeout=15)
    cards = [c.get_attribute("innerText") for c in dash_duo.find_elements(f"#{Sms.KPIS} .card")]
    cost = next((c for c in cards if c.startswith("Koszt")), "")
    assert "zł" in cost and "cena nieznana" in cost, cards
    assert "Czas doręczenia: mediana" in cards[1] and "kliknięcia łącznie" in cards[5]
    shot("kpis-cost-pl")
    # under the trend, the period's operators and time to delivery (a section opened on demand)
    dash_duo.wait_for_element(f"#{Sms.PERIOD_OPERATORS}", timeout=15)
    click(dash_duo, ".period-views summary")
    dash_duo.wait_for_element(f"#{Sms.PERIOD_DELIVERY_CHART} .main-svg", timeout=15)
    dash_duo.driver.execute_script(
        "document.getElementById(arguments[0]).scrollIntoView({block: 'center'});", Sms.PERIOD_OPERATORS
    )
    time.sleep(0.5)
    shot("period-operators-pl")
    click(dash_duo, f"#{Camp.FILTER_TOGGLE}")

    for lang in ("pl", "en"):
        if lang == "en":
            click(dash_duo, f"#{Shell.LANG_EN}")
            dash_duo.wait_for_text_to_equal("h1", "SMS reports", timeout=10)
            wait_rows(dash_duo)
            choose_all(dash_duo)
            if not dash_duo.find_element(f"#{Camp.FILTER_TEXT}").is_displayed():
                click(dash_duo, f"#{Camp.FILTER_TOGGLE}")
                time.sleep(0.5)  # the panel slides open
        open_details(dash_duo, record["name"], record["number"])
        dash_duo.wait_for_element(f"#{Sms.DETAILS_OPERATORS}", timeout=15)
        time.sleep(0.5)  # the dialog fades in: Selenium reads no text of what is not shown yet
        body = dash_duo.find_element(f"#{Sms.DETAILS_BODY}").get_attribute("textContent")
        assert t(lang, "ops.by_operator") in body and t(lang, "ops.by_country") in body
        shown = table_rows(dash_duo, Sms.DETAILS_OPERATORS)
        want = [
            [
                (k or t(lang, "ops.unknown_operator")) + (f" {t(lang, 'ops.worst')}" if w else ""),
                fmt_int(s, lang),
                fmt_int(d, lang),
                fmt_pct(p, lang),
                fmt_int(n, lang),
            ]
            for k, s, d, p, n, w in operators[
                ["key", "sent", "delivered", "delivered_pct", "not_delivered", "worst"]
            ].itertuples(index=False, name=None)
        ]
        assert [[c.replace("\u202f", "\xa0") for c in r[:5]] for r in shown] == [
            [c.replace("\u202f", "\xa0") for c in r] for r in want
        ]
        marked = dash_duo.find_elements(f"#{Sms.DETAILS_OPERATORS} tr.ops-worst")
        assert len(marked) == 1 and marked[0].get_attribute("data-key") == worst
        countries = table_rows(dash_duo, Sms.DETAILS_COUNTRIES)
        assert countries[0][0] == ("Polska" if lang == "pl" else "Poland")
        # the "?" defines the columns in the page's language
        titles = [e.get_attribute("title") for e in dash_duo.find_elements(f"#{Sms.DETAILS_OPERATORS} .help-icon")]
        assert t(lang, "help.ops.operator") in titles
        dash_duo.driver.execute_script(
            "document.getElementById(arguments[0]).scrollIntoView({block: 'center'});", Sms.DETAILS_OPERATORS
        )
        time.sleep(0.5)
        shot(f"operators-{lang}")
        # the time to delivery beneath: median, 95%, the slowest operator, and its histogram
        dash_duo.driver.execute_script(
            "document.getElementById(arguments[0]).scrollIntoView({block: 'center'});", Sms.DETAILS_DELIVERY_CHART
        )
        dash_duo.wait_for_element(f"#{Sms.DETAILS_DELIVERY_CHART} .main-svg", timeout=10)
        section = dash_duo.find_element(f"#{Sms.DETAILS_BODY} .ttd-section").get_attribute("innerText")
        assert t(lang, "ttd.title") in section and "95%" in section
        shot(f"delivery-{lang}")
        click(dash_duo, f"#{Sms.DETAILS_CLOSE}")
        dash_duo.wait_for_no_elements(f"#{Sms.DETAILS_OPERATORS}", timeout=10)
    assert dash_duo.get_logs() == [], dash_duo.get_logs()


def test_a_transactional_row_shows_operators_time_to_delivery_and_cost(dash_duo, browser_config, shot):
    from data.queries import transactional as trx_queries
    from data.queries.transactional import Campaign
    from layouts.ids import Trx
    from reports.transactional import campaign_table

    ctx = AppContext.create(browser_config)
    grid = f"#{Trx.GRID}"
    dash_duo.start_server(create_app(browser_config), port=free_port())
    dash_duo.driver.set_window_size(1400, 1100)
    dash_duo.wait_for_text_to_equal("h1", "Raporty SMS", timeout=15)
    click(dash_duo, f"#{Shell.LANG_EN}")
    dash_duo.driver.get(dash_duo.server_url + "/transactional")
    dash_duo.wait_for_text_to_equal("h1", "Transactional reports", timeout=15)
    # the period the page opened with (the session keeps the one chosen on any page)
    preset = next(
        p
        for p in ("1m", "2m", "3m", "6m", "12m", "all")
        if dash_duo.find_element(f"#_dbcprivate_radioitems_{Trx.PERIOD_PRESET}_input_{p}").is_selected()
    )
    period = ctx.period(preset)
    key = campaign_table(ctx.db, period=period, lang="en")["key"].iloc[0]
    found = trx_queries.trx_detail(ctx.db, period=period, campaign=Campaign.from_key(key), latest=1)
    dash_duo.wait_for_element(f"{grid} button[data-key='{key}']", timeout=15)
    click(dash_duo, f"{grid} button[data-key='{key}']")
    panel = f"{grid} .ag-full-width-row .trx-detail[data-detail-of='{key}']"
    dash_duo.wait_for_element(f"{panel} .ops-by-operator", timeout=15)
    text = dash_duo.find_element(panel).get_attribute("innerText")
    assert "By operator" in text and "By country" in text and "Time to delivery" in text and "Cost" in text
    names = [
        " ".join(e.get_attribute("innerText").split())
        for e in dash_duo.find_elements(f"{panel} .ops-by-operator tbody tr td:first-child")
    ]
    operators = found.breakdowns["operator"]
    assert names == [
        (k or t("en", "ops.unknown_operator")) + (" " + t("en", "ops.worst") if w else "")
        for k, w in zip(operators["key"], operators["worst"])
    ]
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'start'});", dash_duo.find_element(f"{panel} .ttd-section")
    )
    time.sleep(0.5)
    shot("transactional-operators-en")
    assert dash_duo.get_logs() == [], dash_duo.get_logs()
