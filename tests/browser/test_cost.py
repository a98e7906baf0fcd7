"""What messages cost, in Polish and in English, in headless Chromium: the SMS page's Cost card, the cost column of
the dispatch grid (sorted by it), the cost section of a dispatch's details, and the transactional page's Cost card
and its row's time-to-delivery histogram."""

from __future__ import annotations

import re
import time

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains

from app import create_app
from data.queries import cost as cost_queries
from data.queries import sms as sms_queries
from data.queries import transactional as trx_queries
from i18n import fmt_money, t
from layouts.cost import cost_cell
from layouts.ids import Shell, Sms, Trx
from tests.browser.conftest import free_port
from tests.browser.test_sms_page import ROWS, choose_all, click, sms_page_in_both_languages
from web.context import AppContext


def plain(text: str) -> str:
    """The text with every kind of space as one plain space (browsers write narrow and no-break spaces apart)."""
    return re.sub(r"[\s\xa0\u202f]+", " ", text).strip()


def cost_cells(dash_duo) -> list[tuple[int, str]]:
    """Returns (dispatch number, cost cell text) of the grid's rows, in the order shown."""
    end = time.time() + 10
    while True:
        try:
            rows = sorted(dash_duo.find_elements(ROWS), key=lambda r: int(r.get_attribute("row-index")))
            cells = [
                (
                    r.find_element("css selector", "[col-id='number']").text,
                    plain(r.find_element("css selector", "[col-id='cost']").get_attribute("innerText")),
                )
                for r in rows
            ]
            # a row whose block is still on its way from the server has no number yet
            return [(int(number), text) for number, text in cells if number.strip().isdigit()]
        except StaleElementReferenceException:  # the grid redrew its rows meanwhile
            if time.time() > end:
                raise


def hover_tip(dash_duo, selector: str, want: str, timeout: float = 15) -> str:
    """Rests the pointer on a cell and returns the tooltip shown (once it is `want`, or the last one seen)."""
    end, seen = time.time() + timeout, ""
    while time.time() < end:
        try:
            ActionChains(dash_duo.driver).move_to_element(dash_duo.find_element(selector)).perform()
            time.sleep(0.8)  # the grid's tooltip delay
            tips = [plain(e.get_attribute("innerText")) for e in dash_duo.find_elements(".ag-tooltip")]
        except StaleElementReferenceException:  # the grid redrew its rows meanwhile
            continue
        seen = tips[-1] if tips else seen
        if want in tips:
            return want
    return seen


def sort_by(dash_duo, column: str, direction: str) -> None:
    """Clicks the header of `column` until the grid sorts by it in `direction` ("ascending" or "descending")."""
    header = f"#{Sms.GRID} .ag-header-cell[col-id='{column}']"
    for _ in range(6):
        try:
            if dash_duo.find_element(header).get_attribute("aria-sort") == direction:
                return
            click(dash_duo, f"{header} .ag-header-cell-label")
        except StaleElementReferenceException:  # the header was drawn again meanwhile
            pass
        time.sleep(0.5)
    raise AssertionError(f"the grid is not sorted by {column}, {direction}")


def sorted_keys(dash_duo, costs: dict, descending: bool, timeout: float = 15) -> list:
    """Returns the cost sort keys of the rows shown, once they are in order (the server sends the sorted block
    a moment after the header changed), or the last ones seen."""
    end = time.time() + timeout
    while True:
        keys = [cost_queries.sort_key(costs[n]) for n, _ in cost_cells(dash_duo)]
        priced = [k for k in keys if k is not None]
        if (priced == sorted(priced, reverse=descending) and len(priced) > 1) or time.time() > end:
            return keys
        time.sleep(0.3)


def test_sms_page_shows_the_cost_on_its_card_in_the_grid_and_in_the_details(dash_duo, browser_config, shot):
    ctx = AppContext.create(browser_config)
    period = ctx.period("all")
    records = {r["number"]: r for r in sms_queries.dispatch_records(ctx.db, period=period)}
    every = cost_queries.dispatch_costs(ctx.db)
    costs = {n: every.get(r["dispatch_id"], cost_queries.NONE) for n, r in records.items()}
    # a dispatch billed in two currencies (the demo bills twilio's failover traffic in EUR)
    mixed = next(n for n, c in costs.items() if len(c.currencies) > 1)
    total = cost_queries.period_cost(ctx.db, period=period)

    for lang in sms_page_in_both_languages(dash_duo, browser_config):
        choose_all(dash_duo)
        dash_duo.wait_for_contains_text(f"#{Sms.KPIS}", "€", timeout=15)
        # the card: one sum per currency, never their total, and the messages without a price
        cards = [plain(c.get_attribute("innerText")) for c in dash_duo.find_elements(f"#{Sms.KPIS} .card")]
        card = next((c for c in cards if c.startswith(t(lang, "cost.title"))), "")
        assert card, cards
        for currency, c in total.currencies.items():
            assert plain(fmt_money(c.cost, currency, lang)) in card
        assert plain(t(lang, "cost.unknown", count=total.unknown)).split(":")[0] in card
        # the grid's cost column: each row's currencies apart, "+ ?" when some of its messages have no price
        header = dash_duo.find_element(f"#{Sms.GRID} .ag-header-cell[col-id='cost']")
        assert plain(header.get_attribute("innerText")) == t(lang, "col.cost")
        end = time.time() + 15
        while len(cost_cells(dash_duo)) < min(len(records), 5) and time.time() < end:
            time.sleep(0.3)
        shown = cost_cells(dash_duo)
        assert shown and {n for n, _ in shown} <= set(records)
        for number, text in shown:
            assert text == plain(cost_cell(costs[number], lang)[0]), number
        assert any(" + " in text for _, text in shown)  # two currencies side by side in a row
        # its tooltip spells out the messages without a price
        unknown = next(n for n, text in shown if text.endswith("?"))
        want_tip = plain(cost_cell(costs[unknown], lang)[1])
        assert hover_tip(dash_duo, f"{ROWS}[row-id='{unknown}'] [col-id='cost']", want_tip) == want_tip
        number_header = dash_duo.find_element(f"#{Sms.GRID} .ag-header-cell[col-id='number']")
        ActionChains(dash_duo.driver).move_to_element(number_header).perform()  # the tooltip goes
        dash_duo.driver.execute_script(  # the pointer's move scrolled the row to the window's bottom edge
            "window.scrollBy(0, arguments[0].getBoundingClientRect().top - 8);", dash_duo.find_element(f"#{Sms.GRID}")
        )
        time.sleep(1)
        grid_png = shot(f"cost-grid-{lang}").with_name(f"cost-grid-rows-{lang}.png")
        dash_duo.find_element(f"#{Sms.GRID}").screenshot(str(grid_png))  # the rows alone (docs/cost-pl.png)
        # sorted by the cost: by each row's sum in its main currency
        sort_by(dash_duo, "cost", "ascending")
        keys = sorted_keys(dash_duo, costs, descending=False)
        priced = [k for k in keys if k is not None]
        assert priced == sorted(priced) and len(priced) > 1
        sort_by(dash_duo, "cost", "descending")
        keys = sorted_keys(dash_duo, costs, descending=True)
        priced = [k for k in keys if k is not None]
        assert priced == sorted(priced, reverse=True) and keys[0] == max(priced)
        # the details of the dispatch billed in two currencies: its cost section
        index = next(
            r.get_attribute("row-index")
            for r in dash_duo.find_elements(ROWS)
            if r.find_element("css selector", "[col-id='number']").text == str(mixed)
        )
        click(dash_duo, f"#{Sms.GRID} .ag-pinned-right-cols-container .ag-row[row-index='{index}'] [col-id='details']")
        dash_duo.wait_for_element(f"#{Sms.DETAILS_BODY} .cost-section", timeout=15)
        time.sleep(0.5)  # the dialog fades in
        section = dash_duo.find_element(f"#{Sms.DETAILS_BODY} .cost-section")
        lines = [plain(e.get_attribute("innerText")) for e in section.find_elements("css selector", ".cost-line")]
        want = costs[mixed].currencies
        assert [line.split(" · ")[0] for line in lines] == [plain(fmt_money(c.cost, k, lang)) for k, c in want.items()]
        dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", section)
        time.sleep(0.3)
        shot(f"cost-details-{lang}")
        click(dash_duo, f"#{Sms.DETAILS_CLOSE}")
        dash_duo.wait_for_no_elements(f"#{Sms.DETAILS_BODY} .cost-section", timeout=10)
    assert dash_duo.get_logs() == [], dash_duo.get_logs()


def test_transactional_page_shows_the_cost_card_and_the_rows_time_to_delivery(dash_duo, browser_config, shot):
    ctx = AppContext.create(browser_config)
    period = ctx.period("all")
    total = trx_queries.trx_period_cost(ctx.db, period=period)
    assert total.known
    grid = f"#{Trx.GRID}"
    dash_duo.start_server(create_app(browser_config), port=free_port())
    dash_duo.driver.set_window_size(1400, 1000)
    dash_duo.wait_for_text_to_equal("h1", "Raporty SMS", timeout=15)
    for lang, heading in (("pl", "Raporty transakcyjne"), ("en", "Transactional reports")):
        if lang == "en":
            click(dash_duo, f"#{Shell.LANG_EN}")
        dash_duo.driver.get(dash_duo.server_url + "/transactional")
        dash_duo.wait_for_text_to_equal("h1", heading, timeout=15)
        choose_all(dash_duo, Trx.PERIOD_PRESET)
        dash_duo.wait_for_contains_text(f"#{Trx.KPIS}", t(lang, "cost.title"), timeout=15)
        card = plain(dash_duo.find_elements(f"#{Trx.KPIS} .card")[-1].get_attribute("innerText"))
        assert card.startswith(t(lang, "cost.title"))
        for currency, c in total.currencies.items():
            assert plain(fmt_money(c.cost, currency, lang)) in card
        if lang == "pl":
            shot("transactional-cost-pl")
        # a row opened: its time to delivery with the histogram, and its cost
        dash_duo.wait_for_element(f"{grid} button[data-key]", timeout=15)
        key = dash_duo.find_element(f"{grid} button[data-key]").get_attribute("data-key")
        click(dash_duo, f"{grid} button[data-key='{key}']")
        panel = f"{grid} .ag-full-width-row .trx-detail[data-detail-of='{key}']"
        dash_duo.wait_for_element(f"{panel} .ttd-chart .main-svg", timeout=15)
        section = dash_duo.find_element(f"{panel} .ttd-section")
        assert t(lang, "ttd.title") in section.get_attribute("innerText")
        assert dash_duo.find_elements(f"{panel} .ttd-chart .bars path")  # bars drawn
        assert t(lang, "cost.title") in dash_duo.find_element(f"{panel} .cost-section").get_attribute("innerText")
        dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", section)
        time.sleep(0.5)
        shot(f"transactional-delivery-{lang}")
    assert dash_duo.get_logs() == [], dash_duo.get_logs()
