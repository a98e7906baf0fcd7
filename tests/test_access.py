"""Access control over HTTP (Flask test client): log-in, roles, forged callbacks, CSRF, headers, audit."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import time

import pytest
from argon2 import PasswordHasher
from docx import Document

import data.store.users
from app import create_app
from layouts.ids import Camp, Sms, Trx
from web import security

PASSWORD = "correct horse"
FULL_NUMBER = re.compile(r"\+?48\d{9}\b")


@pytest.fixture(scope="module")
def access_dir(demo_dir, tmp_path_factory):
    """A data directory sharing the demo lake (read-only here) with its own store, users and audit."""
    path = tmp_path_factory.mktemp("access")
    (path / "lake").symlink_to(demo_dir / "lake", target_is_directory=True)
    return path


@pytest.fixture(scope="module")
def app(access_dir, config):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(data.store.users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        cfg = config.with_(data_dir=access_dir)
        store = security.user_store(cfg)
        for name, role in (("vera", "viewer"), ("anna", "analyst"), ("adam", "admin")):
            store.add(name, role=role, password=PASSWORD)
        yield create_app(cfg)


@pytest.fixture(scope="module")
def store(app, access_dir, config):
    return security.user_store(config.with_(data_dir=access_dir))


def login(app, name: str, password: str = PASSWORD, address: str = "127.0.0.1"):
    """Returns a test client logged in as `name`, holding the page's CSRF cookie."""
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post("/login", data={"name": name, "password": password, "csrf_token": token, "next": "/"})
    assert response.status_code == 302, response.text
    assert client.get("/").status_code == 200  # the index hands out the CSRF cookie
    return client


def csrf(client) -> dict:
    return {security.CSRF_HEADER: client.get_cookie(security.CSRF_COOKIE).value}


def callback_body(app, first_output: str, values: dict, changed: str) -> dict:
    """A Dash callback request as the renderer sends it: the callback whose output key has `first_output`."""
    key = next(k for k in app.callback_map if first_output in k)
    spec = app.callback_map[key]

    def items(kind):
        return [
            {"id": str(i["id"]), "property": i["property"], "value": values.get(f"{i['id']}.{i['property']}")}
            for i in spec[kind]
        ]

    outputs = [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in key.strip(".").split("...")]
    return {
        "output": key,
        "outputs": outputs,
        "inputs": items("inputs"),
        "state": items("state"),
        "changedPropIds": [changed],
    }


def last_audit(store, action: str | None = None):
    return store.audit(limit=1, action=action).iloc[0]


def test_pages_need_a_log_in(app):
    client = app.server.test_client()
    response = client.get("/transactional")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    assert client.get("/export/numbers.csv?dispatch=1&status=delivered").status_code == 401
    assert client.post("/_dash-update-component", json={}).status_code == 401
    assert client.get("/health").status_code == 200 and client.get("/login").status_code == 200
    assert client.get("/vendor/bootstrap/css/bootstrap.min.css").status_code == 200


def test_login_page_in_both_languages_and_session_cookie(app):
    client = app.server.test_client()
    assert "Nazwa użytkownika" in client.get("/login?lang=pl").text
    assert "User name" in client.get("/login?lang=en").text
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post("/login", data={"name": "vera", "password": PASSWORD, "csrf_token": token})
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("smsreports_session="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    https = app.server.test_client()
    page = https.get("/login", base_url="https://localhost")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = https.post(
        "/login",
        data={"name": "vera", "password": PASSWORD, "csrf_token": token},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
    )
    assert response.status_code == 302
    assert "Secure" in next(
        v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("smsreports_session=")
    )


def test_login_without_csrf_token_is_refused(app):
    client = app.server.test_client()
    client.get("/login")
    assert client.post("/login", data={"name": "vera", "password": PASSWORD}).status_code == 400


def test_viewer_cannot_download_numbers_and_it_is_on_record(app, store):
    client = login(app, "vera")
    for url in (
        "/export/numbers.csv?dispatch=1&status=delivered",
        "/export/numbers.xml?dispatch=1&status=delivered",
        "/export/transactional-messages.csv?from=2026-10-01&to=2026-11-20&campaign=x",
        "/admin/audit.csv",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        row = last_audit(store, "denied")
        assert (row["who"], row["role"], row["outcome"], row["target"]) == (
            "vera",
            "viewer",
            "denied",
            url.split("?")[0],
        )
    assert row["filter"] == ""  # no query arguments asked for
    assert client.get("/admin").status_code == 200  # the page shell loads; its content is refused (below)


def test_forged_callbacks_of_a_viewer_get_403(app, store):
    client = login(app, "vera")
    before = len(store.audit(limit=10_000))
    group = callback_body(app, f"{Camp.CHANGES}.data", {}, f"{Camp.GROUP}.n_clicks")
    response = client.post("/_dash-update-component", json=group, headers=csrf(client))
    assert response.status_code == 403
    row = last_audit(store, "denied")
    assert row["who"] == "vera" and Camp.CHANGES in row["detail"]
    admin = callback_body(app, "admin-users.children", {}, "admin-refresh.n_clicks")
    assert client.post("/_dash-update-component", json=admin, headers=csrf(client)).status_code == 403
    unknown = {**group, "output": "made-up.children"}
    assert client.post("/_dash-update-component", json=unknown, headers=csrf(client)).status_code == 403
    assert len(store.audit(limit=10_000)) == before + 3


def test_callback_without_csrf_token_is_refused(app):
    client = login(app, "anna")
    body = callback_body(
        app,
        f"{Sms.DETAILS}.is_open",
        {f"{Sms.GRID}.cellClicked": {"colId": "details", "rowId": "1"}},
        f"{Sms.GRID}.cellClicked",
    )
    assert client.post("/_dash-update-component", json=body).status_code == 400
    assert (
        client.post("/_dash-update-component", json=body, headers={security.CSRF_HEADER: "forged"}).status_code == 400
    )
    assert client.post("/_dash-update-component", json=body, headers=csrf(client)).status_code == 200


def _details(client, app, number: int) -> str:
    body = callback_body(
        app,
        f"{Sms.DETAILS}.is_open",
        {f"{Sms.GRID}.cellClicked": {"colId": "details", "rowId": str(number)}, "shell-lang.data": "en"},
        f"{Sms.GRID}.cellClicked",
    )
    response = client.post("/_dash-update-component", json=body, headers=csrf(client))
    assert response.status_code == 200
    return response.text.replace("\\/", "/").replace("\\u002f", "/")


def _trx_open(client, app, key: str) -> str:
    values = {f"{Trx.PERIOD_PRESET}.value": "all", f"{Trx.OPEN}.data": [key], "shell-lang.data": "en"}
    body = callback_body(app, f"{Trx.PERIOD_LABEL}.children", values, f"{Trx.OPEN}.data")
    response = client.post("/_dash-update-component", json=body, headers=csrf(client))
    assert response.status_code == 200
    return response.text.replace("\\/", "/").replace("\\u002f", "/")


def test_numbers_never_reach_a_viewers_browser(app, frames):
    number = int(frames["dispatches"]["number"].iloc[0])
    key = next(m for m in frames["messages"]["campaign_label"].dropna().unique())
    viewer, analyst = login(app, "vera"), login(app, "anna")
    seen = _details(viewer, app, number)
    assert "/export/numbers" not in seen and not FULL_NUMBER.search(seen)
    assert "/export/numbers" in _details(analyst, app, number)
    from data.queries.transactional import Campaign

    trx_key = Campaign(key).key
    seen = _trx_open(viewer, app, trx_key)
    assert not FULL_NUMBER.search(seen) and "transactional-messages" not in seen
    assert "*" in seen  # the latest messages are there, masked
    assert "transactional-messages" in _trx_open(analyst, app, trx_key)


def test_analyst_download_is_audited_with_rows_and_hash(app, store, frames):
    m = frames["messages"]
    dispatch_id = m.loc[m["source"] == "bulk", "dispatch_id"].iloc[0]
    number = int(frames["dispatches"].set_index("dispatch_id").loc[dispatch_id, "number"])
    client = login(app, "anna")
    url = f"/export/numbers.csv?dispatch={number}&status=delivered&lang=en"
    response = client.get(url)
    assert response.status_code == 200
    body = response.data
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    row = last_audit(store, "export")
    assert (row["who"], row["role"], row["action"], row["outcome"], row["format"]) == (
        "anna",
        "analyst",
        "export.numbers",
        "ok",
        "csv",
    )
    assert row["rows"] == len(rows) - 1 and row["bytes"] == len(body)
    assert row["sha256"] == hashlib.sha256(body).hexdigest()
    assert json.loads(row["filter"]) == {"dispatch": str(number), "status": "delivered", "lang": "en"}
    docx = client.get("/export/dispatches.docx?from=2026-10-01&to=2026-11-20")
    assert docx.status_code == 200 and docx.data  # received whole: its record ends
    row = last_audit(store, "export")
    assert row["action"] == "export.dispatches" and row["sha256"] == hashlib.sha256(docx.data).hexdigest()
    shown = Document(io.BytesIO(docx.data)).tables[-1]  # the dispatches table: a header, then a row each
    assert row["rows"] == len(shown.rows) - 1 > 0


def test_admin_sees_and_downloads_the_audit(app, store):
    client = login(app, "adam")
    body = callback_body(app, "admin-users.children", {"admin-audit-action.value": ""}, "admin-refresh.n_clicks")
    response = client.post("/_dash-update-component", json=body, headers=csrf(client))
    assert response.status_code == 200 and "vera" in response.text and "denied" in response.text
    audit = client.get("/admin/audit.csv?lang=en")
    assert audit.status_code == 200
    rows = list(csv.reader(io.StringIO(audit.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "When (UTC)", "Who"] and len(rows) > 5


def test_audit_cannot_be_changed(store):
    import sqlite3

    con = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("UPDATE access_audit SET who = 'nobody'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("DELETE FROM access_audit")
    con.close()


def test_security_headers_on_every_response(app):
    client = login(app, "vera")
    for url in ("/", "/login", "/health", "/_dash-layout", "/export/numbers.csv?dispatch=1&status=delivered"):
        headers = client.get(url).headers
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff", url
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"] and headers["Referrer-Policy"]
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self' 'sha256-" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


def test_login_rate_limit_per_user_and_address(app, store):
    store.add("zoe", role="viewer", password=PASSWORD)  # her own name: the others log in after this test
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    page = client.get("/login?lang=en")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    codes = [
        client.post("/login", data={"name": "zoe", "password": "wrong", "csrf_token": token}).status_code
        for _ in range(6)
    ]
    assert codes == [401] * 5 + [429]
    refused = client.post("/login", data={"name": "zoe", "password": PASSWORD, "csrf_token": token, "lang": "en"})
    assert refused.status_code == 429 and "Too many failed log-ins" in refused.text
    assert last_audit(store, "login")["outcome"] == "refused"
    # from an address that failed too, the name is refused for the minute
    failing = app.server.test_client()
    failing.environ_base["REMOTE_ADDR"] = "10.9.9.11"
    token = re.search(r'name="csrf_token" value="([^"]+)"', failing.get("/login").text).group(1)
    assert failing.post("/login", data={"name": "zoe", "password": "wrong", "csrf_token": token}).status_code == 401
    assert failing.post("/login", data={"name": "zoe", "password": PASSWORD, "csrf_token": token}).status_code == 429
    # nobody locks zoe out: her right password from an address with no failures gets in, after a short wait
    other = app.server.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.9.9.10"
    token = re.search(r'name="csrf_token" value="([^"]+)"', other.get("/login").text).group(1)
    assert other.post("/login", data={"name": "zoe", "password": PASSWORD, "csrf_token": token}).status_code == 302
    assert other.get("/_dash-layout").status_code == 200


def test_parallel_wrong_passwords_are_checked_five_times_at_most(app, store, monkeypatch):
    """Thirty wrong passwords at once for one name: each is counted before its password is checked."""
    import threading

    store.add("yuri", role="viewer", password=PASSWORD)
    checked = []
    with app.server.app_context():
        app_store = security._state().users.store

    class SlowHasher:
        """The app's hasher, counting the passwords it checks; each check takes as long as a real argon2 one."""

        def __init__(self, inner):
            self.inner = inner

        def verify(self, digest, password):
            checked.append(password)
            time.sleep(0.05)
            return self.inner.verify(digest, password)

        def __getattr__(self, name):
            return getattr(self.inner, name)

    monkeypatch.setattr(app_store, "hasher", SlowHasher(app_store.hasher))
    clients = []
    for _ in range(30):
        client = app.server.test_client()
        client.environ_base["REMOTE_ADDR"] = "10.7.7.7"
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        clients.append((client, token))
    codes, start = [], threading.Barrier(30)

    def attempt(client, token):
        start.wait()
        codes.append(client.post("/login", data={"name": "yuri", "password": "wrong", "csrf_token": token}).status_code)

    threads = [threading.Thread(target=attempt, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checked) <= 5 and sorted(codes) == [401] * len(checked) + [429] * (30 - len(checked))


def test_a_replayed_cookie_opens_nothing_after_log_out(app, store):
    client = login(app, "anna")
    cookie = client.get_cookie("smsreports_session").value
    client.post("/logout", data={"csrf_token": client.get_cookie(security.CSRF_COOKIE).value})
    replay = app.server.test_client()
    replay.set_cookie("smsreports_session", cookie)
    assert replay.get("/export/numbers.csv?dispatch=1&status=delivered").status_code == 401
    assert replay.get("/").status_code == 302


@pytest.mark.parametrize(
    "change",
    [
        lambda store: store.set_role("anna", "analyst"),  # any change of the user ends their sessions
        lambda store: store.reset_password("anna", PASSWORD),
        lambda store: store.set_enabled("anna", True),
        lambda store: store.sessions.end_user("anna"),
    ],
)
def test_sessions_end_when_the_user_changes(app, store, change):
    client = login(app, "anna")
    assert client.get("/_dash-layout").status_code == 200
    change(store)
    assert not store.sessions.list("anna")
    assert client.get("/_dash-layout").status_code == 401  # at once, in every process: the row is gone


def test_campaign_change_is_made_and_recorded_as_the_user(app, store, frames, access_dir):
    from data.store.campaigns import CampaignStore
    from data.store.sqlite import store_path

    client = login(app, "anna")
    ids = list(frames["dispatches"]["dispatch_id"].iloc[:2])
    selected = [{"kind": "dispatch", "dispatch_id": d, "row_id": d} for d in ids]
    body = callback_body(
        app,
        f"{Camp.CHANGES}.data",
        {f"{Camp.GROUP}.n_clicks": 1, f"{Sms.GRID}.selectedRows": selected, "shell-lang.data": "en"},
        f"{Camp.GROUP}.n_clicks",
    )
    response = client.post("/_dash-update-component", json=body, headers=csrf(client))
    assert response.status_code == 200 and "grouped" in response.text.lower()
    assert CampaignStore(store_path(access_dir)).audit(limit=1).iloc[0]["who"] == "anna"
    row = last_audit(store, "campaign")
    assert (row["who"], row["role"], row["action"]) == ("anna", "analyst", "campaign.group")


def test_log_out_ends_the_session(app, store):
    client = login(app, "vera")
    assert client.post("/logout").status_code == 400  # without its CSRF token
    response = client.post("/logout", data={"csrf_token": client.get_cookie(security.CSRF_COOKIE).value})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302 and last_audit(store, "logout")["who"] == "vera"


def test_idle_sessions_end(app, config, access_dir):
    idle = create_app(config.with_(data_dir=access_dir, session_idle_hours=1.5 / 3600))
    client = login(idle, "vera")
    assert client.get("/_dash-layout").status_code == 200
    time.sleep(1.6)
    assert client.get("/_dash-layout").status_code == 401


def test_without_users_or_local_mode_nothing_is_served(config, tmp_path):
    """A new data directory, or one whose store was deleted: without `serve --local`, nobody gets in."""
    (tmp_path / "lake").symlink_to(config.lake_dir, target_is_directory=True)
    closed = create_app(config.with_(data_dir=tmp_path, local_mode=False)).server.test_client()
    assert closed.get("/").status_code == 302 and closed.get("/login").status_code == 200
    assert "users add NAME --role admin" in closed.get("/login?lang=en").text
    assert closed.get("/export/numbers.csv?dispatch=1&status=delivered").status_code == 401
    assert closed.get("/admin/audit.csv").status_code == 401 and closed.get("/_dash-layout").status_code == 401


def test_deleting_the_store_of_a_running_app_opens_nothing(access_dir, config, tmp_path):
    import shutil

    data = tmp_path / "data"
    (data).mkdir()
    (data / "lake").symlink_to(config.lake_dir, target_is_directory=True)
    shutil.copy(access_dir / "store.sqlite", data / "store.sqlite")  # adam, anna, vera...
    running = create_app(config.with_(data_dir=data, local_mode=False))
    for name in ("store.sqlite", "store.sqlite-wal", "store.sqlite-shm"):
        (data / name).unlink(missing_ok=True)
    client = running.server.test_client()
    time.sleep(security.CACHE_S + 0.1)  # what the process remembered of the users table is gone too
    assert client.get("/export/numbers.csv?dispatch=1&status=delivered").status_code == 401
    assert client.get("/").status_code == 302


def test_local_mode_serves_this_computer_only(config, tmp_path):
    (tmp_path / "lake").symlink_to(config.lake_dir, target_is_directory=True)
    local = create_app(config.with_(data_dir=tmp_path))
    assert config.local_mode  # the tests' settings ask for it, as `make run` does
    client = local.server.test_client()
    assert client.get("/").status_code == 200 and client.get("/login").status_code == 302
    client.get("/")
    body = callback_body(
        local, "shell-navbar.children", {"shell-url.pathname": "/", "shell-lang.data": "en"}, "shell-url.pathname"
    )
    response = client.post("/_dash-update-component", json=body, headers=csrf(client))
    assert response.status_code == 200 and "Local mode" in response.text
    far = local.server.test_client()
    far.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert (
        far.get("/").status_code == 403
        and far.get("/export/numbers.csv?dispatch=1&status=delivered").status_code == 403
    )


def test_a_stream_that_breaks_or_is_dropped_is_on_record(app, store, frames, monkeypatch):
    from web import routes

    number = int(frames["dispatches"]["number"].iloc[0])
    url = f"/export/numbers.csv?dispatch={number}&status=delivered"

    def broken(*_args, **_kwargs):
        yield b'"Numer telefonu"\r\n"48600100200"\r\n'
        raise OSError("disk gone")

    client = login(app, "anna")
    with monkeypatch.context() as mp:
        mp.setattr(routes, "numbers_csv", broken)
        with pytest.raises(OSError):
            client.get(url).data  # noqa: B018
    row = last_audit(store, "export")
    assert (row["outcome"], row["rows"], row["bytes"]) == ("failed", 1, 33) and "disk gone" in row["detail"]
    response = client.get(url, buffered=False)
    next(iter(response.response))
    response.close()  # the client went away after the first chunk
    row = last_audit(store, "export")
    assert row["outcome"] == "aborted" and row["bytes"] > 0


def test_behind_a_trusted_proxy_the_client_address_and_https_count(config, access_dir):
    proxied = create_app(config.with_(data_dir=access_dir, trusted_proxies=1))
    client = proxied.server.test_client()
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    page = client.get("/login", headers=headers)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/login",
        data={"name": "vera", "password": PASSWORD, "csrf_token": token},
        headers={**headers, "Referer": "https://localhost/login"},
    )
    assert response.status_code == 302
    assert "Secure" in next(
        v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("smsreports_session=")
    )
    assert security.user_store(config.with_(data_dir=access_dir)).audit(limit=1).iloc[0]["address"] == "203.0.113.9"


def test_admin_adds_and_changes_users_in_the_app(app, store):
    client = login(app, "adam")

    def post(values, trigger):
        body = callback_body(app, "admin-users.children", {"shell-lang.data": "en", **values}, trigger)
        response = client.post("/_dash-update-component", json=body, headers=csrf(client))
        assert response.status_code == 200
        return response.json["response"]

    out = post(
        {
            "admin-new-name.value": "nina",
            "admin-new-role.value": "analyst",
            "admin-new-password.value": "long-password",
        },
        "admin-add.n_clicks",
    )
    assert out["admin-new-password"]["value"] == "" and "nina" in out["admin-change-user"]["options"]
    assert store.authenticate("nina", "long-password").role == "analyst"
    assert last_audit(store, "users")["detail"] == "nina:analyst"
    out = post(
        {"admin-new-name.value": "x", "admin-new-role.value": "viewer", "admin-new-password.value": "short"},
        "admin-add.n_clicks",
    )
    assert "at least 8 characters" in json.dumps(out["admin-message"])
    post({"admin-change-user.value": "nina", "admin-change-action.value": "role:viewer"}, "admin-apply.n_clicks")
    post({"admin-change-user.value": "nina", "admin-change-action.value": "disable"}, "admin-apply.n_clicks")
    assert store.get("nina").role == "viewer" and not store.get("nina").enabled
    out = post({"admin-change-user.value": "adam", "admin-change-action.value": "disable"}, "admin-apply.n_clicks")
    assert "your own account" in json.dumps(out["admin-message"]) and store.get("adam").enabled
    viewer = login(app, "vera")
    body = callback_body(
        app,
        "admin-users.children",
        {"admin-new-name.value": "evil", "admin-new-role.value": "admin", "admin-new-password.value": "long-password"},
        "admin-add.n_clicks",
    )
    assert viewer.post("/_dash-update-component", json=body, headers=csrf(viewer)).status_code == 403
    assert store.get("evil") is None


def test_admin_sees_a_users_open_sessions_and_ends_them(app, store):
    vera = login(app, "vera", address="10.1.2.3")
    admin = login(app, "adam")

    def post(values, trigger):
        body = callback_body(app, "admin-users.children", {"shell-lang.data": "en", **values}, trigger)
        response = admin.post("/_dash-update-component", json=body, headers=csrf(admin))
        assert response.status_code == 200
        return response.json["response"]

    shown = json.dumps(post({}, "admin-refresh.n_clicks")["admin-sessions"])
    assert '"data-session-user": "vera"' in shown and "10.1.2.3" in shown
    out = post({"admin-change-user.value": "vera", "admin-change-action.value": "end_sessions"}, "admin-apply.n_clicks")
    assert '"data-session-user": "vera"' not in json.dumps(out["admin-sessions"])
    assert vera.get("/_dash-layout").status_code == 401 and admin.get("/_dash-layout").status_code == 200
    assert last_audit(store, "users")["action"] == "users.end_sessions"


def test_a_download_that_cannot_be_recorded_is_refused(app, store, frames, monkeypatch, caplog):
    import logging
    import sqlite3

    from data.store import sqlite as sqlite_module

    number = int(frames["dispatches"]["number"].iloc[0])
    analyst, admin = login(app, "anna"), login(app, "adam")
    rows_before = len(list(store.audit_rows()))
    real_connect = sqlite3.connect

    def read_only(target, *args, **kwargs):  # what a read-only mount or a full disk leaves of the store
        return real_connect(f"file:{target}?mode=ro", *args, uri=True, **kwargs)

    monkeypatch.setattr(sqlite_module.sqlite3, "connect", read_only)
    caplog.set_level(logging.ERROR)
    for client, url in (
        (analyst, f"/export/numbers.csv?dispatch={number}&status=delivered&lang=en"),
        (analyst, f"/export/numbers.xml?dispatch={number}&status=delivered&lang=en"),
        (analyst, "/export/dispatches.docx?from=2026-10-01&to=2026-11-20&lang=en"),
        (analyst, "/export/transactional-messages.csv?from=2026-10-01&to=2026-11-20&campaign=none&lang=en"),
        (admin, "/admin/audit.csv?lang=en"),
    ):
        response = client.get(url)
        assert response.status_code == 503, url
        assert "cannot be recorded in the access log" in response.text and "48" not in response.text, url
    refusals = [r for r in caplog.records if "download refused" in r.getMessage()]
    assert len(refusals) == 5 and not any(r.exc_info for r in caplog.records)
    assert "anna" in refusals[0].getMessage() and "/export/numbers.csv" in refusals[0].getMessage()
    monkeypatch.undo()
    assert len(list(store.audit_rows())) == rows_before  # nothing was recorded, and nothing was sent


def test_admin_sees_whether_the_chain_holds_and_interrupted_downloads(app, store, monkeypatch):
    """(It breaks the chain of this module's access log: no test after it may expect the chain to hold.)"""
    import sqlite3

    from data.store import audit as audit_module
    from data.store.audit import AuditEvent

    store.access.start(AuditEvent(who="anna", role="analyst", address="10.0.0.5", action="export.numbers"))
    client = login(app, "adam")

    def shown() -> str:
        body = callback_body(app, "admin-users.children", {"shell-lang.data": "en"}, "admin-refresh.n_clicks")
        response = client.post("/_dash-update-component", json=body, headers=csrf(client))
        assert response.status_code == 200
        return json.dumps(response.json["response"])

    page = shown()
    assert '"data-chain": "ok"' in page and "Intact" in page and '"interrupted"' in page
    con = sqlite3.connect(store.path, isolation_level=None)  # someone with write access to the file
    con.execute("DROP TRIGGER access_audit_no_update")
    con.execute("UPDATE access_audit SET who = 'someone else' WHERE id = 2")
    con.close()
    monkeypatch.setattr(audit_module, "FULL_CHECK_S", 0)  # the page checks the whole chain every few minutes
    page = shown()
    assert '"data-chain": "broken"' in page and "Broken at row 2" in page


def test_a_download_failing_before_its_first_byte_is_answered_with_every_header(app, frames, monkeypatch):
    from data.db import LakeUnavailable
    from web import routes

    number = int(frames["dispatches"]["number"].iloc[0])
    client = login(app, "anna")
    for fault, status in ((OSError("No space left on device"), 500), (LakeUnavailable("no lake at /x"), 503)):

        def failing(*_args, fault=fault, **_kwargs):
            raise fault
            yield b""  # a generator, as the real one

        monkeypatch.setattr(routes, "numbers_csv", failing)
        response = client.get(f"/export/numbers.csv?dispatch={number}&status=delivered&lang=en")
        assert response.status_code == status and "Content-Disposition" not in response.headers
        assert (
            response.headers["X-Frame-Options"] == "DENY"
            and "frame-ancestors 'none'" in (response.headers["Content-Security-Policy"])
        )
        assert response.text and "Traceback" not in response.text


def test_an_active_session_keeps_its_cookie_alive(app, store):
    """The cookie expires after the idle time; a session in use gets it again (with its last-seen time)."""
    import sqlite3

    client = login(app, "vera")
    quiet = client.get("/_dash-layout")
    assert quiet.status_code == 200 and "smsreports_session=" not in quiet.headers.get("Set-Cookie", "")
    con = sqlite3.connect(store.path, isolation_level=None)
    con.execute("UPDATE sessions SET last_seen = last_seen - ? WHERE user = 'vera'", (security.SEEN_EVERY_S + 1,))
    con.close()
    again = client.get("/_dash-layout")
    cookies = [v for k, v in again.headers.items() if k == "Set-Cookie" and v.startswith("smsreports_session=")]
    assert again.status_code == 200 and cookies and "Expires=" in cookies[0]
    assert time.time() - store.sessions.list("vera")[0].last_seen < 5


def test_hooks_are_the_only_endpoints_open_without_a_session(app):
    endpoints = {rule.endpoint for rule in app.server.url_map.iter_rules()}
    assert endpoints <= set(security.PUBLIC) | security.HOOKS | set(security.ENDPOINT_ROLES)
    assert security.HOOKS == {r.endpoint for r in app.server.url_map.iter_rules() if r.rule.startswith("/hooks/")}
    assert not security.HOOKS & (set(security.PUBLIC) | set(security.ENDPOINT_ROLES))
    client = app.server.test_client()
    # a provider's POST needs no session and no CSRF token, but no secret is set here: refused by the hook itself
    assert client.post("/hooks/canonical", data=b"{}", headers={"Authorization": "Bearer x"}).status_code == 403
    for path in ("/hooks/../export/numbers.csv?dispatch=1&status=delivered", "/hooks/x/../../admin/audit.csv"):
        response = client.get(path)  # the log-in page or 401: a session is needed as anywhere else
        assert response.status_code == 401 or response.headers["Location"].startswith("/login?"), path
    assert client.post("/_dash-update-component", json={}).status_code == 401
