"""The commands that write the data directory, when things break (issue 18, points 13-15): `rollup` over a
damaged month, and `demo`, `rollup` and `users add` on a full disk, each end with one line and a non-zero
exit code, leaving nothing half-written; `demo` does not replace imported data unless told to; and what
they write is their owner's only."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cli import cli
from config import ROOT
from data.lake import Lake
from tests.conftest import TZ

pytestmark = pytest.mark.slow
FULL = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def run(args, data_dir, input=None):
    """Runs `python app.py *args` over `data_dir` in this process; returns the result (stdout, stderr apart)."""
    env = {"SMSREPORTS_DATA_DIR": str(data_dir), "SMSREPORTS_TIMEZONE": TZ}
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, input=input, catch_exceptions=False)


def one_line(result, *needles: str) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and all(n in lines[0] for n in needles), lines[0]
    assert "Traceback" not in result.output + result.stderr


def versions(lake: Lake) -> tuple:
    return lake.snapshot(), sorted(p.name for p in lake.snapshots_dir.iterdir())


def test_rollup_over_a_damaged_month_names_it_in_one_line(data_copy):
    lake = Lake(data_copy / "lake")
    month = sorted(p.name.removeprefix("month=") for p in lake.month_dirs())[-2]
    part = next((lake.messages_dir / f"month={month}").glob("*.parquet"))
    part.unlink()  # shared with the other version by a hard link: replaced, never written through
    part.write_bytes(b"PAR1 not a parquet file")
    before = versions(lake)
    one_line(run(["rollup"], data_copy), f"month {month}: its file cannot be read", "the lake is unchanged")
    assert versions(lake) == before


def test_rollup_on_a_full_disk(data_copy, monkeypatch):
    lake = Lake(data_copy / "lake")
    before = versions(lake)
    real_write = pq.write_table

    def full(table, where, *args, **kwargs):
        real_write(table, where, *args, **kwargs)
        os.truncate(where, 50)  # what was on disk when it filled up
        raise FULL

    monkeypatch.setattr(pq, "write_table", full)
    one_line(run(["rollup"], data_copy), "could not write the rollups", "No space left on device")
    assert versions(lake) == before


def test_demo_on_a_full_disk(data_copy, monkeypatch):
    from data.demo import writer

    lake = Lake(data_copy / "lake")
    before = versions(lake)

    class FullWriter(pq.ParquetWriter):
        def write_table(self, *args, **kwargs):
            raise FULL

    monkeypatch.setattr(writer.pq, "ParquetWriter", FullWriter)
    one_line(run(["demo", "--messages", 2000, "--until", "2026-11-20"], data_copy), "could not write the demo lake")
    assert versions(lake) == before


def test_users_add_on_a_full_disk(tmp_path, monkeypatch):
    import sqlite3

    from data.store import sqlite as store_sqlite
    from data.store.sqlite import Database

    assert run(["users", "list"], tmp_path).exit_code == 0  # the store exists, migrated
    real_connect = Database.connect

    class FullDisk:
        """A connection to a store whose disk is full: every write fails as SQLite says then."""

        def __init__(self, con):
            self._con = con

        def execute(self, sql, *args):
            if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
                raise sqlite3.OperationalError("database or disk is full")
            return self._con.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self._con, name)

    monkeypatch.setattr(Database, "connect", lambda self: FullDisk(real_connect(self)))
    one_line(run(["users", "add", "ala", "--role", "admin"], tmp_path, input="long-password\n"), "full disk")
    monkeypatch.undo()
    assert store_sqlite.Database(tmp_path / "store.sqlite").rows("SELECT count(*) FROM users")[0][0] == 0


def test_demo_does_not_replace_imported_data_without_force(tmp_path):
    from tests.data.ingest.conftest import SAMPLES

    assert run(["ingest", SAMPLES / "canonical.csv"], tmp_path).exit_code == 0
    lake = Lake(tmp_path / "lake")
    before = versions(lake)
    one_line(run(["demo", "--messages", 2000, "--until", "2026-11-20"], tmp_path), "holds imported data", "--force")
    assert versions(lake) == before
    result = run(["demo", "--messages", 2000, "--until", "2026-11-20", "--force"], tmp_path)
    assert result.exit_code == 0 and lake.snapshot() != before[0]
    again = run(["demo", "--messages", 2000, "--until", "2026-11-20", "--seed", 8], tmp_path)
    assert again.exit_code == 0, again.stderr  # a demo lake is replaced without asking


def test_the_data_directory_is_its_owners_only(tmp_path):
    """Run as a new process (its umask is the command's own business)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    (data_dir / "old-report.csv").write_text("left by an older version")
    os.chmod(data_dir / "old-report.csv", 0o644)
    env = {**os.environ, "SMSREPORTS_DATA_DIR": str(data_dir), "SMSREPORTS_TIMEZONE": TZ}
    done = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "demo", "--messages", "2000", "--until", "2026-11-20"],
        env={**env, "PYTHONUNBUFFERED": "1"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.umask(0o022),  # the usual umask: files 0644, folders 0755
    )
    assert done.returncode == 0, done.stderr
    modes = {}
    for folder, dirs, files in os.walk(data_dir):
        for name in [*dirs, *files]:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                modes[os.path.relpath(path, data_dir)] = stat.S_IMODE(os.lstat(path).st_mode)
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    parquet = {p: m for p, m in modes.items() if p.endswith(".parquet")}
    assert parquet and set(parquet.values()) == {0o600}, parquet
    assert {m for p, m in modes.items() if os.path.isdir(data_dir / p)} == {0o700}
    assert all(m & 0o077 == 0 for m in modes.values()), {p: oct(m) for p, m in modes.items() if m & 0o077}
