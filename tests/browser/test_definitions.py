"""Each figure's definition beside it (the "?"), in both languages, and the same figure in the table and in the
details on both report pages; the transactional KPI cards beside the previous period's figures."""

from __future__ import annotations

import re
import time

from selenium.webdriver.common.by import By

from app import create_app
from i18n import t
from layouts.ids import Shell, Sms, Trx
from tests.browser.conftest import free_port
from tests.browser.test_sms_page import ROWS, click, wait_rows
from tests.browser.test_transactional_page import DETAILS, GRID, text_of, until


def titles(dash_duo, selector: str) -> list[str]:
    return [e.get_attribute("title") for e in dash_duo.find_elements(f"{selector} .help-icon")]


def value(text: str) -> float:
    """The number a cell or label shows ("94,9%", "94.9 %", "1 234")."""
    found = re.search(r"\d[\d\s\u00a0\u202f.,]*", text)
    assert found, text
    digits = re.sub(r"[\s\u00a0\u202f]", "", found.group(0)).rstrip(".,")
    if "," in digits and len(digits.split(",")[-1]) != 3:
        digits = digits.replace(".", "").replace(",", ".")
    return float(digits.replace(",", ""))


def test_sms_page_defines_its_figures_and_the_details_agree_with_the_table(dash_duo, browser_config, shot):
    dash_duo.start_server(create_app(browser_config), port=free_port())
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.wait_for_text_to_equal("h1", "Raporty SMS", timeout=15)
    dash_duo.find_element(f"label[for='_dbcprivate_radioitems_{Sms.PERIOD_PRESET}_input_3m']").click()
    wait_rows(dash_duo)
    time.sleep(0.5)
    kpi_help = titles(dash_duo, f"#{Sms.KPIS}")
    previous = " " + t("pl", "help.kpi.previous")
    # each card's "?", and those of the lines under two of them (time to delivery, clicks in all), of the cost
    # and of the opt-outs
    assert kpi_help == [
        t("pl", "help.kpi.sent") + previous,
        t("pl", "help.kpi.delivered") + previous,
        t("pl", "help.ttd"),
        *(t("pl", f"help.kpi.{k}") + previous for k in ("not_sent", "not_delivered", "pending", "clicked")),
        t("pl", "help.kpi.clicks"),
        t("pl", "help.kpi.ctr") + previous,
        t("pl", "help.cost"),
        t("pl", "help.optout"),
    ]
    assert t("pl", "help.history") in titles(dash_duo, "body")
    shot("definitions-sms-pl")

    # The details of the first row show its delivered %, clicked and send time as the table does.
    row = f"{ROWS}[row-index='0']"
    number = text_of(dash_duo.find_element(f"{row} [col-id='number']"))
    in_grid = {c: text_of(dash_duo.find_element(f"{row} [col-id='{c}']")) for c in ("delivered_pct", "sent_at")}
    click(dash_duo, f"#{Sms.GRID} .ag-pinned-right-cols-container .ag-row[row-index='0'] [col-id='details']")
    dash_duo.wait_for_contains_text(f"#{Sms.DETAILS_TITLE}", number, timeout=10)
    body = f"#{Sms.DETAILS_BODY}"
    dash_duo.wait_for_element(f"{body} .details-share", timeout=10)
    delivered_share = text_of(dash_duo.find_elements(f"{body} .details-share")[0])
    assert delivered_share.endswith("wysłanych") and value(delivered_share) == value(in_grid["delivered_pct"])
    assert t("pl", "details.sent_at", date=in_grid["sent_at"]) in text_of(dash_duo.find_element(body))
    help_in_details = titles(dash_duo, body)
    assert t("pl", "help.group.delivered") in help_in_details and t("pl", "help.group.not_sent") in help_in_details
    if dash_duo.find_elements(f"#{Sms.DETAILS_REASONS}"):
        assert t("pl", "help.reason_share") in help_in_details
    shot("definitions-sms-details-pl")
    dash_duo.find_element(f"#{Sms.DETAILS_CLOSE}").click()
    dash_duo.wait_for_no_elements(f"{body} .details-share", timeout=10)

    # In English, the same "?" say it in English.
    click(dash_duo, f"#{Shell.LANG_EN}")
    dash_duo.wait_for_text_to_equal("h1", "SMS reports", timeout=10)
    wait_rows(dash_duo)
    until(lambda: titles(dash_duo, f"#{Sms.KPIS}")[0].startswith(t("en", "help.kpi.sent")), what="English help")
    assert t("en", "help.history") in titles(dash_duo, "body")
    shot("definitions-sms-en")
    assert dash_duo.get_logs() == [], dash_duo.get_logs()


def test_transactional_cards_compare_and_the_expanded_row_agrees(dash_duo, browser_config, shot):
    dash_duo.start_server(create_app(browser_config), port=free_port())
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.driver.get(dash_duo.server_url + "/transactional")
    dash_duo.wait_for_text_to_equal("h1", "Raporty transakcyjne", timeout=15)
    rows = f"{GRID} .ag-center-cols-container .ag-row"
    until(lambda: dash_duo.find_elements(rows), what="campaign rows")

    # Every card with the previous period's figure beneath, and its definition.
    cards = until(lambda: (c := dash_duo.find_elements(f"#{Trx.KPIS} .card")) and len(c) == 6 and c, what="cards")
    assert all("poprz.:" in text_of(c) for c in cards[:5])
    assert text_of(cards[5]).startswith(t("pl", "cost.title"))  # the demo's messages have prices: the cost card
    assert titles(dash_duo, f"#{Trx.KPIS}")[2].startswith(t("pl", "help.trx.clicked"))
    shot("definitions-trx-pl")

    # Open the campaign with the most clicks: its time-to-first-click counts the table's clicked messages.
    by_clicks = sorted(
        dash_duo.find_elements(rows),
        key=lambda r: -value(text_of(r.find_element(By.CSS_SELECTOR, "[col-id='clicked']"))),
    )
    key = by_clicks[0].get_attribute("row-id")
    clicked = value(text_of(by_clicks[0].find_element(By.CSS_SELECTOR, "[col-id='clicked']")))
    assert clicked > 0
    click(dash_duo, f"{GRID} button[data-key='{key}']")
    panel = f"{DETAILS} .trx-detail[data-detail-of='{key}']"
    dash_duo.wait_for_element(f"{panel} .trx-median", timeout=15)
    count = text_of(dash_duo.find_element(f"{panel} .trx-median").find_element(By.XPATH, "following-sibling::span"))
    assert value(count) == clicked
    help_here = titles(dash_duo, panel)
    for k in ("help.trx.delay", "help.trx.status_share"):
        assert t("pl", k) in help_here, k
    detail = dash_duo.find_element(panel)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", detail)
    time.sleep(0.5)
    shot("definitions-trx-expanded-pl")
    assert dash_duo.get_logs() == [], dash_duo.get_logs()
