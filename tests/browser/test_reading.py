"""Reading both report pages on a laptop (issue 16, points 9-11), in headless Chromium, in both languages:
the key numbers in view at 1366 and 1280 px, numbers grouped as the KPI cards group them, and trend
charts with a bar a day, week or month, round ticks, titles clear of the ticks, and "no data" for an
empty period."""

from __future__ import annotations

import datetime as dt
import math
import time

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from app import create_app
from callbacks import transactional as trx_cb
from config import Config
from data.demo import build_demo
from data.lake import Lake
from data.period import today_in
from data.queries import sms as sms_queries
from data.trend import bucketed, granularity_for
from i18n import fmt_int, fmt_pct
from layouts.ids import Shell, Sms, Trx
from reports.transactional import campaign_table
from tests.browser.conftest import TZ, free_port
from tests.browser.test_sms_page import click
from web.context import AppContext

WIDTHS = (1366, 1280)
NUMBER_COLUMNS = {
    "sms": ["sent", "delivered", "delivered_pct", "clicked", "ctr"],
    "trx": ["sent", "delivered", "clicked", "ctr"],
}
TITLES = {"pl": ("Raporty SMS", "Raporty transakcyjne"), "en": ("SMS reports", "Transactional reports")}

# Where each column's header sits against the part of the grid a user sees without scrolling.
GRID_GEOMETRY = """
var grid = document.getElementById(arguments[0]);
var center = grid.querySelector('.ag-center-cols-viewport');
var box = center.getBoundingClientRect();
var out = {scroll: center.scrollWidth, visible: center.clientWidth, left: box.left, right: box.right, columns: {}};
grid.querySelectorAll('.ag-header-cell').forEach(function (cell) {
    var r = cell.getBoundingClientRect();
    var text = cell.querySelector('.ag-header-cell-text');
    out.columns[cell.getAttribute('col-id')] = {
        left: r.left, right: r.right, width: r.width,
        cut: text ? text.scrollWidth > text.clientWidth + 1 : false,
    };
});
return out;
"""

# What a trend chart draws: bars, axis tick labels and the boxes of axis titles and tick labels.
CHART = """
var gd = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
function boxes(selector) {
    return Array.from(gd.querySelectorAll(selector)).map(function (e) {
        var r = e.getBoundingClientRect();
        return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, text: e.textContent};
    });
}
return {
    bars: gd.data.length && gd.data[0].type === 'bar' ? gd.data[0].x.length : 0,
    x: gd.data.length ? gd.data[0].x : [],
    xticks: boxes('.xtick text').map(function (b) { return b.text; }),
    yticks: boxes('.ytick text'),
    y2ticks: boxes('.y2tick text'),
    ytitle: boxes('.g-ytitle text'),
    y2title: boxes('.g-y2title text'),
    notes: boxes('.annotation-text').map(function (b) { return b.text; }),
};
"""


@pytest.fixture(scope="module")
def stale_config(tmp_path_factory) -> Config:
    """A lake whose last message is 120 days old: the last month is empty."""
    data_dir = tmp_path_factory.mktemp("stale-data")
    build_demo(Lake(data_dir / "lake"), messages=4000, seed=3, until=today_in(TZ) - dt.timedelta(days=120), tz=TZ)
    return Config(data_dir=data_dir, timezone=TZ, local_mode=True)


def until(check, timeout: float = 15, what: str = "condition"):
    """Waits until `check()` returns something truthy and returns it."""
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            last = check()
            if last:
                return last
        except Exception as exc:  # noqa: BLE001 - the page redraws under our feet; try again
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}: {last!r}")


def open_page(dash_duo, lang: str, page: str) -> None:
    """Opens the SMS page (or the transactional one from the navbar) and sets it to `lang`."""
    title = TITLES[lang][0 if page == "sms" else 1]
    if page == "trx":
        click(dash_duo, f"#{Shell.NAV_TRANSACTIONAL}")
        until(lambda: dash_duo.find_element("h1").text in (TITLES["pl"][1], TITLES["en"][1]), what="the page")
        time.sleep(1)
    if dash_duo.find_element("h1").text != title:
        click(dash_duo, f"#{Shell.LANG_EN if lang == 'en' else Shell.LANG_PL}")
    dash_duo.wait_for_text_to_equal("h1", title, timeout=15)


def choose(dash_duo, control: str, value: str) -> None:
    click(dash_duo, f"label[for='_dbcprivate_radioitems_{control}_input_{value}']")


def cells(dash_duo, grid: str, column: str) -> dict[str, str]:
    """row id -> the text of `column` in every row the grid shows."""
    rows = dash_duo.find_elements(f"#{grid} .ag-center-cols-container .ag-row")
    return {
        r.get_attribute("row-id"): r.find_element(By.CSS_SELECTOR, f"[col-id='{column}']").get_attribute("textContent")
        for r in rows
    }


def assert_numbers_in_view(dash_duo, grid: str, page: str) -> None:
    """Every key number's column is whole, readable and in view with no horizontal scroll."""
    geometry = dash_duo.driver.execute_script(GRID_GEOMETRY, grid)
    assert geometry["scroll"] <= geometry["visible"] + 1, geometry  # nothing behind a horizontal scroll
    for column in NUMBER_COLUMNS[page]:
        box = geometry["columns"][column]
        assert geometry["left"] - 1 <= box["left"] and box["right"] <= geometry["right"] + 1, (column, geometry)
        assert not box["cut"], f"the header of {column} is cut: {geometry}"


def scroll_to(dash_duo, selector: str) -> None:
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", element)
    time.sleep(0.4)


def chart(dash_duo, graph: str) -> dict:
    return dash_duo.driver.execute_script(CHART, graph)


def overlaps(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def percent(text: str) -> float:
    return float(text.replace("%", "").replace(",", ".").replace("\u00a0", "").replace(" ", ""))


def count(text: str) -> int:
    return int(text.replace("\u00a0", "").replace(" ", "").replace(",", "") or 0)


def assert_readable_chart(figure: dict) -> None:
    """Round ticks on both axes (steps of 1, 2 or 5 times a power of ten), titles clear of the tick labels."""
    for ticks, parse in ((figure["yticks"], count), (figure["y2ticks"], percent)):
        values = [parse(t["text"]) for t in ticks]
        assert len(values) >= 3 and values[0] == 0, values
        steps = {round(b - a, 9) for a, b in zip(values, values[1:])}
        assert len(steps) == 1, values
        step = steps.pop()
        assert round(step / 10 ** math.floor(math.log10(step)), 6) in (1, 2, 5), values
    for title, ticks in ((figure["ytitle"], figure["yticks"]), (figure["y2title"], figure["y2ticks"])):
        assert title and not any(overlaps(title[0], t) for t in ticks), (title, ticks)


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_sms_page_at_laptop_widths(dash_duo, browser_config, shot, lang):
    app = create_app(browser_config)
    ctx = AppContext.create(browser_config)
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.set_window_size(WIDTHS[0], 900)
    open_page(dash_duo, lang, "sms")
    choose(dash_duo, Sms.PERIOD_PRESET, "3m")
    period = ctx.period("3m")
    records = {str(r["number"]): r for r in sms_queries.dispatch_records(ctx.db, period=period)}
    until(lambda: len(cells(dash_duo, Sms.GRID, "sent")) == min(20, len(records)), what="3 months of dispatches")

    # Point 10: every number as the KPI cards and the DOCX write it, four-digit ones grouped too.
    def numbers_match():
        for column in NUMBER_COLUMNS["sms"]:
            for row_id, text in cells(dash_duo, Sms.GRID, column).items():
                r = records[row_id]
                want = fmt_pct(r[column], lang) if column in ("delivered_pct", "ctr") else fmt_int(r[column], lang)
                assert text == want, (row_id, column, text, want)
        return True

    until(numbers_match, what="grid numbers formatted as fmt_int / fmt_pct")
    sent = cells(dash_duo, Sms.GRID, "sent").values()
    assert any(1000 <= count(v) < 10000 for v in sent), sent  # the case that read "1725" beside "13 180"

    for width in WIDTHS:
        # Point 9: the numbers in view, the text columns giving way (two lines, full text on hover).
        dash_duo.driver.set_window_size(width, 900)
        until(lambda w=width: dash_duo.driver.execute_script("return window.innerWidth") == w, what=f"{width} px")
        time.sleep(0.5)
        until(lambda: assert_numbers_in_view(dash_duo, Sms.GRID, "sms") is None, what="numbers in view")
        scroll_to(dash_duo, f"#{Sms.GRID}")
        shot(f"reading-sms-grid-{lang}-{width}")

        # Point 11: 3 months: a bar a day, round ticks, axis titles clear of the tick labels.
        scroll_to(dash_duo, f"#{Sms.TREND}")
        figure = until(lambda: (f := chart(dash_duo, Sms.TREND)) and f["bars"] == period.days and f, what="daily bars")
        assert_readable_chart(figure)
        shot(f"reading-sms-trend-3m-{lang}-{width}")

    # The full text of a cut name on hover.
    first = next(iter(cells(dash_duo, Sms.GRID, "name")))
    name = records[first]["name"]
    cell = dash_duo.find_element(f"#{Sms.GRID} .ag-row[row-id='{first}'] [col-id='name']")
    ActionChains(dash_duo.driver).move_to_element(cell).perform()
    until(lambda: dash_duo.find_element(".ag-tooltip").get_attribute("textContent") == name, what="the name's tooltip")

    # All time: a bar a month; the switch draws weeks; back to automatic.
    choose(dash_duo, Sms.PERIOD_PRESET, "all")
    whole = ctx.period("all")
    _, _, trend = sms_queries.period_summary(ctx.db, period=whole, compare=False)
    months = bucketed(trend, granularity_for(whole))
    assert granularity_for(whole) == "month" and whole.days > 400
    scroll_to(dash_duo, f"#{Sms.TREND}")
    figure = until(lambda: (f := chart(dash_duo, Sms.TREND)) and f["bars"] == len(months) and f, what="monthly bars")
    assert len(months) <= 20 and len(figure["xticks"]) <= 12
    assert_readable_chart(figure)
    shot(f"reading-sms-trend-all-{lang}")
    choose(dash_duo, Sms.TREND_GRAIN, "week")
    weeks = bucketed(trend, granularity_for(whole, "week"))
    figure = until(lambda: (f := chart(dash_duo, Sms.TREND)) and f["bars"] == len(weeks) and f, what="weekly bars")
    assert_readable_chart(figure)
    shot(f"reading-sms-trend-all-weeks-{lang}")
    choose(dash_duo, Sms.TREND_GRAIN, "auto")
    until(lambda: chart(dash_duo, Sms.TREND)["bars"] == len(months), what="monthly bars again")

    assert dash_duo.get_logs() == [], dash_duo.get_logs()


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_transactional_page_at_laptop_widths(dash_duo, browser_config, shot, lang):
    app = create_app(browser_config)
    ctx = AppContext.create(browser_config)
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.set_window_size(WIDTHS[0], 900)
    dash_duo.wait_for_text_to_equal("h1", TITLES["pl"][0], timeout=15)
    open_page(dash_duo, lang, "trx")
    choose(dash_duo, Trx.PERIOD_PRESET, "all")
    period = trx_cb.resolve(ctx, "all", None, None).period  # the page's own "all time"
    frame = campaign_table(ctx.db, period=period, lang=lang).set_index("key")
    until(lambda: len(cells(dash_duo, Trx.GRID, "sent")) == len(frame), what="the campaign rows")

    def numbers_match():
        for column in NUMBER_COLUMNS["trx"]:
            for key, text in cells(dash_duo, Trx.GRID, column).items():
                value = frame.loc[key, column]
                assert text == (fmt_pct(value, lang) if column == "ctr" else fmt_int(value, lang)), (key, column, text)
        return True

    until(numbers_match, what="grid numbers formatted as fmt_int / fmt_pct")
    assert any(1000 <= count(v) < 10000 for v in cells(dash_duo, Trx.GRID, "sent").values())

    for width in WIDTHS:
        dash_duo.driver.set_window_size(width, 900)
        until(lambda w=width: dash_duo.driver.execute_script("return window.innerWidth") == w, what=f"{width} px")
        time.sleep(0.5)
        until(lambda: assert_numbers_in_view(dash_duo, Trx.GRID, "trx") is None, what="numbers in view")
        scroll_to(dash_duo, f"#{Trx.TREND}")
        figure = until(lambda: (f := chart(dash_duo, Trx.TREND)) and f["bars"] and f, what="the chart")
        assert figure["bars"] <= 20 and len(figure["xticks"]) <= 12  # all time: a bar a month
        assert_readable_chart(figure)
        shot(f"reading-trx-all-{lang}-{width}")

    # The switch: a bar a week.
    choose(dash_duo, Trx.TREND_GRAIN, "week")
    weeks = (period.end - period.start + dt.timedelta(days=period.start.weekday())).days // 7 + 1
    figure = until(lambda: (f := chart(dash_duo, Trx.TREND)) and f["bars"] == weeks and f, what="weekly bars")
    assert_readable_chart(figure)
    shot(f"reading-trx-all-weeks-{lang}")

    assert dash_duo.get_logs() == [], dash_duo.get_logs()


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_an_empty_period_says_no_data(dash_duo, stale_config, shot, lang):
    app = create_app(stale_config)
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.set_window_size(WIDTHS[1], 900)
    open_page(dash_duo, lang, "sms")
    note = "Brak wiadomości w tym okresie" if lang == "pl" else "No messages in this period"
    figure = until(lambda: (f := chart(dash_duo, Sms.TREND)) and f["notes"] and f, what="the empty chart")
    assert figure["notes"] == [note] and figure["bars"] == 0
    assert figure["yticks"] == [] and figure["y2ticks"] == []  # no "0 0 0 1 1 1"
    scroll_to(dash_duo, f"#{Sms.TREND}")
    shot(f"reading-sms-empty-{lang}")
    open_page(dash_duo, lang, "trx")
    figure = until(lambda: (f := chart(dash_duo, Trx.TREND)) and f["notes"] and f, what="the empty chart")
    assert figure["notes"] == [note] and figure["yticks"] == []
    shot(f"reading-trx-empty-{lang}")
    assert dash_duo.get_logs() == [], dash_duo.get_logs()
