"""The SMS reports page in headless Chromium, clicked through as a user would."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path

import docx
import pandas as pd
from selenium.common.exceptions import ElementClickInterceptedException, StaleElementReferenceException
from selenium.webdriver.common.by import By

from app import create_app
from data.queries import sms as sms_queries
from i18n import t
from layouts.ids import Shell, Sms
from tests.browser.conftest import free_port
from web.context import AppContext

ROWS = f"#{Sms.GRID} .ag-center-cols-container .ag-row"


def wait_file(folder: str, suffix: str, timeout: float = 20) -> Path:
    """Waits for a finished download ending in `suffix` and returns it."""
    end = time.time() + timeout
    while time.time() < end:
        done = [p for p in Path(folder).glob(f"*{suffix}") if not p.name.endswith(".crdownload")]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} download in {folder}: {list(Path(folder).iterdir())}")


def clear_downloads(folder: str) -> None:
    for p in Path(folder).iterdir():
        p.unlink()


def click(dash_duo, selector: str, timeout: float = 10) -> None:
    """Scrolls an element to the middle of the window and clicks it, as a user would; while something
    still covers it (a loading overlay, an animation) or the page redraws it, tries again."""
    end = time.time() + timeout
    while True:
        try:
            element = dash_duo.find_element(selector)
            dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
            time.sleep(0.2)
            element.click()
            return
        except (ElementClickInterceptedException, StaleElementReferenceException):
            if time.time() > end:
                raise
            time.sleep(0.3)


def grid_numbers(dash_duo, column: str) -> list[str]:
    """The column's cell texts in displayed order (AG Grid orders rows by row-index, not DOM order)."""
    rows = sorted(dash_duo.find_elements(ROWS), key=lambda r: int(r.get_attribute("row-index")))
    return [r.find_element(By.CSS_SELECTOR, f"[col-id='{column}']").get_attribute("textContent") for r in rows]


def wait_sorted(dash_duo, column: str, *, reverse: bool, timeout: float = 10) -> list[int]:
    """Waits until the grid's column reads in order and returns its values."""
    end = time.time() + timeout
    values: list[int] = []
    while time.time() < end:
        try:  # the rows come from the server: redrawn, or still empty, while they are on their way
            values = [
                int(v.replace("\u00a0", "").replace(" ", "").replace(",", "")) for v in grid_numbers(dash_duo, column)
            ]
        except (StaleElementReferenceException, ValueError):
            values = []
        if values and values == sorted(values, reverse=reverse):
            return values
        time.sleep(0.2)
    raise AssertionError(f"{column} not sorted {'desc' if reverse else 'asc'}: {values}")


def wait_rows(dash_duo, count: int | None = None, timeout: float = 15) -> None:
    end = time.time() + timeout
    while time.time() < end:
        rows = dash_duo.find_elements(ROWS)
        if rows and (count is None or len(rows) == count):
            return
        time.sleep(0.2)
    raise AssertionError(f"grid has {len(dash_duo.find_elements(ROWS))} rows, wanted {count}")


def choose_all(dash_duo, preset_id: str = Sms.PERIOD_PRESET) -> None:
    """Clicks a page's "all time" period preset."""
    dash_duo.find_element(f"label[for='_dbcprivate_radioitems_{preset_id}_input_all']").click()


def sms_page_in_both_languages(dash_duo, config, height: int = 1000) -> Iterator[str]:
    """Opens the SMS page in a window 1400 px wide and yields "pl"; then switches the language and yields "en"
    (each time once the grid shows its rows)."""
    dash_duo.start_server(create_app(config), port=free_port())
    dash_duo.driver.set_window_size(1400, height)
    dash_duo.wait_for_text_to_equal("h1", "Raporty SMS", timeout=15)
    wait_rows(dash_duo)
    yield "pl"
    click(dash_duo, f"#{Shell.LANG_EN}")
    dash_duo.wait_for_text_to_equal("h1", "SMS reports", timeout=10)
    wait_rows(dash_duo)
    yield "en"


def test_sms_reports_page(dash_duo, browser_config, shot):
    app = create_app(browser_config)
    ctx = AppContext.create(browser_config)
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.set_window_size(1400, 1000)

    # The page opens in Polish with the last month.
    dash_duo.wait_for_text_to_equal("h1", "Raporty SMS", timeout=15)
    wait_rows(dash_duo)
    period = ctx.period("1m")
    frame = pd.DataFrame(sms_queries.dispatch_records(ctx.db, period=period))
    dash_duo.wait_for_text_to_equal(f"#{Sms.HISTORY_COUNT}", t("pl", "history.count", n=len(frame)))
    assert "Strefa czasowa: Europe/Warsaw" in dash_duo.find_element(f"#{Sms.TIMEZONE}").text
    sent = int(sms_queries.period_summary(ctx.db, period=period)[0]["sent"])
    kpis = dash_duo.find_element(f"#{Sms.KPIS}").text
    assert "Wysłane" in kpis and f"{sent:,}".replace(",", "\xa0") in kpis.replace(" ", "\xa0")
    shot("sms-page-pl")

    # Choose 3 months: the table and the count follow.
    dash_duo.find_element(f"label[for='_dbcprivate_radioitems_{Sms.PERIOD_PRESET}_input_3m']").click()
    frame3 = pd.DataFrame(sms_queries.dispatch_records(ctx.db, period=ctx.period("3m")))
    dash_duo.wait_for_text_to_equal(f"#{Sms.HISTORY_COUNT}", t("pl", "history.count", n=len(frame3)))
    assert len(frame3) > len(frame)

    # Sort by "Wysłane": ascending, then descending.
    header = f"#{Sms.GRID} .ag-header-cell[col-id='sent'] .ag-header-cell-label"
    click(dash_duo, header)
    values = wait_sorted(dash_duo, "sent", reverse=False)
    assert values[0] == int(frame3["sent"].min()) and len(values) == min(20, len(frame3))
    click(dash_duo, header)
    values = wait_sorted(dash_duo, "sent", reverse=True)
    assert values[0] == int(frame3["sent"].max())
    shot("sms-sorted-pl")

    # Open the details of the top row (largest dispatch).
    top = frame3.sort_values(["sent", "number"], ascending=[False, False]).iloc[0]
    number = int(dash_duo.find_element(f"{ROWS}[row-index='0'] [col-id='number']").text)
    click(dash_duo, f"#{Sms.GRID} .ag-pinned-right-cols-container .ag-row[row-index='0'] [col-id='details']")
    dash_duo.wait_for_contains_text(f"#{Sms.DETAILS_TITLE}", f"Szczegóły wysyłki nr {number}", timeout=10)
    dash_duo.wait_for_element(f"#{Sms.DETAILS_REASONS}", timeout=10)
    counts = sms_queries.dispatch_counts(
        ctx.db, dispatch_id=str(frame3.set_index("number").loc[number, "dispatch_id"])
    ).iloc[0]
    body = dash_duo.find_element(f"#{Sms.DETAILS_BODY}").text
    assert "Przyczyny niedostarczenia" in body and "Co to znaczy" in body
    assert int(counts["sent"]) == int(top["sent"]) or number != int(top["number"])
    shot("sms-details-pl")

    # Download the delivered numbers as CSV from the details view.
    clear_downloads(dash_duo.download_path)
    dash_duo.find_element(f"#{Sms.DETAILS_BODY} a[href*='status=delivered'][href*='numbers.csv']").click()
    numbers_csv = wait_file(dash_duo.download_path, ".csv")
    rows = list(csv.reader(io.StringIO(numbers_csv.read_text("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Numer telefonu"] and len(rows) - 1 == int(counts["delivered"])
    # Numbers in international form without the plus: Polish ones and the few recipients abroad alike.
    assert all(r[0].isdigit() and 9 <= len(r[0]) <= 15 for r in rows[1:])
    assert sum(r[0].startswith("48") for r in rows[1:]) > (len(rows) - 1) * 0.9
    dash_duo.find_element(f"#{Sms.DETAILS_CLOSE}").click()
    dash_duo.wait_for_no_elements(f"#{Sms.DETAILS_REASONS}", timeout=10)

    # Export the period as CSV and DOC.
    clear_downloads(dash_duo.download_path)
    click(dash_duo, f"#{Sms.EXPORT_CSV}")
    period_csv = wait_file(dash_duo.download_path, ".csv")
    rows = list(csv.reader(io.StringIO(period_csv.read_text("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Numer wysyłki" and sorted(int(r[0]) for r in rows[1:]) == sorted(frame3["number"])
    click(dash_duo, f"#{Sms.EXPORT_DOC}")
    period_doc = wait_file(dash_duo.download_path, ".docx")
    document = docx.Document(str(period_doc))
    assert "Raport wysyłek SMS" in "\n".join(p.text for p in document.paragraphs)
    assert len(document.tables[-1].rows) - 1 == len(frame3)

    # Switch to English: labels, numbers and the period follow.
    click(dash_duo, f"#{Shell.LANG_EN}")
    dash_duo.wait_for_text_to_equal("h1", "SMS reports", timeout=10)
    wait_rows(dash_duo)
    dash_duo.wait_for_text_to_equal(f"#{Sms.HISTORY_COUNT}", t("en", "history.count", n=len(frame3)))
    assert "Dispatch history" in dash_duo.find_element("body").text
    assert "Time zone: Europe/Warsaw" in dash_duo.find_element(f"#{Sms.TIMEZONE}").text
    kpis = dash_duo.find_element(f"#{Sms.KPIS}").text
    sent3 = int(sms_queries.period_summary(ctx.db, period=ctx.period("3m"))[0]["sent"])
    assert "Not delivered" in kpis and f"{sent3:,}" in kpis
    shot("sms-page-en")

    # A custom range with the start after the end gets a readable message.
    dash_duo.find_element(f"label[for='_dbcprivate_radioitems_{Sms.PERIOD_PRESET}_input_custom']").click()
    dash_duo.wait_for_element(f"#{Sms.PERIOD_RANGE}", timeout=5)

    assert dash_duo.get_logs() == [], dash_duo.get_logs()
