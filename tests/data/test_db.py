"""Db.remember: answers kept per lake version, computed again when the lake changes."""

from __future__ import annotations

import datetime as dt

from data import db as db_module
from data.db import Db
from data.demo import build_demo
from data.lake import Lake, transaction
from data.rollups import build_rollups

TZ = "Europe/Warsaw"


def test_an_answer_is_computed_once_per_lake_version(tmp_path, monkeypatch):
    lake = Lake(tmp_path / "lake")
    build_demo(lake, messages=2_000, seed=3, until=dt.date(2026, 11, 20), tz=TZ)
    db = Db(lake, tz=TZ)
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert db.remember("k", compute) == 1 and db.remember("k", compute) == 1  # remembered
    assert db.remember("k", compute, fresh=True) == 2 and db.remember("k", compute) == 2  # asked afresh
    assert db.remember(("other", 1), compute) == 3
    with transaction(lake) as staging:  # a new lake version: nothing remembered holds
        build_rollups(staging, tz=TZ)
    assert db.remember("k", compute) == 4

    monkeypatch.setattr(db_module, "REMEMBERED", 3)
    for i in range(5):
        db.remember(("many", i), compute)
    before = len(calls)
    db.remember(("many", 4), compute)  # the newest are kept
    db.remember(("many", 0), compute)  # the oldest is gone
    assert len(calls) == before + 1
