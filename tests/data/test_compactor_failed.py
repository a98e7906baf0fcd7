"""A callback whose import raises an error is set aside; it neither blocks the others nor is retried for ever.

No real input is known to make the import raise (that would be a defect of its own), so the import is made to raise
for callbacks carrying a marker: what is tested is the compactor's handling, whatever the error's cause.
"""

from __future__ import annotations

import errno
import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import data.compactor
from app import create_app
from cli import cli
from config import Config
from data.compactor import compact
from data.ingest.core import Options
from data.lake import Lake
from data.spool import Entry, Spool, now_iso, read_segment
from tests.conftest import TZ
from tests.faults.conftest import copy_data

OPTIONS = Options(tz=TZ)
MARK = "POISON"


def callback(n: int, mark: bool = False) -> Entry:
    record = {
        "message_id": f"{MARK if mark else 'good'}-{n:03d}",
        "provider": "smsapi",
        "source": "api",
        "msisdn": f"+4860120{n:04d}",
        "created_at": f"2026-11-{1 + n % 18:02d}T10:{n % 60:02d}:00+01:00",
        "done_at": f"2026-11-{1 + n % 18:02d}T10:{n % 60:02d}:20+01:00",
        "status": "delivered",
    }
    return Entry(now_iso(), "canonical", (json.dumps(record) + "\n").encode())


def lake_ids(data_dir) -> dict[str, str]:
    found = {}
    for path in Lake(data_dir / "lake").messages_dir.glob("month=*/*.parquet"):
        for row in pq.read_table(path, columns=["message_id", "status"]).to_pylist():
            found[row["message_id"]] = row["status"]
    return found


@pytest.fixture
def failing_import(monkeypatch):
    """The import raises `error` when one of its callbacks carries the marker; returns the list of its calls."""
    calls: list[int] = []
    current: list[Entry] = []
    state = {"error": KeyError("no such column: 'x'")}
    real_inputs, real_ingest = data.compactor.write_inputs, data.compactor.ingest

    def write_inputs(entries, work):
        current[:] = entries
        return real_inputs(entries, work)

    def ingest(*args, **kwargs):
        calls.append(len(current))
        if any(MARK.encode() in e.body for e in current):
            raise state["error"]
        return real_ingest(*args, **kwargs)

    monkeypatch.setattr(data.compactor, "write_inputs", write_inputs)
    monkeypatch.setattr(data.compactor, "ingest", ingest)
    return calls, state


def test_a_failing_callback_is_set_aside_and_the_others_land(demo_dir, tmp_path, failing_import):
    calls, _ = failing_import
    data_dir = copy_data(demo_dir, tmp_path / "data")
    spool = Spool(data_dir)
    good = [callback(n) for n in range(40)]
    poison = callback(7, mark=True)
    for entry in good[:23] + [poison] + good[23:]:
        spool.append(entry)

    done = compact(data_dir, options=OPTIONS, report_tz=TZ)

    assert done.callbacks == 41 and done.failed == 1
    assert done.summary.messages_new == 40
    stored = lake_ids(data_dir)
    assert {f"good-{n:03d}" for n in range(40)} <= stored.keys() and f"{MARK}-007" not in stored
    assert len(calls) <= 13, calls  # halving: about twice log2(41) imports, not one per callback
    # nothing lost: the callback is kept whole, as a segment, and the quarantine says why
    spool_dir = data_dir / "spool"
    assert not list(spool_dir.glob("*.ready")) and not list(spool_dir.glob("*.open"))
    [kept] = Spool(data_dir).failed()
    entries, damaged = read_segment(kept)
    assert entries == [poison] and damaged == []
    issues = [json.loads(x) for p in (data_dir / "quarantine").glob("*.jsonl") for x in p.read_text().splitlines()]
    [issue] = [i for i in issues if MARK in (i.get("raw") or "")]
    assert "import failed (KeyError" in issue["reason"] and kept.name in issue["reason"]
    # and monitoring sees it
    ready = create_app(Config(data_dir=data_dir, timezone=TZ, local_mode=True)).server.test_client().get("/ready")
    assert ready.status_code == 200 and ready.json["callbacks_set_aside"] == 1

    # not retried for ever: the next run has nothing to do
    calls.clear()
    again = compact(data_dir, options=OPTIONS, report_tz=TZ)
    assert again.callbacks == 0 and again.failed == 0 and calls == []


def test_after_a_fix_retry_failed_imports_the_set_aside_callbacks(demo_dir, tmp_path, failing_import, monkeypatch):
    data_dir = copy_data(demo_dir, tmp_path / "data")
    Spool(data_dir).append(callback(1, mark=True))
    assert compact(data_dir, options=OPTIONS, report_tz=TZ).failed == 1
    monkeypatch.undo()  # the fix

    env = {"SMSREPORTS_DATA_DIR": str(data_dir), "SMSREPORTS_TIMEZONE": TZ}
    result = CliRunner().invoke(cli, ["compact", "--retry-failed"], env=env, catch_exceptions=False)

    assert result.exit_code == 0, result.output
    assert "1 set-aside segment(s) back in the spool" in result.output
    assert "compacted 1 callbacks" in result.output
    assert lake_ids(data_dir)[f"{MARK}-001"] == "delivered"
    assert Spool(data_dir).failed() == []


def test_the_cli_says_when_a_callback_was_set_aside(demo_dir, tmp_path, failing_import):
    data_dir = copy_data(demo_dir, tmp_path / "data")
    Spool(data_dir).append(callback(2, mark=True))
    Spool(data_dir).append(callback(3))
    env = {"SMSREPORTS_DATA_DIR": str(data_dir), "SMSREPORTS_TIMEZONE": TZ}

    result = CliRunner().invoke(cli, ["compact"], env=env, catch_exceptions=False)

    assert result.exit_code == 0, result.output
    assert "error: 1 callback(s) failed to import even alone; kept in spool/failed/" in result.output
    assert "compact --retry-failed" in result.output
    assert "good-003" in lake_ids(data_dir)


@pytest.mark.parametrize(
    "error",
    [OSError(errno.ENOSPC, "No space left on device"), MemoryError()],
    ids=["disk-full", "memory"],
)
def test_an_error_of_the_machine_keeps_the_spool_for_the_next_run(demo_dir, tmp_path, failing_import, error):
    calls, state = failing_import
    state["error"] = error
    data_dir = copy_data(demo_dir, tmp_path / "data")
    spool = Spool(data_dir)
    for entry in [callback(1), callback(2, mark=True), callback(3)]:
        spool.append(entry)
    before = lake_ids(data_dir)

    with pytest.raises(type(error)):
        compact(data_dir, options=OPTIONS, report_tz=TZ)

    assert calls == [3]  # not halved: a callback is not to blame
    assert lake_ids(data_dir) == before
    assert Spool(data_dir).failed() == []
    [segment] = (data_dir / "spool").glob("*.ready")
    assert len(read_segment(segment)[0]) == 3
