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
