"""Merge semantics: updates in any order, final over non-final, latest done_at, idempotency,
and updates of messages the lake already has (a demo lake), month by month."""

from __future__ import annotations

import datetime as dt
import random

import pyarrow.parquet as pq
import pytest

from data.demo import build_demo
from data.lake import Lake
from data.rollups import read_state, rollup_status
from tests.data.ingest.conftest import SAMPLES, TZ, lake_files, messages, quarantined, run

UTC = dt.UTC


def receipt(mid: str, stat: str, done: str, err: str = "000", submit: str = "2510141000") -> str:
    return f"id:{mid} sub:001 dlvrd:001 submit date:{submit} done date:{done} stat:{stat} err:{err} text:x\n"


def write(path, *lines: str):
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_updates_in_any_order_end_in_the_same_state(tmp_path):
    lines = (SAMPLES / "twilio_callbacks.log").read_text().splitlines(keepends=True)
    states = []
    orders = [lines, lines[::-1]] + [random.Random(seed).sample(lines, len(lines)) for seed in range(4)]
    for i, order in enumerate(orders):
        path = write(tmp_path / f"cb{i}.log", *order)
        run(tmp_path / f"d{i}", path)
        states.append(messages(tmp_path / f"d{i}"))
    assert all(s == states[0] for s in states)
    assert states[0]["twilio:SM00000000000000000000000000000021"]["status"] == "delivered"


def test_a_final_status_is_never_overwritten_by_a_later_non_final_one(tmp_path, data_dir):
    run(data_dir, write(tmp_path / "a.log", receipt("77", "DELIVRD", "2510141001")), provider="plus")
    files = lake_files(data_dir)
    summary = run(data_dir, write(tmp_path / "b.log", receipt("77", "ENROUTE", "2510141500")), provider="plus")
    assert messages(data_dir)["plus:77"]["status"] == "delivered"
    assert (summary.messages_updated, summary.messages_unchanged) == (0, 1)
    assert lake_files(data_dir) == files


@pytest.mark.parametrize("order", ["forward", "backward"])
def test_among_final_statuses_the_latest_done_at_wins(tmp_path, data_dir, order):
    early = receipt("78", "UNDELIV", "2510141005", err="027")
    late = receipt("78", "DELIVRD", "2510141130")
    first, second = (early, late) if order == "forward" else (late, early)
    run(data_dir, write(tmp_path / "1.log", first), provider="plus")
    run(data_dir, write(tmp_path / "2.log", second), provider="plus")
    m = messages(data_dir)["plus:78"]
    assert (m["status"], m["reason"], m["raw_error"]) == ("delivered", None, "000")
    assert m["done_at"] == dt.datetime(2025, 10, 14, 9, 30, tzinfo=UTC)
    # and within one file, whatever the order of the lines
    run(tmp_path / "one", write(tmp_path / "3.log", second, first), provider="plus")
    assert messages(tmp_path / "one")["plus:78"] == m


def test_attributes_of_several_updates_are_combined(tmp_path, data_dir):
    kannel = (SAMPLES / "smpp_kannel.log").read_text().splitlines(keepends=True)
    sent, dlr = kannel[0], kannel[5]  # the submission (number, text) and its receipt (status)
    run(data_dir, write(tmp_path / "dlr.log", dlr), provider="plus")
    assert messages(data_dir)["plus:1A2B3C01"]["status"] == "delivered"
    summary = run(data_dir, write(tmp_path / "sent.log", sent), provider="plus")
    m = messages(data_dir)["plus:1A2B3C01"]
    assert (m["status"], m["msisdn"], m["segments"]) == ("delivered", "+48601200001", 1)  # status kept, number added
    assert summary.messages_updated == 1


def test_importing_twice_changes_no_file(tmp_path, data_dir):
    names = [
        "canonical.csv",
        "smpp_kannel.log",
        "smpp_receipts.log",
        "jasmin_dlr.log",
        "twilio_messages.csv",
        "twilio_messages.json",
        "twilio_callbacks.log",
        "infobip_reports.json",
        "infobip_reports_v3.jsonl",
        "smsapi_callbacks.log",
        "smsapi_reports.jsonl",
        "vonage_dlr.log",
        "vonage_dlr.jsonl",
        "clicks.csv",
        "clicks.jsonl",
    ]
    first = run(data_dir, *names, links="links.csv", provider="plus")
    before = lake_files(data_dir)
    second = run(data_dir, *names, links="links.csv", provider="plus")
    assert lake_files(data_dir) == before
    assert (second.messages_new, second.messages_updated, second.clicks_new) == (0, 0, 0)
    assert second.messages_unchanged == first.messages_new
    assert second.months == [] and second.rollup_months == []
    assert len(quarantined(second)) == len(quarantined(first))  # the same bad lines, quarantined again


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    """A small demo lake ending on 2025-10-31 (pending messages in its last days)."""
    path = tmp_path_factory.mktemp("demo")
    build_demo(Lake(path / "lake"), messages=4000, seed=5, until=dt.date(2025, 10, 31), tz=TZ)
    return path


def test_receipts_update_the_lake_s_own_messages(tmp_path, demo_dir):
    import shutil

    data_dir = tmp_path / "data"
    shutil.copytree(demo_dir, data_dir, symlinks=True)
    lake = Lake(data_dir / "lake")
    before_files = lake_files(data_dir)
    table = pq.read_table(lake.messages_glob.replace("month=*/*.parquet", ""), partitioning="hive")
    rows = [r for r in table.to_pylist() if r["provider"] == "smsapi" and r["status"] == "pending"]
    assert rows, "the demo has pending SMSAPI messages in its last days"
    target = rows[:5]
    lines = []
    for r in target:
        done = (r["created_at"] + dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=1)))
        submit = r["created_at"].astimezone(dt.timezone(dt.timedelta(hours=1)))
        lines.append(receipt(r["provider_message_id"], "DELIVRD", f"{done:%y%m%d%H%M}", submit=f"{submit:%y%m%d%H%M}"))
    summary = run(data_dir, write(tmp_path / "dlr.log", *lines), provider="smsapi", rollups="auto")
    assert (summary.messages_new, summary.messages_updated) == (0, 5)
    after = messages(data_dir)
    for r in target:
        m = after[r["message_id"]]  # the demo's id, found by (provider, provider_message_id)
        assert (m["status"], m["raw_status"], m["msisdn"], m["created_at"]) == (
            "delivered",
            "DELIVRD",
            r["msisdn"],
            r["created_at"],
        )
        assert m["done_at"] is not None
    months = {f"month={r['created_at']:%Y-%m}" for r in target}
    changed = {
        k for k in set(before_files) | set(lake_files(data_dir)) if before_files.get(k) != lake_files(data_dir).get(k)
    }
    assert {c.split("/")[1] for c in changed if c.startswith("messages/")} == months  # only those months rewritten
    assert read_state(lake) is not None and rollup_status(lake, tz=TZ).fresh  # rollups rebuilt, fresh
    assert len(after) == len(messages(demo_dir))
