"""The Scheduled reports page in headless Chromium, in English and Polish: an analyst adds a schedule, sees the
last runs (sent late, failed with why) and removes one; a viewer has no link to the page and is refused it."""

from __future__ import annotations

import datetime as dt
import time

from argon2 import PasswordHasher
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support.ui import Select

from app import create_app
from data.recurrence import latest_due
from data.store.schedules import ScheduleStore
from data.store.sqlite import store_path
from data.store.users import UserStore
from layouts.ids import Sched, Shell
from tests.browser.conftest import TZ, free_port
from tests.browser.test_access_page import PASSWORD, log_in, log_out
from tests.browser.test_sms_page import click


def _schedules_with_history(data_dir) -> ScheduleStore:
    """Two schedules made a week ago: one whose last run was sent late, one whose run failed for good."""
    store = ScheduleStore(store_path(data_dir))
    week_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=7)
    common = dict(formats=["csv", "docx"], hour=8, lang="en", owner="adam", now=week_ago)
    late = store.add(page="sms", every="daily", day=None, period="yesterday", recipients=["ceo@example.com"], **common)
    failed = store.add(
        page="transactional", every="weekly", day=1, period="last-week", recipients=["ops@example.com"], **common
    )
    now = dt.datetime.now(dt.UTC)
    run = store.claim(late.id, latest_due("daily", None, 8, TZ, now), "test", now=time.time(), late=True)
    store.sent(run.id)
    run = store.claim(failed.id, latest_due("weekly", 1, 8, TZ, now), "test", now=time.time())
    store.failed(run.id, "SMTPRecipientsRefused: 550 no such mailbox", next_try=None)
    return store


def _choose(dash_duo, selector: str, value: str) -> None:
    Select(dash_duo.find_element(selector)).select_by_value(value)


def _wait_text(dash_duo, selector: str, text: str, timeout: float = 15) -> str:
    end, seen = time.time() + timeout, "missing"
    while time.time() < end:
        try:
            found = dash_duo.find_elements(selector)
            seen = found[0].text if found else "missing"
        except StaleElementReferenceException:  # redrawn between finding and reading it: look again
            continue
        if text in seen:
            return seen
        time.sleep(0.2)
    raise AssertionError(f"{selector} does not say {text!r}: {seen!r}")


def test_an_analyst_schedules_reports_in_english_and_polish(dash_duo, browser_config, shot, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "lake").symlink_to(browser_config.lake_dir, target_is_directory=True)
    users = UserStore(store_path(data_dir), hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    for name, role in (("vera", "viewer"), ("anna", "analyst")):
        users.add(name, role=role, password=PASSWORD)
    store = _schedules_with_history(data_dir)
    config = browser_config.with_(data_dir=data_dir, smtp_host="127.0.0.1", smtp_from="reports@example.com")
    dash_duo.start_server(create_app(config), navigate=False, port=free_port())
    dash_duo.driver.set_window_size(1400, 1100)

    # A viewer: no link, and the address itself is refused.
    log_in(dash_duo, "vera")
    dash_duo.wait_for_element(f"#{Shell.NAV_TRANSACTIONAL}", timeout=15)
    assert not dash_duo.find_elements(f"#{Shell.NAV_SCHEDULES}")
    dash_duo.driver.get(dash_duo.server.url + "/schedules")
    _wait_text(dash_duo, f"#{Shell.PAGE}", "/schedules")
    assert not dash_duo.find_elements(f"#{Sched.LIST}")
    log_out(dash_duo)

    # An analyst, in English: the schedules with their last runs.
    log_in(dash_duo, "anna")
    click(dash_duo, f"#{Shell.NAV_SCHEDULES}")
    listed = _wait_text(dash_duo, f"#{Sched.LIST}", "failed: SMTPRecipientsRefused: 550 no such mailbox")
    assert "sent late" in listed and "daily at 08:00" in listed and "every Monday at 08:00" in listed
    assert "No SMTP server" not in dash_duo.find_element(f"#{Shell.PAGE}").text

    # A monthly report on the month's last day, to two recipients; a bad address first.
    _choose(dash_duo, f"#{Sched.PAGE}", "transactional")
    _choose(dash_duo, f"#{Sched.EVERY}", "monthly")
    _wait_text(dash_duo, f"#{Sched.DAY}", "last day of the month")
    _choose(dash_duo, f"#{Sched.DAY}", "0")
    _choose(dash_duo, f"#{Sched.HOUR}", "7")
    _choose(dash_duo, f"#{Sched.PERIOD}", "last-month")
    dash_duo.find_element(f"#{Sched.TO}").send_keys("boss@example.com, boss at example")
    click(dash_duo, f"#{Sched.ADD}")
    _wait_text(dash_duo, f"#{Sched.MESSAGE}", "not an e-mail address: 'boss'")
    dash_duo.find_element(f"#{Sched.TO}").clear()
    dash_duo.find_element(f"#{Sched.TO}").send_keys("boss@example.com, cfo@example.org")
    click(dash_duo, f"#{Sched.ADD}")
    _wait_text(dash_duo, f"#{Sched.MESSAGE}", "Schedule no. 3 added.")
    row = _wait_text(dash_duo, f"#{Sched.LIST} [data-schedule='3']", "on the last day of the month at 07:00")
    assert "boss@example.com, cfo@example.org" in row and "not yet" in row and "anna" in row
    (made,) = [s for s in store.list() if s.id == 3]
    assert (made.page, made.every, made.day, made.hour, made.period) == ("transactional", "monthly", 0, 7, "last-month")
    shot("schedules-en")

    # In Polish: the same schedules, in Polish words.
    click(dash_duo, f"#{Shell.LANG_PL}")
    listed = _wait_text(dash_duo, f"#{Sched.LIST}", "ostatniego dnia miesiąca o 07:00")
    assert "nie udało się: SMTPRecipientsRefused" in listed and "wysłano z opóźnieniem" in listed
    assert "co tydzień, poniedziałek, o 08:00" in listed and "Raporty zaplanowane" in dash_duo.find_element("h1").text
    shot("schedules-pl")

    # Removing one.
    click(dash_duo, f"#{Sched.LIST} [data-schedule='1'] button")
    _wait_text(dash_duo, f"#{Sched.MESSAGE}", "Usunięto harmonogram nr 1.")
    assert not dash_duo.find_elements(f"#{Sched.LIST} [data-schedule='1']")
    assert [s.id for s in store.list()] == [2, 3]
    assert dash_duo.get_logs() == [], dash_duo.get_logs()
