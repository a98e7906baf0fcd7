"""The SMS dispatch grid's server side: what a getRowsRequest asks for, and the block of rows it gets."""

from __future__ import annotations

import json

import pytest

from app import create_app
from callbacks import sms as sms_cb
from config import Config
from data.demo import build_demo
from data.lake import Lake
from data.queries.history import Sort
from data.queries.history_page import SORT_KEYS
from i18n import t
from layouts.sms import GRID_BLOCK
from tests.conftest import TZ, UNTIL
from web.context import AppContext

PERIOD = {"preset": "custom", "start": "2026-06-01", "end": UNTIL.isoformat()}
LIMIT_BYTES = 200_000  # issue 19: the grid sends at most 200 KB per answer, whatever the period


def ask(start=0, end=GRID_BLOCK, sort=None) -> dict:
    return {"startRow": start, "endRow": end, "sortModel": sort or [], "filterModel": {}}


def test_a_request_asks_for_a_block_at_most_and_a_sort_the_grid_knows():
    assert sms_cb.grid_request(ask(40, 60)) == (40, 60, Sort())
    assert sms_cb.grid_request(ask(0, 10_000)) == (0, GRID_BLOCK, Sort())
    assert sms_cb.grid_request(ask(-5, None)) == (0, GRID_BLOCK, Sort())
    assert sms_cb.grid_request(None) == (0, GRID_BLOCK, Sort())
    asked = [{"colId": "toggle", "sort": "asc"}, {"colId": "name", "sort": "asc"}, {"colId": "sent", "sort": "desc"}]
    assert sms_cb.grid_request(ask(sort=asked)) == (0, GRID_BLOCK, Sort("name", False))
    # Anything else is never SQL: the grid's own order.
    forged = [{"colId": "name; DROP TABLE dispatches", "sort": "asc"}, {"colId": "sent", "sort": "sideways"}]
    assert sms_cb.grid_request(ask(sort=forged))[2] == Sort()


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_the_blocks_joined_are_the_report_rows_sorted(ctx, lang):
    first = sms_cb.grid_page(ctx, lang=lang, flt=None, expanded=frozenset(), request=ask(0, 5), **PERIOD)
    whole = sms_cb.report(ctx, lang=lang, **PERIOD)
    total = first["rowCount"]
    assert total == len(whole["rows"]) > 5 and first["rowData"] == whole["rows"][:5]
    for column in SORT_KEYS:
        sort = [{"colId": column, "sort": "desc"}]
        rows = []
        for start in range(0, total, 5):
            page = sms_cb.grid_page(
                ctx, lang=lang, flt=None, expanded=frozenset(), request=ask(start, start + 5, sort), **PERIOD
            )
            assert page["rowCount"] == total and len(page["rowData"]) <= 5
            rows += page["rowData"]
        assert sorted(r["row_id"] for r in rows) == sorted(r["row_id"] for r in whole["rows"])
        if column in ("sent", "delivered", "clicked"):
            assert [r[column] for r in rows] == sorted((r[column] for r in rows), reverse=True)


def test_a_range_without_data_gives_no_rows_and_a_malformed_one_those_the_report_shows(ctx):
    none = {"preset": "custom", "start": "2020-03-01", "end": "2020-03-31"}
    assert sms_cb.grid_page(ctx, lang="pl", flt=None, expanded=frozenset(), request=ask(), **none) == {
        "rowData": [],
        "rowCount": 0,
    }
    bad = {"preset": "custom", "start": "2026-13-01", "end": "x"}
    out = sms_cb.grid_page(ctx, lang="pl", flt=None, expanded=frozenset(), request=ask(), **bad)
    assert out["rowData"] == sms_cb.report(ctx, lang="pl", **bad)["rows"]


@pytest.mark.slow
def test_at_20000_dispatches_every_answer_of_the_grid_stays_under_200_kb(tmp_path):
    data_dir = tmp_path / "data"
    build_demo(Lake(data_dir / "lake"), messages=250_000, seed=5, until=UNTIL, tz=TZ, dispatches=20_000)
    config = Config(data_dir=data_dir, timezone=TZ, local_mode=True)
    create_app(config)  # the store as the app makes it
    ctx = AppContext.create(config)
    whole = sms_cb.grid_page(ctx, preset="all", start=None, end=None, lang="pl", flt=None, expanded=frozenset(),
                             request=ask())  # fmt: skip
    assert whole["rowCount"] >= 19_000  # the demo's dispatches, less those before "all" begins
    for preset in ("1m", "all"):
        for column in SORT_KEYS:
            for direction in ("asc", "desc"):
                out = sms_cb.grid_page(
                    ctx,
                    preset=preset,
                    start=None,
                    end=None,
                    lang="pl",
                    flt=None,
                    expanded=frozenset(),
                    request=ask(0, GRID_BLOCK, [{"colId": column, "sort": direction}]),
                )
                assert len(out["rowData"]) == GRID_BLOCK
                assert len(json.dumps(out, ensure_ascii=False).encode()) <= LIMIT_BYTES
    report = sms_cb.report(ctx, preset="all", start=None, end=None, lang="pl", rows=False)
    # The period's answer no longer carries the rows; its count is the grid's (no campaigns: a row per dispatch).
    assert report["rows"] == [] and report["count"] == t("pl", "history.count", n=whole["rowCount"])
