"""Log-in and roles in headless Chromium: a viewer, an analyst and an admin each see and can do what their role allows."""

from __future__ import annotations

import time

from argon2 import PasswordHasher

from app import create_app
from data.store.sqlite import store_path
from data.store.users import UserStore
from i18n import t
from layouts.ids import Admin, Camp, Shell, Sms, Trx
from tests.browser.conftest import free_port
from tests.browser.test_sms_page import click, wait_rows

PASSWORD = "correct horse"
GRID_DETAILS = f"#{Sms.GRID} .ag-pinned-right-cols-container .ag-row[row-index='0'] [col-id='details']"


def log_in(dash_duo, name: str, password: str = PASSWORD) -> None:
    dash_duo.driver.get(dash_duo.server.url + "/login?lang=en")
    dash_duo.wait_for_element("#login-name").send_keys(name)
    dash_duo.find_element("#login-password").send_keys(password)
    dash_duo.find_element("#login-submit").click()


def log_out(dash_duo) -> None:
    click(dash_duo, "#shell-logout")
    dash_duo.wait_for_element("#login-form", timeout=10)


def visible(dash_duo, selector: str) -> bool:
    found = dash_duo.find_elements(selector)
    return bool(found) and found[0].is_displayed()


def open_details(dash_duo) -> str:
    """Opens the first dispatch's details and returns the dialog's text, after its groups are drawn."""
    click(dash_duo, GRID_DETAILS)
    dash_duo.wait_for_element(f"#{Sms.DETAILS_BODY} [id*='sms-details-group']", timeout=15)
    end = time.time() + 10
    while not (text := dash_duo.find_element(f"#{Sms.DETAILS_BODY}").text) and time.time() < end:
        time.sleep(0.2)  # the dialog is still fading in
    return text


def test_each_role_sees_what_it_may(dash_duo, browser_config, shot, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "lake").symlink_to(browser_config.lake_dir, target_is_directory=True)
    config = browser_config.with_(data_dir=data_dir)
    users = UserStore(store_path(data_dir), hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    for name, role in (("vera", "viewer"), ("anna", "analyst"), ("adam", "admin")):
        users.add(name, role=role, password=PASSWORD)
    dash_duo.start_server(create_app(config), navigate=False, port=free_port())  # "/" answers with the log-in page
    dash_duo.driver.set_window_size(1400, 1000)

    # Not logged in: the log-in page, in English; a wrong password says so.
    dash_duo.driver.get(dash_duo.server.url + "/transactional")
    dash_duo.wait_for_element("#login-form", timeout=10)
    log_in(dash_duo, "vera", "wrong password")
    dash_duo.wait_for_text_to_equal("#login-error", "Wrong user name or password.", timeout=10)
    shot("access-login-failed")
    dash_duo.get_logs()  # drains the browser's note of that answer's 401 status: the refusal is what we want

    # Viewer: aggregates, no grouping, no numbers downloads, no administration.
    log_in(dash_duo, "vera")
    dash_duo.wait_for_element(f"#{Sms.HISTORY_COUNT}", timeout=15)
    wait_rows(dash_duo)
    assert "vera" in dash_duo.find_element(f"#{Shell.ACCOUNT}").text
    assert not visible(dash_duo, f"#{Camp.GROUP}") and not visible(dash_duo, f"#{Camp.UNGROUP}")
    assert visible(dash_duo, f"#{Camp.VIEWER_NOTE}") and visible(dash_duo, f"#{Camp.FILTER_TOGGLE}")
    assert not dash_duo.find_elements(f"#{Shell.NAV_ADMIN}") and not dash_duo.find_elements(
        f"#{Shell.LOCAL_BANNER} .alert"
    )
    text = open_details(dash_duo)
    assert text and not dash_duo.find_elements(f"#{Sms.DETAILS_BODY} a[href*='/export/numbers']")
    shot("access-viewer-details")
    click(dash_duo, f"#{Sms.DETAILS_CLOSE}")
    click(dash_duo, f"#{Shell.NAV_TRANSACTIONAL}")
    dash_duo.wait_for_element(f"#{Trx.GRID} button[data-key]", timeout=15)
    click(dash_duo, f"#{Trx.GRID} button[data-key]")
    panel = dash_duo.wait_for_element(f"#{Trx.GRID} .trx-detail .trx-latest", timeout=15)
    assert "***" in panel.get_attribute("textContent") and not dash_duo.find_elements(".trx-messages-csv")
    dash_duo.driver.get(dash_duo.server.url + "/admin")
    dash_duo.wait_for_contains_text(f"#{Shell.PAGE}", "/admin", timeout=15)
    assert not dash_duo.find_elements(f"#{Admin.AUDIT}")
    log_out(dash_duo)

    # Analyst: grouping and numbers downloads, still no administration.
    log_in(dash_duo, "anna")
    wait_rows(dash_duo)
    assert visible(dash_duo, f"#{Camp.GROUP}") and not dash_duo.find_elements(f"#{Camp.VIEWER_NOTE}")
    assert not dash_duo.find_elements(f"#{Shell.NAV_ADMIN}")
    open_details(dash_duo)
    assert dash_duo.find_elements(f"#{Sms.DETAILS_BODY} a[href*='/export/numbers']")
    click(dash_duo, f"#{Sms.DETAILS_CLOSE}")
    log_out(dash_duo)

    # Admin: the administration page lists the users and the access log, with its CSV.
    log_in(dash_duo, "adam")
    click(dash_duo, f"#{Shell.NAV_ADMIN}")
    dash_duo.wait_for_element(f"#{Admin.USERS} [data-user='vera']", timeout=15)
    audit = dash_duo.wait_for_element(f"#{Admin.AUDIT} .admin-audit", timeout=15).text
    assert "login" in audit and "vera" in audit and "failed" in audit
    assert dash_duo.find_element(f"#{Admin.AUDIT_CSV}").get_attribute("href").endswith("/admin/audit.csv")
    shot("access-admin")
    # The page runs under the strict CSP (an injected inline script does not run), and nothing above needed more.
    assert dash_duo.get_logs() == [], dash_duo.get_logs()
    ran = dash_duo.driver.execute_script(
        "var s = document.createElement('script'); s.textContent = 'window.__inline = 1';"
        "document.head.appendChild(s); return window.__inline === 1;"
    )
    assert ran is False
    logs = dash_duo.get_logs()
    assert logs and all("Content Security Policy" in entry["message"] for entry in logs), logs
    log_out(dash_duo)
    time.sleep(0.2)
    assert dash_duo.get_logs() == [], dash_duo.get_logs()
    log = users.audit(limit=100)
    assert {("vera", "ok"), ("anna", "ok"), ("adam", "ok"), ("vera", "failed")} <= set(
        zip(log.loc[log["action"] == "login", "who"], log.loc[log["action"] == "login", "outcome"])
    )


def test_admin_ends_a_users_sessions_and_sees_the_chain_hold(dash_duo, browser_config, shot, tmp_path):
    import re

    import requests

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "lake").symlink_to(browser_config.lake_dir, target_is_directory=True)
    users = UserStore(store_path(data_dir), hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    for name, role in (("vera", "viewer"), ("adam", "admin")):
        users.add(name, role=role, password=PASSWORD)
    dash_duo.start_server(create_app(browser_config.with_(data_dir=data_dir)), navigate=False, port=free_port())
    dash_duo.driver.set_window_size(1400, 1000)
    vera = requests.Session()  # vera, logged in in another browser
    vera.headers["User-Agent"] = "Firefox/140 (vera's laptop)"
    form = vera.get(dash_duo.server.url + "/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    vera.post(dash_duo.server.url + "/login", data={"name": "vera", "password": PASSWORD, "csrf_token": token})
    assert vera.get(dash_duo.server.url + "/_dash-layout").status_code == 200

    log_in(dash_duo, "adam")
    click(dash_duo, f"#{Shell.NAV_ADMIN}")
    row = dash_duo.wait_for_element(f"#{Admin.SESSIONS} [data-session-user='vera']", timeout=15)
    assert "Firefox/140" in row.text
    chain = dash_duo.wait_for_element(f"#{Admin.CHAIN} [data-chain='ok']", timeout=15)
    assert chain.text.endswith(t("en", "audit.chain.ok", count=2))  # logged in on the English log-in page
    shot("access-admin-sessions")
    dash_duo.select_dcc_dropdown(f"#{Admin.CHANGE_USER}", value="vera")
    dash_duo.select_dcc_dropdown(f"#{Admin.CHANGE_ACTION}", value=t("en", "admin.end_sessions"))
    click(dash_duo, f"#{Admin.APPLY}")
    end = time.time() + 15
    while dash_duo.find_elements(f"#{Admin.SESSIONS} [data-session-user='vera']") and time.time() < end:
        time.sleep(0.2)
    assert not dash_duo.find_elements(f"#{Admin.SESSIONS} [data-session-user='vera']")
    assert dash_duo.find_elements(f"#{Admin.SESSIONS} [data-session-user='adam']")
    assert vera.get(dash_duo.server.url + "/_dash-layout").status_code == 401  # her browser is logged out
    shot("access-admin-sessions-ended")
    assert dash_duo.get_logs() == [], dash_duo.get_logs()
