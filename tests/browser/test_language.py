"""The language a user chooses holds across pages, reloads, log-in and log-out, in headless Chromium (issue 16.1).

Before, a navbar link drew the navbar anew, its PL/EN buttons fired as if clicked, and the language went back to
Polish: the next answer, the export links (lang=pl) and a reload were Polish again."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

from argon2 import PasswordHasher

from app import create_app
from data.store.sqlite import store_path
from data.store.users import UserStore
from layouts.ids import Shell, Sms, Trx
from tests.browser.conftest import free_port
from tests.browser.test_sms_page import click, wait_rows

PASSWORD = "correct horse"


def lang_of(dash_duo, selector: str) -> str:
    """The lang= of an export link."""
    return parse_qs(urlsplit(dash_duo.find_element(selector).get_attribute("href")).query)["lang"][0]


def settled(dash_duo, selector: str, text: str, seconds: float = 2.0) -> None:
    """Waits for `text` in `selector`, then checks it is still there after the page's later answers came in
    (the bug showed the right language first and the wrong one an answer later)."""
    dash_duo.wait_for_contains_text(selector, text, timeout=15)
    time.sleep(seconds)
    assert text in dash_duo.find_element(selector).text, dash_duo.find_element(selector).text


def open_transactional(dash_duo, title: str, kpi: str) -> None:
    click(dash_duo, f"#{Shell.NAV_TRANSACTIONAL}")
    dash_duo.wait_for_text_to_equal("h1", title, timeout=15)
    click(dash_duo, f"label[for='_dbcprivate_radioitems_{Trx.PERIOD_PRESET}_input_3m']")  # the page's next answer
    settled(dash_duo, f"#{Trx.KPIS}", kpi)
    assert dash_duo.find_element("h1").text == title


def open_sms(dash_duo, title: str, count: str) -> None:
    click(dash_duo, ".navbar-brand")
    dash_duo.wait_for_text_to_equal("h1", title, timeout=15)
    wait_rows(dash_duo)
    settled(dash_duo, f"#{Sms.HISTORY_COUNT}", count)


def reload(dash_duo, title: str) -> None:
    dash_duo.driver.refresh()
    dash_duo.wait_for_text_to_equal("h1", title, timeout=15)
    time.sleep(1.5)
    assert dash_duo.find_element("h1").text == title


def test_the_chosen_language_holds_everywhere(dash_duo, browser_config, shot, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "lake").symlink_to(browser_config.lake_dir, target_is_directory=True)
    users = UserStore(store_path(data_dir), hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    users.add("anna", role="analyst", password=PASSWORD)
    dash_duo.start_server(create_app(browser_config.with_(data_dir=data_dir)), navigate=False, port=free_port())
    dash_duo.driver.set_window_size(1400, 1000)

    # English chosen on the log-in page: the app opens in English after log-in.
    dash_duo.driver.get(dash_duo.server.url + "/")
    dash_duo.wait_for_text_to_equal("h1", "Logowanie", timeout=10)
    click(dash_duo, "nav a[href*='lang=en']")
    dash_duo.wait_for_text_to_equal("h1", "Log in", timeout=10)
    dash_duo.find_element("#login-name").send_keys("anna")
    dash_duo.find_element("#login-password").send_keys(PASSWORD)
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_text_to_equal("h1", "SMS reports", timeout=15)
    wait_rows(dash_duo)
    settled(dash_duo, f"#{Sms.HISTORY_COUNT}", "in the period")
    assert lang_of(dash_duo, f"#{Sms.EXPORT_CSV}") == "en"

    # Navbar links and reloads keep English; each page's next answer and its export links are English too.
    open_transactional(dash_duo, "Transactional reports", "Sent")
    assert lang_of(dash_duo, f"#{Trx.EXPORT_CSV}") == "en"
    shot("language-transactional-en")
    open_sms(dash_duo, "SMS reports", "in the period")
    assert lang_of(dash_duo, f"#{Sms.EXPORT_CSV}") == "en" and lang_of(dash_duo, f"#{Sms.EXPORT_DOC}") == "en"
    reload(dash_duo, "SMS reports")
    open_transactional(dash_duo, "Transactional reports", "Sent")
    reload(dash_duo, "Transactional reports")
    shot("language-reloaded-en")

    # Polish chosen in the navbar holds the same way.
    click(dash_duo, f"#{Shell.LANG_PL}")
    dash_duo.wait_for_text_to_equal("h1", "Raporty transakcyjne", timeout=15)
    open_sms(dash_duo, "Raporty SMS", "w okresie")
    assert lang_of(dash_duo, f"#{Sms.EXPORT_CSV}") == "pl"
    open_transactional(dash_duo, "Raporty transakcyjne", "Wysłane")
    assert lang_of(dash_duo, f"#{Trx.EXPORT_CSV}") == "pl"
    reload(dash_duo, "Raporty transakcyjne")
    shot("language-reloaded-pl")

    # The log-in page after log-out speaks the language last chosen in the app.
    click(dash_duo, f"#{Shell.LANG_EN}")
    dash_duo.wait_for_text_to_equal("h1", "Transactional reports", timeout=15)
    click(dash_duo, "#shell-logout")
    dash_duo.wait_for_text_to_equal("h1", "Log in", timeout=10)
    assert "User name" in dash_duo.find_element("#login-form").text
    shot("language-login-en")
    assert dash_duo.get_logs() == [], dash_duo.get_logs()
