"""Faults in the lake: a month whose Parquet file is corrupt, or whose partition is gone.

Pages and exports answer with the months they can read and name the ones left out,
in the user's language and without a traceback.
"""

from __future__ import annotations

import csv
import io
import os
import shutil

import pytest
from typer.testing import CliRunner

import cli as cli_module
import cli.args
from app import create_app
from callbacks import sms as sms_cb
from callbacks import transactional as trx_cb
from config import Config
from data.db import MonthsUnreadable
from data.lake import Lake
from data.queries import sms as sms_queries
from tests.callbacks.test_sms import texts
from tests.conftest import TZ, UNTIL
from web.context import AppContext

pytestmark = pytest.mark.slow

START = "2020-01-01"


def _months(lake: Lake) -> list[str]:
    return [p.name.removeprefix("month=") for p in lake.month_dirs()]


def _expected_sent(frames, left_out: str) -> int:
    m = frames["messages"]
    month = m["created_at"].dt.tz_convert("UTC").dt.strftime("%Y-%m")
    return int(((m["source"] == "bulk") & (m["status"] != "not_sent") & (month != left_out)).sum())


@pytest.fixture
def broken(data_copy, frames):
    """The data copy with one month's messages file overwritten by garbage; yields (config dir, month)."""
    lake = Lake(data_copy / "lake")
    month = _months(lake)[-2]
    part = next((lake.messages_dir / f"month={month}").glob("*.parquet"))
    part.unlink()  # a hard link shared with the demo lake's other version: replace, never write through it
    part.write_bytes(b"PAR1 this is not a parquet file")
    return data_copy, month


def test_corrupt_month_is_left_out_and_named_on_both_pages(broken, frames):
    data_dir, month = broken
    from config import Config

    ctx = AppContext.create(Config(data_dir=data_dir, timezone=TZ))
    out = sms_cb.report(ctx, preset="custom", start=START, end=UNTIL.isoformat(), lang="en")
    alert = " ".join(texts(out["alert"]))
    assert f"{month} (file unreadable)" in alert and "left out" in alert
    assert out["kpis"] is not None and out["rows"], "the other months are still shown"
    assert "Traceback" not in alert
    kpis, _, _ = sms_queries.period_summary(ctx.db, period=ctx.period("custom", START, UNTIL.isoformat()))
    assert int(kpis["sent"]) == _expected_sent(frames, month)

    out_pl = trx_cb.report(ctx, preset="custom", start=START, end=UNTIL.isoformat(), lang="pl")
    alert_pl = " ".join(texts(out_pl["alert"]))
    assert f"{month} (plik nieczytelny)" in alert_pl and out_pl["kpis"] is not None


def test_corrupt_month_in_http_exports_and_readiness(broken, frames):
    data_dir, month = broken
    from config import Config

    client = create_app(Config(data_dir=data_dir, timezone=TZ, local_mode=True)).server.test_client()
    ready = client.get("/ready")
    assert ready.status_code == 200 and month in ready.json["left_out"]
    response = client.get(f"/export/dispatches.csv?from={START}&to={UNTIL}&lang=en")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) > 1 and "Traceback" not in response.get_data(as_text=True)
    docx = client.get(f"/export/dispatches.docx?from={START}&to={UNTIL}&lang=en")
    assert docx.status_code == 200
    import docx as python_docx

    document = python_docx.Document(io.BytesIO(docx.data))
    cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
    text = "\n".join([p.text for p in document.paragraphs] + cells)
    assert "Left out (cannot be read)" in text and f"{month} (file unreadable)" in text


def test_corrupt_month_in_a_cli_export(broken, tmp_path, monkeypatch):
    data_dir, month = broken
    monkeypatch.setenv("SMSREPORTS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("SMSREPORTS_TIMEZONE", TZ)
    out = tmp_path / "d.csv"
    result = CliRunner().invoke(
        cli_module.cli,
        [
            "export",
            "dispatches",
            "--from",
            START,
            "--to",
            UNTIL.isoformat(),
            "--format",
            "csv",
            "--out",
            str(out),
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"left out, cannot be read: {month}" in result.output and out.stat().st_size > 100


def test_missing_month_is_named(data_copy, frames):
    from config import Config

    lake = Lake(data_copy / "lake")
    month = _months(lake)[-3]
    shutil.rmtree(lake.messages_dir / f"month={month}")
    ctx = AppContext.create(Config(data_dir=data_copy, timezone=TZ))
    out = sms_cb.report(ctx, preset="custom", start=START, end=UNTIL.isoformat(), lang="en")
    alert = " ".join(texts(out["alert"]))
    assert f"{month} (missing from the data)" in alert and out["kpis"] is not None
    kpis, _, _ = sms_queries.period_summary(ctx.db, period=ctx.period("custom", START, UNTIL.isoformat()))
    assert int(kpis["sent"]) == _expected_sent(frames, month)


@pytest.mark.parametrize(
    "column,damage",
    [("status", 0.4), ("created_at", 0.8), ("source", 0.2)],
    ids=["error-names-the-file", "error-says-corrupt", "error-says-nothing"],
)
def test_file_damaged_inside_is_found_by_the_query_and_left_out(data_copy, frames, column, damage):
    """Footer intact, data pages damaged (bit rot): the first query that reads it fails, the month is
    then left out and named, and the page answers from the rest (same request)."""
    from config import Config

    lake = Lake(data_copy / "lake")
    month = _months(lake)[-2]
    part = next((lake.messages_dir / f"month={month}").glob("*.parquet"))
    import pyarrow.parquet as pq

    meta = pq.read_metadata(part).row_group(0)
    chunk = next(meta.column(i) for i in range(meta.num_columns) if meta.column(i).path_in_schema == column)
    start = chunk.data_page_offset + int(chunk.total_compressed_size * damage)  # a column every report reads
    data = bytearray(part.read_bytes())
    data[start : start + 256] = bytes((b * 7 + 3) % 256 for b in data[start : start + 256])
    part.unlink()
    part.write_bytes(bytes(data))
    ctx = AppContext.create(Config(data_dir=data_copy, timezone=TZ))
    assert ctx.db.unreadable() == {}, "the footer alone does not show it"
    out = sms_cb.report(ctx, preset="custom", start=START, end=UNTIL.isoformat(), lang="en")
    alert = " ".join(texts(out["alert"]))
    assert f"{month} (file unreadable)" in alert and "could not be prepared" not in alert
    assert out["kpis"] is not None and out["rows"]
    kpis, _, _ = sms_queries.period_summary(ctx.db, period=ctx.period("custom", START, UNTIL.isoformat()))
    assert int(kpis["sent"]) == _expected_sent(frames, month)
    trx = trx_cb.report(ctx, preset="custom", start=START, end=UNTIL.isoformat(), lang="en")
    assert f"{month} (file unreadable)" in " ".join(texts(trx["alert"]))


def _dispatch_in(frames, month: str) -> int:
    """Returns the number of a bulk dispatch whose messages are all in `month` (UTC), with delivered ones."""
    m = frames["messages"]
    months = m.assign(month=m["created_at"].dt.tz_convert("UTC").dt.strftime("%Y-%m"))
    bulk = months[(months["source"] == "bulk") & (months["status"] == "delivered")]
    only = bulk.groupby("dispatch_id")["month"].agg(lambda s: set(s))
    dispatch_id = next(d for d, seen in only.items() if seen == {month})
    return int(frames["dispatches"].set_index("dispatch_id").loc[dispatch_id, "number"])


def test_a_month_truncated_in_place_gets_one_verdict_in_every_worker_and_a_repair_is_seen(data_copy, frames):
    """Issue 18, point 12: two gunicorn workers, a month's file truncated under them, then put back."""
    import time

    import requests

    from data.db import RECHECK_S
    from tests.faults.conftest import start_server

    lake = Lake(data_copy / "lake")
    months = _months(lake)
    damaged, other = months[-2], months[-1]
    broken_number, whole_number = _dispatch_in(frames, damaged), _dispatch_in(frames, other)
    part = next((lake.messages_dir / f"month={damaged}").glob("*.parquet"))
    original = part.read_bytes()
    server = start_server(data_copy, workers=2, local=True)

    def answers() -> list[tuple]:
        """Asks the server (both workers: a new connection each time) for /ready and the two downloads."""
        seen = []
        for _ in range(8):
            ready = requests.get(server.base + "/ready", headers={"Connection": "close"}, timeout=30)
            numbers = []
            for number in (broken_number, whole_number):
                r = requests.get(
                    f"{server.base}/export/numbers.csv?dispatch={number}&status=delivered&lang=en",
                    headers={"Connection": "close"},
                    timeout=30,
                )
                numbers.append((r.status_code, len(r.content.decode("utf-8-sig").splitlines()), r.text[:200]))
            seen.append((ready.status_code, sorted(ready.json().get("left_out", {})), *numbers))
        return seen

    try:
        before = answers()  # both workers have read the month (and its metadata) before it breaks
        lines = before[0][2][1]
        assert all(a[:2] == (200, []) and a[2][:2] == (200, lines) for a in before) and lines > 1
        os.truncate(part, len(original) // 2)  # in place: the same inode, the same lake version
        time.sleep(RECHECK_S + 0.5)
        for ready, left_out, (code, _n, text), (whole_code, whole_lines, _t) in answers():
            assert (ready, left_out) == (200, [damaged]), "every worker: ready, and the month named as left out"
            assert code == 503 and f"needs data from {damaged} (file unreadable)" in text, text
            assert whole_code == 200 and whole_lines > 1, "other months keep working"
        part.write_bytes(original)  # repaired, still without a new lake version
        time.sleep(RECHECK_S + 0.5)
        assert all(a[:2] == (200, []) and a[2][:2] == (200, lines) for a in answers())
    finally:
        log = server.stop()
    assert "Traceback" not in log


def test_a_file_one_process_found_damaged_inside_is_left_out_by_every_process(data_copy, frames):
    """Damage a footer check cannot see is found by the query that reads it, in one process; the others
    learn it from the verdict that process shares (they would otherwise read the damaged pages again)."""
    import time

    import pyarrow.parquet as pq

    from data.db import RECHECK_S, Db

    lake = Lake(data_copy / "lake")
    month = _months(lake)[-2]
    first, second = Db(lake, tz=TZ), Db(lake, tz=TZ)  # two server processes
    assert first.unreadable() == {} and second.unreadable() == {}
    part = next((lake.messages_dir / f"month={month}").glob("*.parquet"))
    meta = pq.read_metadata(part).row_group(0)
    chunk = next(meta.column(i) for i in range(meta.num_columns) if meta.column(i).path_in_schema == "status")
    start = chunk.data_page_offset + int(chunk.total_compressed_size * 0.4)
    data = bytearray(part.read_bytes())
    data[start : start + 256] = bytes((b * 7 + 3) % 256 for b in data[start : start + 256])
    part.unlink()
    part.write_bytes(bytes(data))
    ctx = AppContext.create(Config(data_dir=data_copy, timezone=TZ))
    ctx.db = first
    time.sleep(RECHECK_S + 0.1)  # the first process sees the file changed (its rollups no longer match it)
    out = sms_cb.report(ctx, preset="custom", start=START, end=UNTIL.isoformat(), lang="en")
    assert f"{month} (file unreadable)" in " ".join(texts(out["alert"]))
    time.sleep(RECHECK_S + 0.1)
    assert month in second.unreadable(), "the second process has the first one's verdict"
    number = _dispatch_in(frames, month)
    from data.queries.dispatches import dispatch_ids
    from data.queries.sms import numbers_batches
    from data.schema import StatusGroup

    with pytest.raises(MonthsUnreadable):
        numbers_batches(
            second, dispatch_id=dispatch_ids(second, numbers=[number])[number], group=StatusGroup("delivered")
        )
