"""The compactor: the spool into the lake with the ingest's rules; pages equal a batch import of the same records."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import threading

import pandas as pd
import pyarrow.parquet as pq
import pytest

from config import Config
from data.compactor import CompactorBusy, compact, compactor_lock
from data.ingest.core import Options
from data.ingest.run import ingest
from data.lake import Lake
from data.period import Period
from data.queries import sms as sms_queries
from data.queries import transactional as trx_queries
from data.spool import Entry, Spool, now_iso
from tests.conftest import TZ, UNTIL
from tests.faults.conftest import copy_data
from web.context import AppContext

OPTIONS = Options(tz=TZ)


def demo_messages(data_dir, month: str = "2026-11") -> pd.DataFrame:
    return pq.read_table(Lake(data_dir / "lake").messages_dir / f"month={month}").to_pandas()


def callbacks(data_dir) -> tuple[list[dict], list[dict]]:
    """(message records, click records): updates of demo messages, new API messages with their updates, clicks."""
    rnd = random.Random(5)
    lake = demo_messages(data_dir)
    pending = lake[lake["status"] == "pending"].head(150)
    records, clicks = [], []
    for _, m in pending.iterrows():
        done = m["created_at"] + pd.Timedelta(minutes=rnd.randint(1, 600))
        final = rnd.choice([("delivered", "DELIVRD", "000"), ("undelivered", "UNDELIV", "027")])
        records.append(
            {
                "provider": m["provider"],
                "provider_message_id": m["provider_message_id"],
                "status": final[0],
                "raw_status": final[1],
                "raw_error": final[2],
                "done_at": done.isoformat(),
            }
        )
        if final[0] == "delivered" and rnd.random() < 0.3:
            when = done + pd.Timedelta(minutes=5)
            clicks.append({"message_id": m["message_id"], "clicked_at": when.isoformat(), "user_agent": "Mozilla/5.0"})
    for i in range(120):
        created = dt.datetime(2026, 11, 1 + i % 19, 9, i % 60, tzinfo=dt.UTC)
        base = {"message_id": f"live-{i:04d}", "provider": "smsapi", "campaign_label": f"live-{i % 3}"}
        records.append(
            {
                **base,
                "source": "api",
                "msisdn": f"+486011{i:05d}",
                "created_at": created.isoformat(),
                "status": "pending",
            }
        )
        final = "delivered" if i % 4 else "expired"
        records.append(
            {
                **base,
                "status": final,
                "done_at": (created + dt.timedelta(seconds=30 + i)).isoformat(),
                "raw_status": final,
            }
        )
    return records, clicks


def spool_in_pieces(data_dir, records: list[dict], clicks: list[dict], seed: int) -> None:
    """Spools the records as callbacks of a few lines each, in a shuffled order, a tenth of them twice."""
    rnd = random.Random(seed)
    pieces = [("canonical", records[i : i + 7]) for i in range(0, len(records), 7)]
    pieces += [("clicks", clicks[i : i + 3]) for i in range(0, len(clicks), 3)]
    pieces += rnd.sample(pieces, len(pieces) // 10)  # providers retry
    rnd.shuffle(pieces)
    spool = Spool(data_dir)
    for provider, lines in pieces:
        spool.append(Entry(now_iso(), provider, "".join(json.dumps(r) + "\n" for r in lines).encode()))


def page_numbers(data_dir) -> dict:
    ctx = AppContext.create(Config(data_dir=data_dir, timezone=TZ))
    period = Period(dt.date(2026, 11, 1), UNTIL, TZ)
    current, previous, trend = sms_queries.period_summary(ctx.db, period=period)
    return {
        "kpis": current.to_dict(),
        "trend": trend.reset_index(drop=True).fillna(-1).to_dict("list"),  # NaN rates (no messages) compare equal
        "dispatches": sms_queries.dispatch_records(ctx.db, period=period),
        "trx_kpis": trx_queries.trx_kpis(ctx.db, period=period).reset_index(drop=True).fillna(-1).to_dict("list"),
        "trx_campaigns": trx_queries.trx_campaign_records(ctx.db, period=period),
    }


def test_pages_after_compaction_equal_a_batch_import_of_the_same_records(demo_dir, tmp_path):
    live = copy_data(demo_dir, tmp_path / "live")
    batch = copy_data(demo_dir, tmp_path / "batch")
    before = page_numbers(live)
    records, clicks = callbacks(live)
    half = len(records) // 2
    spool_in_pieces(live, records[:half], clicks[: len(clicks) // 2], seed=1)
    assert compact(live, options=OPTIONS, report_tz=TZ).callbacks > 0
    spool_in_pieces(live, records[half:], clicks[len(clicks) // 2 :], seed=2)
    spool_in_pieces(live, records[:20], [], seed=3)  # old updates arriving again, after newer ones
    done = compact(live, options=OPTIONS, report_tz=TZ)
    assert done.summary.quarantined == 0 and done.quarantined == 0

    canonical = tmp_path / "records.csv"
    pd.DataFrame(records).to_csv(canonical, index=False)
    clicks_file = tmp_path / "clicks.csv"
    pd.DataFrame(clicks).to_csv(clicks_file, index=False)
    summary = ingest([canonical, clicks_file], data_dir=batch, options=OPTIONS, report_tz=TZ)
    assert summary.quarantined == 0

    after = page_numbers(live)
    assert after == page_numbers(batch)
    assert after["kpis"] != before["kpis"] and after["trx_campaigns"] != before["trx_campaigns"]
    shown = json.dumps(after["trx_campaigns"], default=str)
    assert all(f'"live-{i}"' in shown for i in range(3))


def test_callbacks_compacted_again_change_nothing(demo_dir, tmp_path):
    data_dir = copy_data(demo_dir, tmp_path / "data")
    records, clicks = callbacks(data_dir)
    spool_in_pieces(data_dir, records, clicks, seed=4)
    compact(data_dir, options=OPTIONS, report_tz=TZ)
    months = Lake(data_dir / "lake").messages_dir
    first = {p.name: pq.read_table(p).to_pandas() for p in months.glob("month=2026-1*")}
    files = {str(p.relative_to(months.parent)): p.stat().st_ino for p in months.parent.rglob("*.parquet")}
    spool_in_pieces(data_dir, records, clicks, seed=5)  # every callback again (a compactor killed before removing)
    done = compact(data_dir, options=OPTIONS, report_tz=TZ)
    assert done.summary.messages_new == 0 and done.summary.messages_updated == 0 and done.summary.clicks_new == 0
    again = {p.name: pq.read_table(p).to_pandas() for p in months.glob("month=2026-1*")}
    assert first.keys() == again.keys() and all(first[k].equals(again[k]) for k in first)
    # not one file written again: messages, clicks, rollups, search index
    assert files == {str(p.relative_to(months.parent)): p.stat().st_ino for p in months.parent.rglob("*.parquet")}


def test_one_compactor_at_a_time_and_a_damaged_line_is_quarantined(demo_dir, tmp_path):
    data_dir = copy_data(demo_dir, tmp_path / "data")
    Spool(data_dir).append(Entry(now_iso(), "clicks", b'{"message_id": "x"}\n'))
    with open(sorted((data_dir / "spool").glob("*.open"))[0], "ab") as fh:
        fh.write(b"{not json\n{cut short")  # a damaged line, and a last line a crash cut (never acknowledged)
    held, go = threading.Event(), threading.Event()

    def hold():
        with compactor_lock(data_dir):
            held.set()
            go.wait(10)

    other = threading.Thread(target=hold)
    other.start()
    held.wait(10)
    try:
        with pytest.raises(CompactorBusy):
            compact(data_dir, options=OPTIONS, report_tz=TZ)
    finally:
        go.set()
        other.join()
    gone = subprocess.Popen(["true"])
    gone.wait()
    (data_dir / "spool" / f".check-{gone.pid}-abc").mkdir()  # a dead server thread's folder
    (data_dir / "spool" / f".check-{os.getpid()}-abc").mkdir()  # a live one's
    done = compact(data_dir, options=OPTIONS, report_tz=TZ)
    assert done.callbacks == 1 and done.quarantined == 1 and done.summary.quarantined == 1
    assert [p.name for p in (data_dir / "spool").glob(".check-*")] == [f".check-{os.getpid()}-abc"]
    reasons = [
        json.loads(x)["reason"]
        for p in (data_dir / "quarantine").glob("*.jsonl")
        for x in p.read_text().split("\n")
        if x
    ]
    assert "damaged spool line" in reasons and len(reasons) == 2
    assert not list((data_dir / "spool").glob("*.ready")) and not list((data_dir / "spool").glob("*.open"))


def test_the_search_index_is_rebuilt_at_most_every_few_minutes(demo_dir, tmp_path):
    from data.search_index import fresh_months

    data_dir = copy_data(demo_dir, tmp_path / "data")
    lake = Lake(data_dir / "lake")
    records, clicks = callbacks(data_dir)
    spool_in_pieces(data_dir, records[:50], [], seed=6)
    compact(data_dir, options=OPTIONS, report_tz=TZ)  # the first run builds it
    assert "2026-11" in fresh_months(lake)
    spool_in_pieces(data_dir, records[50:100], [], seed=7)
    compact(data_dir, options=OPTIONS, report_tz=TZ)  # soon after: not again, and the month is read raw
    assert "2026-11" not in fresh_months(lake) and "2026-10" in fresh_months(lake)
    spool_in_pieces(data_dir, records[100:150], [], seed=8)
    compact(data_dir, options=OPTIONS, report_tz=TZ, index_every_s=0)
    assert "2026-11" in fresh_months(lake)
