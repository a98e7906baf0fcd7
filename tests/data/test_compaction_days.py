"""A compaction rewrites only the day files of the messages it changes, and rebuilds only their days' rollup rows:
the rollups then equal a full build of the same lake, the pages and CSV files a batch import of the same records,
and the files of the days it did not touch stay as they were."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

from config import Config
from data.compactor import compact
from data.idindex import index_path
from data.ingest.core import Options
from data.ingest.run import ingest
from data.lake import Lake, transaction
from data.period import Period
from data.rollups import NAMES, build_rollups, rollup_glob, rollup_status
from reports.dispatches import dispatches_csv
from reports.transactional import transactional_csv
from tests.conftest import TZ, UNTIL
from tests.data.test_compactor import callbacks, page_numbers, spool_in_pieces
from tests.faults.conftest import copy_data
from web.context import AppContext

OPTIONS = Options(tz=TZ)


def rollup_rows(data_dir) -> dict[str, list]:
    """Every rollup's rows (with their month), in one order: what the pages are answered from."""
    lake = Lake(data_dir / "lake")
    out = {}
    for name in NAMES:
        table = pq.read_table(rollup_glob(lake, name).removesuffix("/month=*/*.parquet"), partitioning="hive")
        frame = table.to_pandas().astype(str)
        out[name] = frame.sort_values(list(frame.columns)).to_dict("records")
    return out


def awkward_records(data_dir) -> tuple[list[dict], list[dict]]:
    """Late reports of an older month's messages (with clicks), and new messages near local and UTC midnight
    (a local day that is not the UTC day, a message of one UTC month on the next month's local day)."""
    october = pq.read_table(Lake(data_dir / "lake").messages_dir / "month=2026-10").to_pandas()
    late = october[october["status"] != "delivered"].head(30)
    records = [
        {
            "provider": m["provider"],
            "provider_message_id": m["provider_message_id"],
            "status": "delivered",
            "raw_status": "DELIVRD",
            "done_at": (m["created_at"] + pd.Timedelta(hours=30)).isoformat(),
        }
        for _, m in late.iterrows()
    ]
    clicks = [
        {
            "message_id": m,
            "clicked_at": dt.datetime(2026, 11, 19, 12, tzinfo=dt.UTC).isoformat(),
            "user_agent": "Mozilla",
        }
        for m in late["message_id"].head(10)
    ]
    edges = [dt.datetime(2026, 10, 31, 23, 40), dt.datetime(2026, 11, 5, 23, 15), dt.datetime(2026, 11, 6, 22, 59)]
    for i, created in enumerate(edges):
        base = {"message_id": f"edge-{i}", "provider": "smsapi", "campaign_label": "live-0"}
        records.append(
            {**base, "source": "api", "msisdn": f"+48602000{i:03d}", "created_at": f"{created.isoformat()}Z",
             "status": "pending"}
        )  # fmt: skip
        records.append(
            {**base, "status": "delivered", "done_at": f"{(created + dt.timedelta(minutes=1)).isoformat()}Z"}
        )
    return records, clicks


def csv_files(data_dir) -> dict[str, bytes]:
    db = AppContext.create(Config(data_dir=data_dir, timezone=TZ)).db
    period = Period(dt.date(2026, 10, 1), UNTIL, TZ)
    return {
        "dispatches": b"".join(dispatches_csv(db, period=period, lang="en", sep=",")),
        "transactional": b"".join(transactional_csv(db, period=period, lang="en", sep=",")),
    }


def day_files(data_dir, month: str) -> dict[str, int]:
    folder = Lake(data_dir / "lake").messages_dir / f"month={month}"
    return {p.name: os.stat(p).st_ino for p in sorted(folder.glob("*.parquet"))}


def test_compactions_by_day_equal_a_full_build_and_a_batch_import(demo_dir, tmp_path):
    live = copy_data(demo_dir, tmp_path / "live")
    batch = copy_data(demo_dir, tmp_path / "batch")
    records, clicks = callbacks(live)
    odd, odd_clicks = awkward_records(live)
    third = len(records) // 3
    spool_in_pieces(live, records[:third], clicks[:5], seed=1)
    first = compact(live, options=OPTIONS, report_tz=TZ)
    assert first.summary.quarantined == 0 and first.months == ["2026-11"]
    assert set(day_files(live, "2026-11")) == {f"day-{d:02d}.parquet" for d in range(1, 21)}  # split on first touch
    assert all(
        index_path(Lake(live / "lake").messages_dir / "month=2026-11" / f).exists() for f in day_files(live, "2026-11")
    )

    clicks_month = Lake(live / "lake").clicks_dir / "month=2026-11"
    assert len(list(clicks_month.glob("day-*.parquet"))) > 5 and not list(clicks_month.glob("part-*"))

    # later runs: new messages on a few days, late reports of October's, clicks
    before = day_files(live, "2026-11")
    two_days = [
        r
        for r in records[third:]
        if r.get("message_id", "").startswith("live-") and int(r["message_id"][5:]) % 19 in (3, 4)
    ]
    spool_in_pieces(live, two_days, [], seed=2)  # new messages of 4 and 5 November
    compact(live, options=OPTIONS, report_tz=TZ)
    after = day_files(live, "2026-11")
    kept = {name for name in before if before[name] == after.get(name)}
    assert len(kept) >= 10, "a compaction rewrites the days of its messages, not the month"
    spool_in_pieces(live, records[third:] + odd, clicks[5:] + odd_clicks, seed=3)
    spool_in_pieces(live, records[:10], [], seed=4)  # old updates again, after newer ones
    done = compact(live, options=OPTIONS, report_tz=TZ)
    assert done.summary.quarantined == 0 and done.quarantined == 0
    assert done.months == ["2026-10", "2026-11"]
    assert rollup_status(Lake(live / "lake"), tz=TZ).fresh  # the pages read the rollups, not the raw messages

    rebuilt = copy_data(live, tmp_path / "rebuilt")
    with transaction(Lake(rebuilt / "lake")) as staging:
        build_rollups(staging, tz=TZ)
    assert rollup_rows(live) == rollup_rows(rebuilt)

    pd.DataFrame(records + odd).to_csv(tmp_path / "records.csv", index=False)
    pd.DataFrame(clicks + odd_clicks).to_csv(tmp_path / "clicks.csv", index=False)
    summary = ingest([tmp_path / "records.csv", tmp_path / "clicks.csv"], data_dir=batch, options=OPTIONS, report_tz=TZ)
    assert summary.quarantined == 0
    assert page_numbers(live) == page_numbers(batch)
    assert csv_files(live) == csv_files(batch)
    shown = csv_files(live)["transactional"].decode()
    assert "live-0" in shown

    messages = pq.read_table(Lake(live / "lake").messages_dir).to_pandas()
    assert messages["message_id"].is_unique
    assert set(messages.loc[messages["message_id"].str.startswith("edge-"), "status"]) == {"delivered"}
    expected = pq.read_table(Lake(batch / "lake").messages_dir).to_pandas()
    columns = [c for c in messages.columns if c != "month"]
    key = ["message_id"]
    assert (
        messages[columns]
        .sort_values(key)
        .reset_index(drop=True)
        .equals(expected[columns].sort_values(key).reset_index(drop=True))
    )


def test_the_lake_rows_are_found_through_the_id_index(demo_dir, tmp_path, monkeypatch):
    from data import idindex

    data_dir = copy_data(demo_dir, tmp_path / "data")
    records, _ = callbacks(data_dir)
    spool_in_pieces(data_dir, records[:40], [], seed=5)
    compact(data_dir, options=OPTIONS, report_tz=TZ)  # builds the indexes of every file
    lake = Lake(data_dir / "lake")
    assert all(index_path(p).exists() for p in lake.messages_dir.glob("month=*/*.parquet"))
    read: list[str] = []
    real = idindex.candidate_files

    def spy(lake, wanted):
        found, built = real(lake, wanted)
        read.extend(p.name for p in found)
        assert built == 0
        return found, built

    monkeypatch.setattr(idindex, "candidate_files", spy)
    one = next(r for r in records[40:] if "provider_message_id" in r)
    spool_in_pieces(data_dir, [one], [], seed=6)
    done = compact(data_dir, options=OPTIONS, report_tz=TZ)
    assert done.summary.messages_updated == 1
    assert len(read) == 1  # one file read of the lake's dozens
    stored = pq.read_table(lake.messages_dir, filters=[("provider_message_id", "=", one["provider_message_id"])])
    assert pc.unique(stored["status"]).to_pylist() == [one["status"]]
    assert done.months == ["2026-11"]


def test_a_compaction_that_moves_an_opt_out_rebuilds_its_months_and_one_that_cannot_does_not(
    demo_dir, tmp_path, frames, monkeypatch
):
    from data import rollups
    from tests.expected import optout_replies

    live = copy_data(demo_dir, tmp_path / "live")
    # the reply of the newest month's opt-outs whose message stops being delivered: it counts for another one
    messages = frames["messages"].assign(
        month=lambda m: pd.to_datetime(m["created_at"], utc=True).dt.strftime("%Y-%m")  # the lake's UTC month
    )
    counted = optout_replies(frames).merge(messages[["message_id", "month", "done_at"]], on="message_id")
    reply = counted.sort_values("message_id").iloc[-1]
    failed = {
        "message_id": reply["message_id"],
        "status": "undelivered",
        "raw_status": "UNDELIV",
        "done_at": (reply["done_at"] + pd.Timedelta(minutes=5)).isoformat(),
    }
    rebuilt_for: list[list[str]] = []
    real = rollups._rebuild_optouts

    def watched(lake, engine, months, tz, *, whole):
        rebuilt_for.append(list(months))
        return real(lake, engine, months, tz, whole=whole)

    monkeypatch.setattr(rollups, "_rebuild_optouts", watched)
    records, _clicks = callbacks(live)
    fresh = [r for r in records if r.get("message_id", "").startswith("live-")][:20]  # new messages: no reply yet
    spool_in_pieces(live, fresh, [], seed=6)
    compact(live, options=OPTIONS, report_tz=TZ)
    assert rebuilt_for == [], "no reply can move: the opt-outs stay as they were"

    before = rollup_rows(live)["optout_daily"]
    spool_in_pieces(live, [failed], [], seed=7)
    compact(live, options=OPTIONS, report_tz=TZ)
    assert rebuilt_for and reply["month"] in rebuilt_for[-1]
    after = rollup_rows(live)["optout_daily"]
    assert after != before  # the opt-out left its message's dispatch
    rebuilt = copy_data(live, tmp_path / "rebuilt")
    with transaction(Lake(rebuilt / "lake")) as staging:
        build_rollups(staging, tz=TZ)
    assert rollup_rows(live) == rollup_rows(rebuilt)
