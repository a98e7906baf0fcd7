"""The disk fills up during an export or an ingest.

A file export ends in a clean error and leaves no file (not even a partial one) at
the destination; an ingest leaves the lake as it was; a streamed HTTP download that
fails midway ends as a broken download (the chunked body is never terminated), so
no client can take the short file for a whole one.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import requests
from typer.testing import CliRunner

import cli as cli_module
import cli.args
from bench.server import worker_processes
from data.lake import Lake
from tests.conftest import TZ, UNTIL
from tests.faults.conftest import start_server

pytestmark = pytest.mark.slow


class _FullDisk:
    """Stands for the `os` module in cli/args.py: files it opens take `room` bytes, then fail with ENOSPC."""

    def __init__(self, room: int):
        self.room = room

    def __getattr__(self, name):
        return getattr(os, name)

    def fdopen(self, fd, mode="r", *args, **kwargs):
        real = os.fdopen(fd, mode, *args, **kwargs)
        room = self

        class Handle:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                real.close()

            def write(self, data):
                if len(data) > room.room:
                    real.write(data[: room.room])
                    room.room = 0
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                room.room -= len(data)
                return real.write(data)

        return Handle()


@pytest.fixture
def cli_env(data_copy, monkeypatch):
    monkeypatch.setenv("SMSREPORTS_DATA_DIR", str(data_copy))
    monkeypatch.setenv("SMSREPORTS_TIMEZONE", TZ)
    return data_copy


def test_cli_export_on_a_full_disk_leaves_no_file(cli_env, tmp_path, monkeypatch, fmt="csv"):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / f"report.{fmt}"
    out.write_bytes(b"the previous report")  # an older file there stays as it was
    monkeypatch.setattr(cli.args, "os", _FullDisk(room=300))
    result = CliRunner().invoke(
        cli_module.cli,
        [
            "export",
            "dispatches",
            "--from",
            "2020-01-01",
            "--to",
            UNTIL.isoformat(),
            "--format",
            fmt,
            "--out",
            str(out),
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 2, result.output
    assert "No space left on device" in result.output and "Traceback" not in result.output
    assert out.read_bytes() == b"the previous report"
    assert sorted(p.name for p in out_dir.iterdir()) == [out.name], "no temporary file left behind"


def test_ingest_on_a_full_disk_leaves_the_lake_unchanged(cli_env, tmp_path, monkeypatch):
    lake = Lake(cli_env / "lake")
    before = lake.snapshot()
    versions = sorted(p.name for p in lake.snapshots_dir.iterdir())
    logs = tmp_path / "logs.csv"
    logs.write_text(
        "message_id,provider,dispatch_id,msisdn,created_at,status\n"
        f"fault-1,demo,,+48600100200,{UNTIL.isoformat()}T10:00:00+00:00,delivered\n",
        encoding="utf-8",
    )
    real_write = pq.write_table

    def write_half(table, where, *args, **kwargs):
        real_write(table, where, *args, **kwargs)
        Path(where).write_bytes(Path(where).read_bytes()[:100])  # what was on disk when it filled up
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pq, "write_table", write_half)
    result = CliRunner().invoke(cli_module.cli, ["ingest", str(logs), "--format", "canonical"])
    assert result.exit_code == 2, result.output
    assert "No space left on device" in result.output and "lake is unchanged" in result.output
    assert "Traceback" not in result.output
    assert lake.snapshot() == before
    assert sorted(p.name for p in lake.snapshots_dir.iterdir()) == versions, "the unpublished version was removed"


@pytest.mark.parametrize("workers", [1, 2], ids=["waitress", "gunicorn"])
def test_streamed_download_failing_midway_is_a_broken_download(data_copy, frames, workers):
    m = frames["messages"]
    delivered = m[(m["source"] == "bulk") & (m["status"] == "delivered")]["dispatch_id"].value_counts()
    failing, whole = delivered.index[0], delivered.index[1]
    numbers = frames["dispatches"].set_index("dispatch_id")["number"]
    server = start_server(
        data_copy,
        workers=workers,
        module="tests.faults.faulty_server",
        env={"SMSREPORTS_FAULT_DISPATCH": failing, "SMSREPORTS_EXPORT_BATCH_ROWS": "100"},
        local=True,
    )
    try:
        if workers > 1:
            assert len(worker_processes(server.proc.pid)) == workers, "one process per worker"
        ok = requests.get(f"{server.base}/export/numbers.csv?dispatch={numbers[whole]}&status=delivered", timeout=30)
        assert ok.status_code == 200 and len(ok.content.decode("utf-8-sig").splitlines()) == delivered[whole] + 1
        response = requests.get(
            f"{server.base}/export/numbers.csv?dispatch={numbers[failing]}&status=delivered", stream=True, timeout=30
        )
        assert response.status_code == 200 and response.headers.get("Transfer-Encoding") == "chunked"
        assert "Content-Length" not in response.headers
        with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
            for _chunk in response.iter_content(8192):
                pass
        assert requests.get(server.base + "/health", timeout=5).ok, "the server goes on serving"
    finally:
        log = server.stop()
    assert "No space left on device" in log
