"""What messages cost: the sum of their prices per currency (two currencies are never added up), cost per
delivered message and per click, and how many messages have no price ("price unknown", never counted as 0).
For a dispatch (or a campaign's dispatches), each dispatch of a list, a transactional row, or the bulk messages
of a period; read from the `cost_daily` rollup.

Per currency: cost per delivered message = the cost in that currency / the delivered messages billed in it;
cost per click = the cost / the clicked messages billed in it (a recipient who clicked counts once, however
often they clicked). Sums are exact (DECIMAL), returned as `decimal.Decimal`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from data.db import Db
from data.period import Period
from data.queries.counts import PERIOD_WHERE, period_params


@dataclass(frozen=True)
class Cost:
    """The cost of a set of messages: `currencies` (currency -> CurrencyCost, most spent first) and `unknown`
    (messages without a price)."""

    currencies: dict[str, CurrencyCost]
    unknown: int

    @property
    def known(self) -> bool:
        """Returns whether any message has a price."""
        return bool(self.currencies)


@dataclass(frozen=True)
class CurrencyCost:
    """What the messages billed in one currency cost: cost (their prices summed), priced (how many have a price),
    delivered and clicked (messages billed in it), per_delivered and per_click (None with none to divide by)."""

    cost: Decimal
    priced: int
    delivered: int
    clicked: int

    @property
    def per_delivered(self) -> Decimal | None:
        return self.cost / self.delivered if self.delivered else None

    @property
    def per_click(self) -> Decimal | None:
        return self.cost / self.clicked if self.clicked else None


NONE = Cost({}, 0)  # no message at all

_SUMS = """CAST(sum(messages) AS BIGINT), CAST(sum(priced) AS BIGINT), sum(cost),
           CAST(sum(messages) FILTER (WHERE status = 'delivered') AS BIGINT),
           CAST(sum(clicked) FILTER (WHERE status = 'delivered') AS BIGINT)"""


def dispatch_cost(db: Db, *, dispatch_id: str | Sequence[str]) -> Cost:
    """Returns the cost of all messages of a dispatch, or of several together (a campaign)."""
    ids = [dispatch_id] if isinstance(dispatch_id, str) else list(dispatch_id)
    return _one(db, "list_contains($ids, dispatch_id)", {"ids": ids})


def dispatch_costs(db: Db) -> dict[str, Cost]:
    """Returns the cost of every dispatch (dispatch_id -> Cost), once per lake version: for tables and exports."""
    src = db.sources()

    def found():
        rows = (
            db.cursor()
            .execute(
                f"""SELECT dispatch_id, currency, {_SUMS} FROM {src["cost_daily"]}
                    WHERE source = 'bulk' GROUP BY dispatch_id, currency"""
            )
            .fetchall()
        )
        grouped: dict[str, list[tuple]] = {}
        for dispatch_id, *rest in rows:
            grouped.setdefault(dispatch_id, []).append(tuple(rest))
        return {d: _fold(r) for d, r in grouped.items()}

    return db.remember("dispatch_costs", found)


def period_cost(db: Db, *, period: Period) -> Cost:
    """Returns the cost of the bulk messages created on the period's days (the KPI cards' messages)."""
    return _one(db, PERIOD_WHERE + " AND source = 'bulk'", period_params(period))


def trx_cost(db: Db, *, period: Period, where: str, params: dict[str, object]) -> Cost:
    """Returns the cost of the transactional messages of the period matching `where` (over source and
    campaign_label, with its bound `params`, as `data.queries.transactional` builds it)."""
    return _one(db, PERIOD_WHERE + where, {**period_params(period), **params})


def trx_costs(db: Db, *, period: Period, where: str, params: dict[str, object]) -> dict[str | None, Cost]:
    """Returns the cost of each transactional campaign label (None: unlabelled) among the period's messages
    matching `where` (as `trx_cost`), in one query."""
    src = db.sources()
    sql = f"""SELECT campaign_label, currency, {_SUMS} FROM {src["cost_daily"]} WHERE {PERIOD_WHERE}{where}
              GROUP BY campaign_label, currency"""
    grouped: dict[str | None, list[tuple]] = {}
    for label, *rest in db.cursor().execute(sql, {**period_params(period), **params}).fetchall():
        grouped.setdefault(label, []).append(tuple(rest))
    return {label: _fold(rows) for label, rows in grouped.items()}


def _one(db: Db, where: str, params: dict[str, object]) -> Cost:
    src = db.sources()
    sql = f"SELECT currency, {_SUMS} FROM {src['cost_daily']} WHERE {where} GROUP BY currency"
    return _fold(db.cursor().execute(sql, params).fetchall())


def _fold(rows: list[tuple]) -> Cost:
    """Returns the Cost of (currency, messages, priced, cost, delivered, clicked) rows."""
    unknown = 0
    currencies = {}
    for currency, messages, priced, cost, delivered, clicked in rows:
        unknown += int(messages) - int(priced or 0)
        if priced:
            key = currency or "?"
            currencies[key] = CurrencyCost(Decimal(cost or 0), int(priced), int(delivered or 0), int(clicked or 0))
    ordered = dict(sorted(currencies.items(), key=lambda kv: (-kv[1].cost, kv[0])))
    return Cost(ordered, unknown)


def combined(costs: Sequence[Cost]) -> Cost:
    """Returns the cost of several sets of messages together (a campaign's dispatches), currency by currency."""
    sums: dict[str, list] = {}
    unknown = 0
    for cost in costs:
        unknown += cost.unknown
        for currency, c in cost.currencies.items():
            s = sums.setdefault(currency, [Decimal(0), 0, 0, 0])
            s[0] += c.cost
            s[1] += c.priced
            s[2] += c.delivered
            s[3] += c.clicked
    ordered = sorted(sums.items(), key=lambda kv: (-kv[1][0], kv[0]))
    return Cost({k: CurrencyCost(*v) for k, v in ordered}, unknown)


def sort_key(cost: Cost) -> Decimal | None:
    """Returns what a table sorts a row's cost by: the sum in the row's main currency (the one it spent most in),
    None without any price (such rows sort last). Amounts in two currencies are compared as plain numbers, which
    is right as long as the rows share one currency (the lake's PLN, with a little EUR on the side)."""
    return next(iter(cost.currencies.values())).cost if cost.currencies else None


def plain(cost: Cost, part: str) -> str:
    """Returns one figure of a Cost for a spreadsheet cell: "12.3400 PLN; 1.0200 EUR" (part: cost, per_delivered or
    per_click; a point before the decimals, four of them), "" when there is none."""
    cells = []
    for currency, c in cost.currencies.items():
        value = c.cost if part == "cost" else getattr(c, part)
        if value is not None:
            cells.append(f"{value:.4f} {currency}")
    return "; ".join(cells)
