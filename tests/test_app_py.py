"""`python app.py ...` itself, one smoke test per command group in a process of its own: the entry point, the
exit codes and what reaches stdout and stderr. What each command does is tested in-process (tests/test_cli.py,
tests/test_users_cli.py, tests/data/ingest/test_cli.py)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys

import pytest

from config import ROOT
from tests.conftest import TZ

pytestmark = pytest.mark.slow


def app_py(args, data_dir, input=None) -> subprocess.CompletedProcess:
    """Returns the outcome of `python app.py *args` over `data_dir`, run in a new process."""
    env = {**os.environ, "SMSREPORTS_DATA_DIR": str(data_dir), "SMSREPORTS_TIMEZONE": TZ}
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py"), *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        input=input,
    )


def test_export(demo_dir, tmp_path, frames):
    number = int(frames["dispatches"]["number"].iloc[0])
    out = tmp_path / "n.csv"
    result = app_py(
        ["export", "numbers", "--dispatch", number, "--status", "delivered", "--format", "csv", "--out", out], demo_dir
    )
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    assert next(csv.reader(io.StringIO(out.read_text("utf-8-sig")), delimiter=";"))[0]
    bad = app_py(
        [
            "export",
            "numbers",
            "--dispatch",
            "999999",
            "--status",
            "delivered",
            "--format",
            "csv",
            "--out",
            tmp_path / "x.csv",
        ],
        demo_dir,
    )
    assert bad.returncode == 2 and bad.stderr == "error: unknown dispatch number 999999\n", bad.stderr
    assert not (tmp_path / "x.csv").exists()


def test_campaigns(demo_dir, tmp_path, frames):
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data, symlinks=True)
    numbers = sorted(int(n) for n in frames["dispatches"]["number"].iloc[:2])
    result = app_py(["campaigns", "group", "--name", "Black Friday", *numbers], data)
    assert result.returncode == 0, result.stderr
    cid = result.stdout.strip()
    listed = app_py(["campaigns", "list"], data)
    assert listed.returncode == 0 and listed.stdout == f"{cid}\tBlack Friday\t{numbers[0]}, {numbers[1]}\t\n"


def test_users(tmp_path):
    from config import Config
    from web.security import user_store

    result = app_py(["users", "add", "ala", "--role", "analyst"], tmp_path, input="long-password\n")  # stdin, not a tty
    assert result.returncode == 0 and result.stdout == "added ala (analyst)\n", result.stderr
    assert user_store(Config(data_dir=tmp_path)).authenticate("ala", "long-password").role == "analyst"


def test_lake_commands_ingest(tmp_path):
    from tests.data.ingest.conftest import SAMPLES

    result = app_py(["ingest", SAMPLES / "canonical.csv", "--json"], tmp_path / "data")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["messages_new"] > 0 and (tmp_path / "data" / "lake").exists()


def test_serve_refuses_an_open_address_without_users(tmp_path):
    result = app_py(["serve", "--host", "0.0.0.0", "--port", "1"], tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no users defined" in result.stderr
