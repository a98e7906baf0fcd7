"""The transactional reports page in headless Chromium, clicked through as a user would."""

from __future__ import annotations

import csv
import io
import time
from urllib.parse import quote

import docx
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from app import create_app
from data.queries import transactional as trx_queries
from data.queries.transactional import Campaign
from i18n import t
from layouts.ids import Shell, Sms, Trx
from reports.transactional import campaign_table
from tests.browser.conftest import free_port
from tests.browser.test_sms_page import clear_downloads, click, wait_file
from web.context import AppContext

GRID = f"#{Trx.GRID}"
ROWS = f"{GRID} .ag-center-cols-container .ag-row"
DETAILS = f"{GRID} .ag-full-width-row"


def until(check, timeout: float = 15, what: str = "condition"):
    """Waits until `check()` returns something truthy and returns it."""
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            last = check()
            if last:
                return last
        except Exception as exc:  # noqa: BLE001 - the grid re-renders rows under our feet; try again
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}: {last!r}")


def text_of(element) -> str:
    return element.get_attribute("textContent")


def row_order(dash_duo) -> list[str]:
    """The row ids of campaign and detail rows in displayed order (AG Grid orders rows by row-index)."""
    rows = dash_duo.find_elements(f"{ROWS}, {DETAILS}")
    return [r.get_attribute("row-id") for r in sorted(rows, key=lambda r: int(r.get_attribute("row-index")))]


def press(dash_duo, selector: str, key: str) -> None:
    """Scrolls a button to the middle of the window and presses `key` on it, as a keyboard user would
    (again if the grid re-rendered it under our feet)."""

    def once():
        button = dash_duo.find_element(selector)
        dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
        time.sleep(0.2)
        button.send_keys(key)
        return True

    until(once, what=f"pressing {key!r} on {selector}")


def pl_int(value: int) -> str:
    return f"{value:,}".replace(",", "\xa0")


def pct_value(text: str) -> float:
    return -1.0 if text.strip() == "—" else float(text.replace("%", "").replace(",", ".").replace("\xa0", ""))


def test_transactional_reports_page(dash_duo, browser_config, shot):
    app = create_app(browser_config)
    ctx = AppContext.create(browser_config)
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.set_window_size(1400, 1000)

    # Choose 3 months on the SMS page, then open the transactional page from the navbar: the period follows.
    dash_duo.wait_for_text_to_equal("h1", "Raporty SMS", timeout=15)
    dash_duo.find_element(f"label[for='_dbcprivate_radioitems_{Sms.PERIOD_PRESET}_input_3m']").click()
    dash_duo.wait_for_contains_text(f"#{Sms.HISTORY_COUNT}", " w okresie", timeout=10)
    time.sleep(0.5)
    click(dash_duo, f"#{Shell.NAV_TRANSACTIONAL}")
    dash_duo.wait_for_text_to_equal("h1", "Raporty transakcyjne", timeout=15)
    assert dash_duo.find_element(f"#_dbcprivate_radioitems_{Trx.PERIOD_PRESET}_input_3m").is_selected()
    period = ctx.period("3m")
    frame = campaign_table(ctx.db, period=period, lang="pl")
    assert len(frame) >= 3
    dash_duo.wait_for_text_to_equal(f"#{Trx.TABLE_COUNT}", t("pl", "trx.table.count", n=len(frame)), timeout=15)
    until(lambda: len(dash_duo.find_elements(ROWS)) == len(frame), what="campaign rows")
    totals = trx_queries.trx_kpis(ctx.db, period=period).iloc[0]
    kpis = text_of(dash_duo.find_element(f"#{Trx.KPIS}"))
    assert pl_int(int(totals["sent"])) in kpis and "CTR z botami" in kpis and "CTR (ludzie)" in kpis
    assert "(bez kampanii)" in [
        text_of(r.find_element(By.CSS_SELECTOR, "[col-id='campaign']")) for r in dash_duo.find_elements(ROWS)
    ]
    dash_duo.wait_for_element(f"#{Trx.TREND} .js-plotly-plot", timeout=10)
    shot("transactional-page-pl")

    # Expand two rows: the first with the mouse, the second from the keyboard (Enter on its +).
    first, second = frame["key"].iloc[0], frame["key"].iloc[1]
    click(dash_duo, f"{GRID} button[data-key='{first}']")
    dash_duo.wait_for_element(f"{DETAILS} .trx-detail[data-detail-of='{first}']", timeout=15)
    press(dash_duo, f"{GRID} button[data-key='{second}']", Keys.ENTER)
    for key in (first, second):
        dash_duo.wait_for_element(
            f"{DETAILS} .trx-detail[data-detail-of='{key}'] .trx-ctr-chart .js-plotly-plot", timeout=15
        )
    order = until(lambda: (o := row_order(dash_duo)) and len(o) == len(frame) + 2 and o, what="two detail rows")
    for key in (first, second):
        assert order[order.index(key) + 1] == "detail:" + key
        assert text_of(dash_duo.find_element(f"{GRID} button[data-key='{key}']")).startswith("\u2212")
        assert dash_duo.find_element(f"{GRID} button[data-key='{key}']").get_attribute("aria-expanded") == "true"

    # The breakdowns show the campaign's totals.
    for key in (first, second):
        counts = trx_queries.trx_kpis(ctx.db, period=period, campaign=Campaign.from_key(key)).iloc[0]
        panel = f"{DETAILS} .trx-detail[data-detail-of='{key}']"
        source_total = [text_of(c) for c in dash_duo.find_elements(f"{panel} .trx-by-source tfoot th")]
        assert source_total[:4] == [
            "Razem",
            pl_int(int(counts["sent"])),
            pl_int(int(counts["delivered"])),
            pl_int(int(counts["clicked"])),
        ]
        status_total = [text_of(c) for c in dash_duo.find_elements(f"{panel} .trx-by-status tfoot th")]
        assert status_total[:2] == ["Razem", pl_int(int(counts["recipients"]))]
        assert len(dash_duo.find_elements(f"{panel} .trx-latest tbody tr")) == min(10, int(counts["recipients"]))
        assert "***" in text_of(dash_duo.find_element(f"{panel} .trx-latest tbody"))
    delays = trx_queries.trx_click_delay(ctx.db, period=period, campaign=Campaign.from_key(first))
    if int(delays["messages"].sum()):
        assert "Mediana:" in text_of(
            dash_duo.find_element(f"{DETAILS} .trx-detail[data-detail-of='{first}'] .trx-median")
        )
        dash_duo.wait_for_element(f"{DETAILS} .trx-detail[data-detail-of='{first}'] .trx-delay-chart .js-plotly-plot")
    detail = dash_duo.find_element(f"{DETAILS} .trx-detail[data-detail-of='{first}']")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", detail)
    time.sleep(0.5)
    shot("transactional-expanded-pl")

    # The campaign's messages as CSV, from the expanded row.
    clear_downloads(dash_duo.download_path)
    link = f"{DETAILS} .trx-detail[data-detail-of='{second}'] a.trx-messages-csv"
    assert f"campaign={quote(second)}" in dash_duo.find_element(link).get_attribute("href")
    click(dash_duo, link)
    try:
        messages = wait_file(dash_duo.download_path, ".csv", timeout=30)
    except AssertionError:  # the row re-rendered under the click: click again
        click(dash_duo, link)
        messages = wait_file(dash_duo.download_path, ".csv", timeout=30)
    rows = list(csv.reader(io.StringIO(messages.read_text("utf-8-sig")), delimiter=";"))
    counts = trx_queries.trx_kpis(ctx.db, period=period, campaign=Campaign.from_key(second)).iloc[0]
    assert rows[0][:2] == ["Utworzono", "Numer telefonu"] and len(rows) - 1 == int(counts["recipients"])
    assert all(r[1].isdigit() for r in rows[1:])

    # Collapse the first ("-"): the second stays open.
    click(dash_duo, f"{GRID} button[data-key='{first}']")
    until(
        lambda: not dash_duo.find_elements(f"{DETAILS} .trx-detail[data-detail-of='{first}']"),
        what="the first row closed",
    )
    assert dash_duo.find_elements(f"{DETAILS} .trx-detail[data-detail-of='{second}']")
    assert text_of(dash_duo.find_element(f"{GRID} button[data-key='{first}']")).startswith("+")

    # Sort by CTR (ascending): the open row's details stay right under it.
    click(dash_duo, f"{GRID} .ag-header-cell[col-id='ctr'] .ag-header-cell-label")

    def sorted_by_ctr():
        order = row_order(dash_duo)
        by_id = {r.get_attribute("row-id"): r for r in dash_duo.find_elements(ROWS)}
        values = [
            pct_value(text_of(by_id[i].find_element(By.CSS_SELECTOR, "[col-id='ctr']"))) for i in order if i in by_id
        ]
        return values == sorted(values) and values != [] and order

    order = until(sorted_by_ctr, what="rows sorted by CTR")
    assert order[order.index(second) + 1] == "detail:" + second
    assert sorted(i for i in order if not i.startswith("detail:")) == sorted(frame["key"])
    shot("transactional-sorted-pl")

    # Export the table of the period as CSV and DOC.
    clear_downloads(dash_duo.download_path)
    click(dash_duo, f"#{Trx.EXPORT_CSV}")
    table_csv = wait_file(dash_duo.download_path, ".csv")
    rows = list(csv.reader(io.StringIO(table_csv.read_text("utf-8-sig")), delimiter=";"))
    head = rows[0]
    assert head[0] == "Kampania" and sorted(r[0] for r in rows[1:]) == sorted(frame["campaign"])
    by_name = frame.set_index("campaign")
    for r in rows[1:]:
        assert int(r[head.index("Kliknięte")]) == int(by_name.loc[r[0], "clicked"])
        assert int(r[head.index("Wysłane")]) == int(by_name.loc[r[0], "sent"])
    click(dash_duo, f"#{Trx.EXPORT_DOC}")
    table_doc = wait_file(dash_duo.download_path, ".docx")
    document = docx.Document(str(table_doc))
    assert "Raport transakcyjny SMS" in "\n".join(p.text for p in document.paragraphs)
    assert len(document.inline_shapes) == 1 and len(document.tables[-1].rows) - 1 == len(frame)

    # Filter by name and by source.
    search = dash_duo.find_element(f"#{Trx.FILTER_TEXT}")
    search.send_keys("kod")
    until(
        lambda: [text_of(r.find_element(By.CSS_SELECTOR, "[col-id='campaign']")) for r in dash_duo.find_elements(ROWS)]
        == ["kod-2fa"],
        what="name filter",
    )
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys(Keys.DELETE)
    until(lambda: len(dash_duo.find_elements(ROWS)) == len(frame), what="the name filter cleared")
    dash_duo.find_element(f"label[for='_dbcprivate_radioitems_{Trx.FILTER_SOURCE}_input_test']").click()
    tests_only = campaign_table(ctx.db, period=period, lang="pl", source="test")
    dash_duo.wait_for_text_to_equal(f"#{Trx.TABLE_COUNT}", t("pl", "trx.table.count", n=len(tests_only)), timeout=10)
    assert "source=test" in dash_duo.find_element(f"#{Trx.EXPORT_CSV}").get_attribute("href")

    # A reload keeps the view (the address carries it: period and filters), and English follows the switch.
    dash_duo.driver.refresh()
    dash_duo.wait_for_text_to_equal("h1", "Raporty transakcyjne", timeout=15)
    assert dash_duo.find_element(f"#_dbcprivate_radioitems_{Trx.PERIOD_PRESET}_input_3m").is_selected()
    dash_duo.wait_for_text_to_equal(f"#{Trx.TABLE_COUNT}", t("pl", "trx.table.count", n=len(tests_only)), timeout=15)
    click(dash_duo, f"#{Shell.LANG_EN}")
    dash_duo.wait_for_text_to_equal("h1", "Transactional reports", timeout=10)
    dash_duo.wait_for_text_to_equal(f"#{Trx.TABLE_COUNT}", t("en", "trx.table.count", n=len(tests_only)), timeout=15)
    click(dash_duo, f"label[for='_dbcprivate_radioitems_{Trx.FILTER_SOURCE}_input_all']")
    dash_duo.wait_for_text_to_equal(f"#{Trx.TABLE_COUNT}", t("en", "trx.table.count", n=len(frame)), timeout=15)
    until(lambda: "(no campaign)" in text_of(dash_duo.find_element(GRID)), what="English rows")
    press(dash_duo, f"{GRID} button[data-key='{first}']", Keys.SPACE)  # Space on the + opens it too
    dash_duo.wait_for_element(
        f"{DETAILS} .trx-detail[data-detail-of='{first}'] .trx-ctr-chart .js-plotly-plot", timeout=15
    )
    assert "Latest messages" in text_of(dash_duo.find_element(f"{DETAILS} .trx-detail[data-detail-of='{first}']"))
    shot("transactional-expanded-en")

    assert dash_duo.get_logs() == [], dash_duo.get_logs()
