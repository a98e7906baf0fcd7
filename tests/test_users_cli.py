"""`users ...` and the refusal of `serve` on an open address without users, run in this process
(`python app.py` itself: tests/test_app_py.py)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli import cli as commands
from tests.test_cli import run


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("SMSREPORTS_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(commands, ["users", *args], input=input)


def test_users_add_list_set_role_disable_reset(cli, tmp_path):
    result = cli("add", "ala", "--role", "analyst", input="long-password\n")
    assert result.exit_code == 0 and "added ala (analyst)" in result.output
    assert cli("add", "ala", "--role", "admin", input="long-password\n").exit_code == 2
    assert "must have at least" in cli("add", "ola", "--role", "viewer", input="short\n").output
    assert "Unknown role" in cli("add", "ola", "--role", "boss", input="long-password\n").output
    assert cli("set-role", "ala", "admin").exit_code == 0
    assert cli("disable", "ala").exit_code == 0
    listed = cli("list").output.split("\t")
    assert listed[:3] == ["ala", "admin", "disabled"]
    assert cli("reset-password", "ala", input="another-password\n").exit_code == 0
    assert cli("reset-password", "ghost", input="another-password\n").exit_code == 2
    from config import Config
    from web.security import user_store

    store = user_store(Config(data_dir=tmp_path))
    assert store.authenticate("ala", "another-password") is None  # still disabled
    assert cli("disable", "ala", "--enable").exit_code == 0
    assert store.authenticate("ala", "another-password").role == "admin"
    # The last log-in in the reporting time zone (Europe/Warsaw by default), with its offset.
    import pandas as pd

    last = cli("list").output.strip().split("\t")[3]
    stored = pd.Timestamp(store.get("ala").last_login_at)
    assert pd.Timestamp(last) == stored and last == stored.tz_convert("Europe/Warsaw").isoformat()


def test_serve_refuses_an_open_address_without_users(tmp_path, monkeypatch):
    from web import serving

    def started(*_args, **_kwargs):
        raise AssertionError("the server started")

    monkeypatch.setattr(serving, "serve", started)  # in this process, a server that started would never return
    result = run(["serve", "--host", "0.0.0.0", "--port", "1"], tmp_path)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "no users defined" in result.stderr
    result = run(["serve", "--host", "0.0.0.0", "--port", "1", "--local"], tmp_path)  # local mode: this computer only
    assert result.exit_code == 2 and "bind to 127.0.0.1" in result.stderr


def test_serve_without_users_starts_only_in_local_mode(tmp_path, monkeypatch):
    from web import serving

    started = []
    monkeypatch.setattr(serving, "serve", lambda config, **kwargs: started.append(config))
    result = run(["serve", "--port", "1"], tmp_path)  # a new or emptied data directory: it does not open
    assert result.exit_code == 2 and not started
    assert result.stderr.count("\n") == 1 and "python app.py users add NAME --role admin" in result.stderr
    result = run(["serve", "--port", "1", "--local"], tmp_path)
    assert result.exit_code == 0 and started[0].local_mode


def test_users_sessions_lists_and_ends_them(cli, tmp_path):
    from config import Config
    from web.security import user_store

    assert cli("add", "ala", "--role", "analyst", input="long-password\n").exit_code == 0
    store = user_store(Config(data_dir=tmp_path))
    token = store.sessions.open("ala", address="10.0.0.7", user_agent="Firefox/140")
    listed = cli("sessions", "ala")
    assert listed.exit_code == 0 and "10.0.0.7" in listed.output and "Firefox/140" in listed.output
    assert token not in listed.output  # what logs in is never shown
    ended = cli("sessions", "ala", "--end")
    assert ended.exit_code == 0 and "ended 1 session" in ended.output
    assert store.sessions.find(token) is None and "no open session" in cli("sessions", "ala").output
    assert cli("sessions", "ghost").exit_code == 2


def test_a_password_typed_at_a_terminal_is_asked_twice_and_must_match(cli, monkeypatch):
    import io
    import types

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    answers = iter(["long-password", "long-password", "long-password", "other-password"])
    monkeypatch.setattr("cli.args.sys", types.SimpleNamespace(stdin=Terminal("")))  # CliRunner swaps sys.stdin
    monkeypatch.setattr("cli.args.typer.prompt", lambda text, hide_input: next(answers))
    assert cli("add", "ala", "--role", "analyst").exit_code == 0
    result = cli("add", "ola", "--role", "analyst")
    assert result.exit_code == 2 and "the two passwords differ" in result.output
    assert "ola" not in cli("list").output
