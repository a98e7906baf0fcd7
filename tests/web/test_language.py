"""The chosen language holds across pages, reloads, log-in and log-out (issue 16, point 1), over HTTP.

A page load asks the server for the layout (/_dash-layout): what language it is drawn in is what a reload shows.
The browser side (navbar links, the export links' lang=) is in tests/browser/test_language.py."""

from __future__ import annotations

import json
import re

import pytest
from argon2 import PasswordHasher

import data.store.users
from app import create_app
from layouts.ids import Shell
from tests.test_access import PASSWORD, callback_body, csrf
from web import security


@pytest.fixture(scope="module")
def app(demo_dir, config, tmp_path_factory):
    path = tmp_path_factory.mktemp("language")
    (path / "lake").symlink_to(demo_dir / "lake", target_is_directory=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(data.store.users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        cfg = config.with_(data_dir=path)
        security.user_store(cfg).add("vera", role="viewer", password=PASSWORD)
        yield create_app(cfg)


def token(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def layout_lang(client) -> str:
    """The language a reload shows: the layout's language store and navbar title."""
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200
    text = layout.get_data(as_text=True)
    store = re.search(r'"data":\s*"(\w+)",\s*"id":\s*"' + Shell.LANG + '"', text) or re.search(
        r'"id":\s*"' + Shell.LANG + r'"[^}]*"data":\s*"(\w+)"', text
    )
    title = "SMS reports" if "SMS reports" in text else "Raporty SMS" if "Raporty SMS" in text else None
    return f"{store.group(1) if store else None}/{title}"


def switch(app, client, button: str, clicks: int, current: str, changed: list[str]):
    values = {f"{Shell.LANG_PL}.n_clicks": 0, f"{Shell.LANG_EN}.n_clicks": 0, f"{Shell.LANG}.data": current}
    values[f"{button}.n_clicks"] = clicks
    body = callback_body(app, f"{Shell.LANG}.data", values, changed[0])
    body["changedPropIds"] = changed
    body["outputs"] = body["outputs"][0]  # a callback of one output: the renderer sends it alone, not in a list
    return client.post("/_dash-update-component", json=body, headers=csrf(client))


def test_language_chosen_on_the_log_in_page_holds_after_log_in_and_log_out(app):
    client = app.server.test_client()
    assert "Nazwa użytkownika" in client.get("/login").text  # the default
    page = client.get("/login?lang=en&next=/transactional")
    assert "User name" in page.text and client.get_cookie(security.LANG_COOKIE).value == "en"
    assert "User name" in client.get("/login?next=/").text  # the log-in page remembers it (a wrong password too)
    answer = client.post(
        "/login",
        data={"name": "vera", "password": PASSWORD, "csrf_token": token(page), "next": "/transactional", "lang": "en"},
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/transactional"
    assert client.get("/transactional").status_code == 200
    assert layout_lang(client) == "en/SMS reports"
    assert client.post("/logout", data={"csrf_token": token(client.get("/login"))}).status_code == 302
    assert "User name" in client.get("/login").text

    # Polish chosen on the log-in page: the app opens in Polish.
    page = client.get("/login?lang=pl")
    client.post("/login", data={"name": "vera", "password": PASSWORD, "csrf_token": token(page), "lang": "pl"})
    assert layout_lang(client) == "pl/Raporty SMS"


def test_a_switch_in_the_navbar_holds_on_reload_and_is_not_undone_by_the_next_page(app):
    client = app.server.test_client()
    page = client.get("/login")
    client.post("/login", data={"name": "vera", "password": PASSWORD, "csrf_token": token(page)})
    client.get("/")  # the CSRF cookie of the page
    assert layout_lang(client) == "pl/Raporty SMS"

    answer = switch(app, client, Shell.LANG_EN, 1, "pl", [f"{Shell.LANG_EN}.n_clicks"])
    assert answer.status_code == 200 and json.loads(answer.text)["response"][Shell.LANG]["data"] == "en"
    assert layout_lang(client) == "en/SMS reports"  # a reload
    assert "User name" in client.get("/login").text  # and the log-in page, after the session ends

    # The next page draws the navbar anew: both buttons fire, unclicked. That is no choice.
    redraw = [f"{Shell.LANG_PL}.n_clicks", f"{Shell.LANG_EN}.n_clicks"]
    answer = switch(app, client, Shell.LANG_PL, 0, "en", redraw)
    assert answer.status_code == 204 or Shell.LANG not in json.loads(answer.text)["response"]
    assert layout_lang(client) == "en/SMS reports"

    answer = switch(app, client, Shell.LANG_PL, 1, "en", [f"{Shell.LANG_PL}.n_clicks"])
    assert json.loads(answer.text)["response"][Shell.LANG]["data"] == "pl"
    assert layout_lang(client) == "pl/Raporty SMS"


def test_a_made_up_language_is_neither_shown_nor_kept(app):
    client = app.server.test_client()
    client.get("/login?lang=en")
    assert "User name" in client.get("/login?lang=xx").text  # the kept choice, not the made-up one
    assert client.get_cookie(security.LANG_COOKIE).value == "en"
