"""Rebuilding the rollups of one month (what an import does for the months it touched) gives the same files as
building them all: with the clicks of its messages wherever they are filed (a later month, or an earlier one when
the click tracker's clock was behind), and nothing of another month's."""

from __future__ import annotations

import hashlib

import pyarrow as pa

from data.lake import Lake, transaction, write_clicks, write_dispatches, write_messages
from data.rollups import build_rollups, rollup_status
from data.schema import CLICKS, DISPATCHES, MESSAGES
from tests.data.test_rollups import TZ, at, awkward_clicks, awkward_messages, dispatch_rows


def _rollup_files(lake: Lake) -> dict[str, str]:
    return {
        str(p.relative_to(lake.rollups_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(lake.rollups_dir.rglob("*.parquet"))
    }


def test_each_month_rebuilt_alone_equals_the_full_build(tmp_path):
    clicks = awkward_clicks() + [
        # m62 was created in May: a human click filed in February (a clock behind) and one in June
        {"message_id": "m62", "clicked_at": at(2026, 2, 20, 9), "user_agent": "Mozilla/5.0 (iPhone)", "is_bot": False},
        {"message_id": "m71", "clicked_at": at(2026, 6, 2, 9), "user_agent": "Mozilla/5.0 (iPhone)", "is_bot": False},
    ]
    lake = Lake(tmp_path / "lake")
    with transaction(lake, fresh=True) as staging:
        write_messages(staging, pa.Table.from_pylist(awkward_messages(), schema=MESSAGES))
        write_clicks(staging, pa.Table.from_pylist(clicks, schema=CLICKS))
        write_dispatches(staging, pa.Table.from_pylist(dispatch_rows(), schema=DISPATCHES))
        build_rollups(staging, tz=TZ)
    full = _rollup_files(lake)
    months = sorted(p.name.removeprefix("month=") for p in lake.month_dirs())
    assert len(months) >= 2 and any("month=2026-05" in f for f in full)
    for month in months:
        with transaction(lake) as staging:
            assert build_rollups(staging, tz=TZ, months=[month])["months"] == 1
        assert _rollup_files(lake) == full, month
    assert rollup_status(lake, tz=TZ).fresh
    with transaction(lake) as staging:  # two months at once, as an import touching both
        build_rollups(staging, tz=TZ, months=months[:2])
    assert _rollup_files(lake) == full
