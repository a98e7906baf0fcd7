"""Messages by operator and by country (details of a dispatch, a campaign, a transactional row, a period)
against pandas over the Parquet files, through the rollups and through their raw-SQL fallback alike."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from data.period import Period
from data.queries import operators as operator_queries
from data.queries.operators import breakdown
from tests.conftest import TZ, UNTIL
from tests.expected import bulk_in_period, by_key, of_campaign, of_dispatches, trx_in_period, worst_key

PERIOD = Period(dt.date(2025, 1, 1), UNTIL, TZ)


def same(frame: pd.DataFrame, want: dict) -> None:
    """`frame` (a breakdown) holds exactly the figures of `want` (`by_key`), and marks the worst row as `worst_key`."""
    got = {}
    for r in frame.itertuples(index=False):
        got[r.key] = {
            "recipients": r.recipients,
            "sent": r.sent,
            "delivered": r.delivered,
            "not_sent": r.not_sent,
            "not_delivered": r.not_delivered,
            "pending": r.pending,
            "reasons": {(reason or "none"): n for reason, n in r.reasons},
        }
        pct = r.delivered_pct
        assert (
            math.isnan(pct)
            if math.isnan(want[r.key]["delivered_pct"])
            else pct == pytest.approx(want[r.key]["delivered_pct"])
        )
    assert got == {k: {f: v[f] for f in got[k]} for k, v in want.items()}
    marked = list(frame.loc[frame["worst"], "key"])
    wanted = worst_key(want)
    assert marked == ([] if wanted is None else [wanted])
    assert list(frame["sent"])[: len(frame) - frame["key"].isna().sum()] == sorted(
        frame.loc[frame["key"].notna(), "sent"], reverse=True
    )


def test_a_dispatch_by_operator_and_country(db, frames):
    sizes = frames["messages"].groupby("dispatch_id").size()
    dispatch = sizes.idxmax()
    m = of_dispatches(frames, [dispatch])
    got = operator_queries.dispatch_breakdowns(db, dispatch_id=dispatch)
    same(got["operator"], by_key(m, "operator"))
    same(got["country"], by_key(m, "country"))
    assert len(got["operator"]) >= 4  # the demo's Polish networks


def test_a_campaign_sums_its_dispatches(db, frames):
    ids = list(frames["dispatches"]["dispatch_id"][:5])
    m = of_dispatches(frames, ids)
    got = operator_queries.dispatch_breakdowns(db, dispatch_id=ids)
    same(got["operator"], by_key(m, "operator"))


@pytest.mark.parametrize("label", ["potwierdzenie-zamowienia", None])
def test_a_transactional_row(db, frames, label):
    from data.queries import transactional as trx_queries
    from data.queries.transactional import Campaign

    m = of_campaign(trx_in_period(frames, PERIOD), label)
    detail = trx_queries.trx_detail(db, period=PERIOD, campaign=Campaign(label), latest=1)
    same(detail.breakdowns["operator"], by_key(m, "operator"))
    same(detail.breakdowns["country"], by_key(m, "country"))


def test_the_bulk_messages_of_a_period(db, frames):
    period = Period(dt.date(2026, 10, 1), UNTIL, TZ)
    got = operator_queries.period_breakdowns(db, period=period)
    same(got["operator"], by_key(bulk_in_period(frames, period), "operator"))


def test_worst_operator_needs_a_gap_over_five_points_and_twenty_sent():
    def rows(name, delivered, failed):
        return [(name, "delivered", None, delivered), (name, "undelivered", "absent_subscriber", failed)]

    # all: 880 / 1000 = 88 %; Play 80 / 100 = 80 %: 8 points below -> worst
    frame = breakdown(rows("Orange", 800, 100) + rows("Play", 80, 20))
    assert list(frame.loc[frame["worst"], "key"]) == ["Play"]
    # 84 / 100 = 84 % against 88.4 %: under 5 points -> no worst
    frame = breakdown(rows("Orange", 800, 100) + rows("Play", 84, 16))
    assert not frame["worst"].any()
    # 0 of 10: far below, but too few messages to say; no operator (landlines) is never the worst
    frame = breakdown(rows("Orange", 800, 100) + rows("Tiny", 0, 10) + rows(None, 0, 50))
    assert not frame["worst"].any()
    assert list(frame["key"]) == ["Orange", "Tiny", None]


def test_the_demo_has_dispatches_with_a_worst_operator_and_the_query_marks_them(db, frames):
    bulk = frames["messages"][frames["messages"]["source"] == "bulk"]
    worst = {d: worst_key(by_key(m, "operator")) for d, m in bulk.groupby("dispatch_id")}
    marked = {d: w for d, w in worst.items() if w is not None}
    assert marked and len(marked) < len(worst)  # some dispatches, not every one
    for dispatch, operator in marked.items():
        got = operator_queries.dispatch_breakdowns(db, dispatch_id=dispatch)["operator"]
        assert list(got.loc[got["worst"], "key"]) == [operator]
