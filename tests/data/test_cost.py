"""What messages cost (per currency, per delivered message and per click, price unknown) against pandas over
the Parquet files, through the rollups and through their raw-SQL fallback alike."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from data.db import Db
from data.lake import Lake, transaction, write_clicks, write_dispatches, write_messages
from data.period import Period
from data.queries import cost as cost_queries
from data.rollups import build_rollups
from data.schema import CLICKS, DISPATCHES, MESSAGES
from tests.conftest import TZ, UNTIL
from tests.expected import bulk_in_period, costs, of_campaign, of_dispatches, trx_in_period


def same(got: cost_queries.Cost, m) -> None:
    want = costs(m)
    assert got.unknown == want["unknown"]
    assert set(got.currencies) == set(want["currencies"])
    for currency, w in want["currencies"].items():
        g = got.currencies[currency]
        assert float(g.cost) == pytest.approx(w["cost"], abs=1e-6)
        assert (g.priced, g.delivered, g.clicked) == (w["priced"], w["delivered"], w["clicked"])
        if w["delivered"]:
            assert float(g.per_delivered) == pytest.approx(w["cost"] / w["delivered"])
        if w["clicked"]:
            assert float(g.per_click) == pytest.approx(w["cost"] / w["clicked"])


def test_a_dispatch_a_campaign_and_every_dispatch(db, frames):
    m = frames["messages"]
    # a dispatch billed in two currencies (twilio's failover traffic is in EUR)
    mixed = m[m["source"] == "bulk"].groupby("dispatch_id")["currency"].nunique()
    two = mixed[mixed > 1].index[0]
    got = cost_queries.dispatch_cost(db, dispatch_id=two)
    assert set(got.currencies) == {"PLN", "EUR"}
    same(got, of_dispatches(frames, [two]))
    ids = list(frames["dispatches"]["dispatch_id"][:5])
    same(cost_queries.dispatch_cost(db, dispatch_id=ids), of_dispatches(frames, ids))
    every = cost_queries.dispatch_costs(db)
    for d in list(frames["dispatches"]["dispatch_id"][::7]):
        same(every[d], of_dispatches(frames, [d]))


def test_a_period_and_a_transactional_row(db, frames):
    period = Period(dt.date(2026, 9, 1), UNTIL, TZ)
    got = cost_queries.period_cost(db, period=period)
    same(got, bulk_in_period(frames, period))
    assert got.unknown > 0  # messages still waiting for their receipt have no price yet
    from data.queries import transactional as trx_queries
    from data.queries.transactional import Campaign

    detail = trx_queries.trx_detail(db, period=period, campaign=Campaign("potwierdzenie-zamowienia"), latest=1)
    same(detail.cost, of_campaign(trx_in_period(frames, period), "potwierdzenie-zamowienia"))


def test_no_price_is_unknown_not_zero_and_currencies_stay_apart(tmp_path):
    from tests.data.test_rollups import at, dispatch_rows, message

    rows = [
        {**message(0, at(2026, 3, 10, 12)), "price": 0.10, "currency": "PLN"},
        {**message(1, at(2026, 3, 10, 12)), "price": 0.25, "currency": "PLN"},
        {**message(2, at(2026, 3, 10, 12)), "price": 0.03, "currency": "EUR"},
        {**message(3, at(2026, 3, 10, 12)), "price": None, "currency": None},
        {**message(4, at(2026, 3, 10, 12), status="pending"), "price": None, "currency": "PLN"},
    ]
    lake = Lake(tmp_path / "lake")
    with transaction(lake, fresh=True) as staging:
        write_messages(staging, pa.Table.from_pylist(rows, schema=MESSAGES))
        write_clicks(staging, pa.Table.from_pylist([], schema=CLICKS))
        write_dispatches(staging, pa.Table.from_pylist(dispatch_rows(), schema=DISPATCHES))
        build_rollups(staging, tz=TZ)
    for db in (Db(lake, tz=TZ), Db(lake, tz=TZ, use_rollups=False)):
        got = cost_queries.dispatch_cost(db, dispatch_id="d1")
        assert got.unknown == 2
        assert list(got.currencies) == ["PLN", "EUR"]  # most spent first; never one sum
        pln, eur = got.currencies["PLN"], got.currencies["EUR"]
        assert str(pln.cost.normalize()) == "0.35" and pln.priced == 2 and pln.delivered == 2
        assert float(pln.per_delivered) == pytest.approx(0.175) and pln.per_click is None
        assert str(eur.cost.normalize()) == "0.03" and eur.delivered == 1


def test_history_rows_carry_each_dispatchs_and_each_campaigns_cost_and_sort_by_it(ctx, frames):
    import pandas as pd

    from data.queries.history import Sort, history_records

    period = Period(dt.date(2026, 9, 1), UNTIL, TZ)
    m = frames["messages"]
    shown = set(bulk_in_period(frames, period)["dispatch_id"])
    mixed = m[m["source"] == "bulk"].groupby("dispatch_id")["currency"].nunique()
    two = next(d for d in mixed[mixed > 1].index if d in shown)
    other = next(d for d in sorted(shown) if d != two)
    campaigns = pd.DataFrame({"id": [5], "name": ["Jesień"], "description": [""], "rule": [None]})
    members = pd.DataFrame({"dispatch_id": [two, other], "campaign_id": [5, 5]})
    rows = history_records(ctx.db, period=period, campaigns=campaigns, members=members, sort=Sort("cost", True))
    (campaign,) = [r for r in rows if r["kind"] == "campaign"]
    same(campaign["costs"], of_dispatches(frames, [two, other]))  # PLN and EUR apart, never summed
    assert set(campaign["costs"].currencies) == {"PLN", "EUR"}
    per_dispatch = history_records(
        ctx.db, period=period, campaigns=campaigns, members=members, per="dispatch", sort=Sort("cost", True)
    )
    assert {r["dispatch_id"] for r in per_dispatch} == shown
    for r in per_dispatch:
        same(r["costs"], of_dispatches(frames, [r["dispatch_id"]]))
    # sorted by the sum in each row's main currency (the one it spent most in), rows without a price last
    main = [
        max((c["cost"] for c in costs(of_dispatches(frames, [r["dispatch_id"]]))["currencies"].values()), default=None)
        for r in per_dispatch
    ]
    priced = [v for v in main if v is not None]
    assert priced == sorted(priced, reverse=True) and main[: len(priced)] == priced
