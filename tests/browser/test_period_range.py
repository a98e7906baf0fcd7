"""The period control's custom range in headless Chromium, in Polish and English, as a user would use it:
choose "Custom range" (the numbers stay), open the calendar (in the page's language, Monday first), type
dates the way the page writes them (one left by a click elsewhere), type an end before the start, and a
range of a century (cut to the days with data, with a notice)."""

from __future__ import annotations

import datetime as dt
import time

from selenium.webdriver.common.keys import Keys

from app import create_app
from data.period import Period
from data.queries import sms as sms_queries
from data.queries.counts import data_days
from i18n import fmt_date, fmt_int
from layouts.ids import SMS_PERIOD, TRX_PERIOD, PeriodIds, Shell, Sms, Trx
from tests.browser.conftest import free_port
from tests.browser.test_sms_page import click, wait_rows
from tests.browser.test_transactional_page import until
from web.context import AppContext

TZ = "Europe/Warsaw"
CALENDAR = ".dash-datepicker-calendar"


def preset(dash_duo, ids: PeriodIds, value: str) -> None:
    click(dash_duo, f"label[for='_dbcprivate_radioitems_{ids.preset}_input_{value}']")


def picker(dash_duo, ids: PeriodIds) -> list:
    """The range picker's two fields: start, end."""
    return dash_duo.find_elements(f"#{ids.range_box} .dash-datepicker-input")


def picker_values(dash_duo, ids: PeriodIds) -> list[str]:
    return [field.get_attribute("value") for field in picker(dash_duo, ids)]


def type_date(dash_duo, ids: PeriodIds, which: int, value: str, *, leave_by_click: bool = False) -> None:
    """Types a date into the start (0) or end (1) field, then leaves it with Tab or by a click on the heading."""
    field = picker(dash_duo, ids)[which]
    field.click()
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(value)
    if leave_by_click:
        dash_duo.find_element("h1").click()
    else:
        field.send_keys(Keys.TAB)


def settled(dash_duo, selector: str, seconds: float = 1.5) -> str:
    """Waits until an element's text has not changed for `seconds` (every callback answered) and returns it."""
    last, since = None, time.time()
    end = time.time() + 20
    while time.time() < end:
        now = dash_duo.find_element(selector).text
        if now != last:
            last, since = now, time.time()
        elif time.time() - since >= seconds:
            return now
        time.sleep(0.2)
    raise AssertionError(f"{selector} kept changing: {last!r}")


def no_error_shown(dash_duo) -> bool:
    return not dash_duo.find_elements(".alert-danger")


def weekday_heads(dash_duo) -> list[str]:
    heads = dash_duo.find_elements(f"{CALENDAR} thead tr:last-child th")
    return [h.text for h in heads[:7]]


def test_custom_range_in_both_languages(dash_duo, browser_config, shot):
    app = create_app(browser_config)
    ctx = AppContext.create(browser_config)
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.set_window_size(1400, 1000)
    today = ctx.today()

    # The transactional page: choosing "Własny zakres" keeps the 3 months shown, and their numbers.
    dash_duo.driver.get(dash_duo.server_url + "/transactional")
    dash_duo.wait_for_text_to_equal("h1", "Raporty transakcyjne", timeout=15)
    preset(dash_duo, TRX_PERIOD, "3m")
    three = ctx.period("3m")
    label = f"{fmt_date(three.start, 'pl')} – {fmt_date(three.end, 'pl')}"
    dash_duo.wait_for_text_to_equal(f"#{Trx.PERIOD_LABEL}", label, timeout=15)
    kpis = settled(dash_duo, f"#{Trx.KPIS}")
    preset(dash_duo, TRX_PERIOD, "custom")
    until(lambda: dash_duo.find_element(f"#{Trx.PERIOD_RANGE_BOX}").is_displayed(), what="the range picker")
    assert settled(dash_duo, f"#{Trx.KPIS}") == kpis and no_error_shown(dash_duo)
    assert dash_duo.find_element(f"#{Trx.PERIOD_LABEL}").text == label
    assert picker_values(dash_duo, TRX_PERIOD) == [fmt_date(three.start, "pl"), fmt_date(three.end, "pl")]

    # The SMS page, in Polish, with the last month: "Własny zakres" keeps it too.
    dash_duo.driver.get(dash_duo.server_url + "/")
    dash_duo.wait_for_text_to_equal("h1", "Raporty SMS", timeout=15)
    wait_rows(dash_duo)
    preset(dash_duo, SMS_PERIOD, "1m")
    month = ctx.period("1m")
    dash_duo.wait_for_text_to_equal(
        f"#{Sms.PERIOD_LABEL}", f"{fmt_date(month.start, 'pl')} – {fmt_date(month.end, 'pl')}", timeout=15
    )
    kpis = settled(dash_duo, f"#{Sms.KPIS}")
    preset(dash_duo, SMS_PERIOD, "custom")
    until(lambda: dash_duo.find_element(f"#{Sms.PERIOD_RANGE_BOX}").is_displayed(), what="the range picker")
    assert settled(dash_duo, f"#{Sms.KPIS}") == kpis and no_error_shown(dash_duo)
    assert picker_values(dash_duo, SMS_PERIOD) == [fmt_date(month.start, "pl"), fmt_date(month.end, "pl")]
    assert "dd.mm.rrrr" in dash_duo.find_element(f"#{Sms.PERIOD_RANGE_BOX}").text
    shot("period-custom-chosen-pl")

    # The calendar speaks Polish and starts the week on Monday.
    picker(dash_duo, SMS_PERIOD)[0].click()
    dash_duo.wait_for_element(CALENDAR, timeout=5)
    assert weekday_heads(dash_duo) == ["Pn", "Wt", "Śr", "Cz", "Pt", "So", "Nd"]
    months = ["Styczeń", "Luty", "Marzec", "Kwiecień", "Maj", "Czerwiec", "Lipiec", "Sierpień", "Wrzesień"]
    months += ["Październik", "Listopad", "Grudzień"]
    assert (
        f"{months[month.start.month - 1]} {month.start.year}" in dash_duo.find_element(".dash-datepicker-content").text
    )
    shot("period-calendar-pl")

    # Dates typed as the page writes them; the end left by a click elsewhere still counts.
    chosen = Period(today - dt.timedelta(days=40), today - dt.timedelta(days=10), TZ)
    type_date(dash_duo, SMS_PERIOD, 0, chosen.start.strftime("%d.%m.%Y"))
    type_date(dash_duo, SMS_PERIOD, 1, chosen.end.strftime("%d.%m.%Y"), leave_by_click=True)
    shown = f"{fmt_date(chosen.start, 'pl')} – {fmt_date(chosen.end, 'pl')}"
    dash_duo.wait_for_text_to_equal(f"#{Sms.PERIOD_LABEL}", shown, timeout=15)
    now, _prev, _trend = sms_queries.period_summary(ctx.db, period=chosen)
    until(lambda: fmt_int(now["sent"], "pl") in dash_duo.find_element(f"#{Sms.KPIS}").text.replace(" ", "\xa0"))

    # An end typed before the start: the same range, in order.
    type_date(dash_duo, SMS_PERIOD, 1, (chosen.start - dt.timedelta(days=5)).strftime("%d.%m.%Y"))
    earlier = Period(chosen.start - dt.timedelta(days=5), chosen.start, TZ)
    dash_duo.wait_for_text_to_equal(
        f"#{Sms.PERIOD_LABEL}", f"{fmt_date(earlier.start, 'pl')} – {fmt_date(earlier.end, 'pl')}", timeout=15
    )
    until(lambda: picker_values(dash_duo, SMS_PERIOD) == [fmt_date(earlier.start, "pl"), fmt_date(earlier.end, "pl")])
    assert no_error_shown(dash_duo)

    # A century: cut to the days with data, and said so.
    type_date(dash_duo, SMS_PERIOD, 0, "01.01.1990")
    type_date(dash_duo, SMS_PERIOD, 1, "31.12.2099")
    first, last = data_days(ctx.db)
    end = max(last, today)
    dash_duo.wait_for_text_to_equal(
        f"#{Sms.PERIOD_ERROR}",
        f"Wybrany zakres 01.01.1990 – 31.12.2099 wykracza poza dane, które obejmują dni {fmt_date(first, 'pl')} – "
        f"{fmt_date(last, 'pl')}. Pokazano {fmt_date(first, 'pl')} – {fmt_date(end, 'pl')}.",
        timeout=15,
    )
    assert dash_duo.find_element(f"#{Sms.PERIOD_LABEL}").text == f"{fmt_date(first, 'pl')} – {fmt_date(end, 'pl')}"
    dash_duo.find_element("h1").click()
    shot("period-clipped-pl")

    # English: the range kept, the notice and the calendar in English, dates as the page writes them.
    click(dash_duo, f"#{Shell.LANG_EN}")
    dash_duo.wait_for_text_to_equal("h1", "SMS reports", timeout=10)
    until(lambda: picker_values(dash_duo, SMS_PERIOD) == ["1 Jan 1990", "31 Dec 2099"], what="the picker in English")
    dash_duo.wait_for_text_to_equal(
        f"#{Sms.PERIOD_ERROR}",
        f"The chosen range 1 Jan 1990 – 31 Dec 2099 goes beyond the data, which covers {fmt_date(first, 'en')} – "
        f"{fmt_date(last, 'en')}. Showing {fmt_date(first, 'en')} – {fmt_date(end, 'en')}.",
        timeout=15,
    )
    picker(dash_duo, SMS_PERIOD)[0].click()
    dash_duo.wait_for_element(CALENDAR, timeout=5)
    assert weekday_heads(dash_duo) == ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
    assert "January 1990" in dash_duo.find_element(".dash-datepicker-content").text
    shot("period-calendar-en")
    start = today - dt.timedelta(days=95)  # typed "1 Sept 2026", as the page writes it (or any other month)
    type_date(dash_duo, SMS_PERIOD, 0, fmt_date(start, "en"))
    type_date(dash_duo, SMS_PERIOD, 1, fmt_date(today, "en"))
    dash_duo.wait_for_text_to_equal(
        f"#{Sms.PERIOD_LABEL}", f"{fmt_date(start, 'en')} – {fmt_date(today, 'en')}", timeout=15
    )
    # The start alone (end still 2099) shows the same days, clipped, with a notice: wait for the answer to the end.
    dash_duo.wait_for_text_to_equal(f"#{Sms.PERIOD_ERROR}", "", timeout=15)
    assert no_error_shown(dash_duo)
    assert picker_values(dash_duo, SMS_PERIOD) == [fmt_date(start, "en"), fmt_date(today, "en")]
    dash_duo.find_element("h1").click()
    shot("period-custom-en")

    assert dash_duo.get_logs() == [], dash_duo.get_logs()
