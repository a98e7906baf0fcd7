"""The dispatch history's pages (the grid's server-side rows): their concatenation is the whole history,
in the order the grid sorted it in the browser, for every sort column, both directions and both row modes."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from data.period import Period
from data.queries.history import HistoryFilter, Sort, history
from data.queries.history_page import SORT_KEYS, history_page
from tests.conftest import TZ, UNTIL
from tests.expected import bulk_in_period, grid_order

PERIOD = Period(dt.date(2026, 6, 1), UNTIL, TZ)
PAGE = 4  # rows per page: every history here spans several


@pytest.fixture(scope="module")
def grouping(frames):
    """Two campaigns with the same description (a tie in the text columns) over the period's first dispatches."""
    ids = list(bulk_in_period(frames, PERIOD)["dispatch_id"].drop_duplicates().sort_values())
    members = pd.DataFrame({"dispatch_id": ids[:3] + ids[3:5], "campaign_id": [7, 7, 7, 9, 9]})
    campaigns = pd.DataFrame(
        {"id": [7, 9], "name": ["Żółw – jesień", "B"], "description": ["opis", "opis"], "rule": [None, '{"t": 1}']}
    )
    return campaigns, members


def paged(ctx, grouping, **kw) -> tuple[list[dict], int, int]:
    """Returns every page's rows joined, and the totals the first page gave."""
    campaigns, members = grouping
    first = history_page(ctx.db, period=PERIOD, campaigns=campaigns, members=members, start=0, end=PAGE, **kw)
    rows, start = list(first.rows), PAGE
    while start < first.total:
        page = history_page(
            ctx.db, period=PERIOD, campaigns=campaigns, members=members, start=start, end=start + PAGE, **kw
        )
        assert len(page.rows) <= PAGE and (page.total, page.dispatches) == (first.total, first.dispatches)
        rows += page.rows
        start += PAGE
    return rows, first.total, first.dispatches


def same(a, b) -> bool:
    missing = lambda v: v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v))  # noqa: E731
    if missing(a) or missing(b):
        return missing(a) and missing(b)
    if isinstance(a, (dt.datetime, pd.Timestamp)):
        return pd.Timestamp(a) == pd.Timestamp(b)
    return a == b


def assert_same_rows(got: list[dict], want: pd.DataFrame) -> None:
    assert [r["row_id"] for r in got] == list(want["row_id"])
    for row, (_, ref) in zip(got, want.iterrows()):
        for column in want.columns:
            assert same(row[column], ref[column]), (row["row_id"], column, row[column], ref[column])


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("column", list(SORT_KEYS))
def test_per_campaign_pages_are_the_grid_sorted_in_the_browser(ctx, frames, grouping, column, descending):
    campaigns, members = grouping
    expanded = frozenset({7})
    # The rows the grid had in the browser: every campaign open, so the reference holds all their dispatches.
    every = history(ctx.db, period=PERIOD, campaigns=campaigns, members=members, expanded=frozenset({7, 9}))
    want = grid_order(every, column, descending, expanded)
    got, total, dispatches = paged(ctx, grouping, sort=Sort(column, descending), expanded=expanded)
    assert_same_rows(got, want)
    assert total == len(want) == len(every) - 2  # campaign 9's two dispatches stay folded
    assert dispatches == bulk_in_period(frames, PERIOD)["dispatch_id"].nunique()
    assert [r["parent_id"] for r in got].count("c7") == 3


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("column", list(SORT_KEYS))
def test_per_dispatch_pages_are_the_grid_sorted_in_the_browser(ctx, frames, grouping, column, descending):
    campaigns, members = grouping
    every = history(ctx.db, period=PERIOD, campaigns=campaigns, members=members, per="dispatch")
    want = grid_order(every, column, descending)
    got, total, dispatches = paged(ctx, grouping, sort=Sort(column, descending), per="dispatch")
    assert_same_rows(got, want)
    assert total == dispatches == len(every) == bulk_in_period(frames, PERIOD)["dispatch_id"].nunique()


def test_ties_are_broken_the_same_way_as_in_the_reference(ctx, grouping):
    campaigns, members = grouping
    got, _, _ = paged(ctx, grouping, sort=Sort("message_text", False))
    # Both campaigns read "opis": row_id decides, ascending with the sort.
    assert [r["row_id"] for r in got if r["kind"] == "campaign"] == ["c7", "c9"]
    got, _, _ = paged(ctx, grouping, sort=Sort("message_text", True))
    assert [r["row_id"] for r in got if r["kind"] == "campaign"] == ["c9", "c7"]


def test_the_filter_narrows_the_pages_as_it_narrows_the_history(ctx, frames, grouping):
    campaigns, members = grouping
    name = frames["dispatches"].set_index("dispatch_id").loc[members["dispatch_id"].iloc[0], "name"]
    for flt in (
        HistoryFilter(text=name.split()[0].upper()),
        HistoryFilter(start=PERIOD.start + dt.timedelta(days=30), end=PERIOD.end - dt.timedelta(days=30)),
        HistoryFilter(text="no dispatch is called this"),
    ):
        every = history(ctx.db, period=PERIOD, campaigns=campaigns, members=members, flt=flt, expanded=frozenset({7}))
        want = grid_order(every, "sent_at", True, frozenset({7}))
        got, total, dispatches = paged(ctx, grouping, flt=flt, expanded=frozenset({7}))
        assert_same_rows(got, want)
        assert total == len(want)
        flat = history(ctx.db, period=PERIOD, campaigns=campaigns, members=members, flt=flt, per="dispatch")
        assert dispatches == len(flat)
    assert total == dispatches == 0


def test_a_page_past_the_last_row_is_empty_but_keeps_the_totals(ctx, grouping):
    campaigns, members = grouping
    whole = history_page(ctx.db, period=PERIOD, campaigns=campaigns, members=members)
    beyond = history_page(
        ctx.db, period=PERIOD, campaigns=campaigns, members=members, start=whole.total, end=whole.total + 10
    )
    assert beyond.rows == [] and (beyond.total, beyond.dispatches) == (whole.total, whole.dispatches)
    assert len(whole.rows) == whole.total


def test_a_sort_outside_the_grid_columns_is_refused(ctx, grouping):
    campaigns, members = grouping
    with pytest.raises(ValueError):
        history_page(ctx.db, period=PERIOD, campaigns=campaigns, members=members, sort=Sort("name; DROP TABLE x"))
