"""`serve --workers N`, liveness and readiness (gunicorn itself runs in test_disk_full.py and test_load.py)."""

from __future__ import annotations

import os

import pytest

from app import create_app
from config import Config
from data.db import Db
from data.lake import Lake
from data.store.sqlite import store_path
from tests.conftest import TZ
from web.serving import gunicorn_options

pytestmark = pytest.mark.slow


def test_health_touches_nothing_and_sets_no_cookie(copy_config, monkeypatch):
    import sqlite3

    import duckdb

    client = create_app(copy_config).server.test_client()

    def touched(*_args, **_kwargs):
        raise AssertionError("/health touched a database")

    monkeypatch.setattr(Db, "sources", touched)
    monkeypatch.setattr(Db, "cursor", touched)
    monkeypatch.setattr(sqlite3, "connect", touched)
    monkeypatch.setattr(duckdb, "connect", touched)
    response = client.get("/health")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_ready_names_the_store_when_it_fails(copy_config):
    client = create_app(copy_config).server.test_client()
    store = store_path(copy_config.data_dir)
    for extra in ("-wal", "-shm"):
        store.with_name(store.name + extra).unlink(missing_ok=True)
    store.write_bytes(b"this is not a database" * 100)
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json["failed"] == ["store"] and response.json["checks"]["lake"] == "ok"
    assert "Set-Cookie" not in response.headers


def test_ready_names_the_lake_when_it_fails(tmp_path):
    response = create_app(Config(data_dir=tmp_path, timezone=TZ)).server.test_client().get("/ready")
    assert response.status_code == 503 and response.json["failed"] == ["lake"]


def test_db_opens_its_own_connection_after_fork(copy_config):
    db = Db(Lake(copy_config.lake_dir), tz=TZ)
    parent = db.cursor().execute("SELECT count(*) FROM " + db.sources()["daily"]).fetchall()
    pid = os.fork()
    if pid == 0:  # the child: a gunicorn worker forked from a process that had already queried
        code = 1
        try:
            con_before = db._con
            rows = db.cursor().execute("SELECT count(*) FROM " + db.sources()["daily"]).fetchall()
            code = 0 if rows == parent and db._con is not con_before else 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert db.cursor().execute("SELECT count(*) FROM " + db.sources()["daily"]).fetchall() == parent


def test_gunicorn_options_build_the_app_in_each_worker():
    options = gunicorn_options(host="127.0.0.1", port=8050, workers=3, threads=4)
    assert options["preload_app"] is False and options["workers"] == 3 and options["bind"] == "127.0.0.1:8050"


def test_serve_refuses_a_public_address_without_users_before_starting(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import cli as cli_module
    import cli.args
    from web import serving

    def started(*_args, **_kwargs):
        raise AssertionError("the server started")

    monkeypatch.setattr(serving, "serve", started)
    monkeypatch.setenv("SMSREPORTS_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli_module.cli, ["serve", "--host", "0.0.0.0", "--port", "18999", "--workers", "2"])
    assert result.exit_code == 2 and "no users defined" in result.output, result.output
    result = CliRunner().invoke(cli_module.cli, ["serve", "--workers", "0"])
    assert result.exit_code == 2 and "must be positive" in result.output


@pytest.mark.parametrize("workers", [2, 1], ids=["gunicorn", "waitress"])
def test_a_forged_forwarded_proto_never_makes_cookies_secure(data_copy, workers):
    """Without trusted proxies, `X-Forwarded-Proto: https` from a loopback client is a header like any other."""
    import requests

    from data.store.users import UserStore
    from tests.faults.conftest import start_server

    UserStore(store_path(data_copy)).add("ala", role="admin", password="long-password")
    server = start_server(data_copy, workers=workers)
    try:
        forged = {"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on", "X-Forwarded-Protocol": "ssl"}
        for _ in range(4):  # every worker
            response = requests.get(server.base + "/login", headers=forged, timeout=10)
            cookie = response.headers["Set-Cookie"]
            assert cookie.startswith("smsreports_session=") and "Secure" not in cookie, cookie
    finally:
        server.stop()


@pytest.mark.parametrize("workers", [2, 1], ids=["gunicorn", "waitress"])
def test_the_servers_own_error_pages_carry_the_security_headers(data_copy, workers):
    """A request line too long (gunicorn) or a malformed header (waitress) is answered by the server itself,
    before the app sees it: with the app's security headers all the same."""
    import socket
    from urllib.parse import urlsplit

    from tests.faults.conftest import start_server

    server = start_server(data_copy, workers=workers, local=True)
    try:
        host, port = urlsplit(server.base).hostname, urlsplit(server.base).port
        too_long = (
            f"GET /{'x' * 10_000} HTTP/1.1\r\nHost: {host}\r\n\r\n"  # gunicorn: a request line over 4094 bytes
            if workers > 1
            else f"GET / HTTP/1.1\r\nHost: {host}\r\nContent-Length: many\r\n\r\n"  # waitress: a bad header
        )
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(too_long.encode())
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        status = head.split("\r\n", 1)[0]
        assert status.split()[1] == ("414" if workers > 1 else "400"), head
        assert "X-Frame-Options: DENY" in head and "X-Content-Type-Options: nosniff" in head, head
        assert "Content-Security-Policy: default-src 'none'" in head and "Referrer-Policy" in head, head
    finally:
        server.stop()
