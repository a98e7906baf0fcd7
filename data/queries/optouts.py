"""Opt-outs (data/optouts.py has the rule) and the opt-out rate = opt-outs / delivered messages: of a dispatch
(or a campaign's dispatches), of each dispatch, and of the bulk messages of a period; read from the
`optout_daily` rollup, the delivered messages from `dispatch_daily` / `daily`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from data.db import Db
from data.period import Period
from data.queries.counts import PERIOD_WHERE, period_params


@dataclass(frozen=True)
class OptOuts:
    """optouts: delivered messages whose recipient opted out (once each); delivered: the delivered messages."""

    optouts: int
    delivered: int

    @property
    def rate(self) -> float:
        """Returns optouts / delivered, NaN with nothing delivered."""
        return self.optouts / self.delivered if self.delivered else math.nan


def dispatch_optouts(db: Db, *, dispatch_id: str | Sequence[str]) -> OptOuts:
    """Returns the opt-outs of a dispatch, or of several together (a campaign)."""
    ids = [dispatch_id] if isinstance(dispatch_id, str) else list(dispatch_id)
    src = db.sources()
    cur = db.cursor()
    (optouts,) = cur.execute(
        f"SELECT coalesce(sum(optouts), 0) FROM {src['optout_daily']} WHERE list_contains($ids, dispatch_id)",
        {"ids": ids},
    ).fetchone()
    (delivered,) = cur.execute(
        f"""SELECT coalesce(sum(messages), 0) FROM {src["dispatch_daily"]}
            WHERE list_contains($ids, dispatch_id) AND status = 'delivered'""",
        {"ids": ids},
    ).fetchone()
    return OptOuts(int(optouts), int(delivered))


def every_dispatch_optouts(db: Db) -> dict[str, int]:
    """Returns the opt-outs of every dispatch that has any (dispatch_id -> opt-outs), once per lake version: for
    tables and exports (their rows have the delivered messages)."""
    src = db.sources()

    def found():
        rows = (
            db.cursor()
            .execute(
                f"SELECT dispatch_id, CAST(sum(optouts) AS BIGINT) FROM {src['optout_daily']} "
                "WHERE source = 'bulk' GROUP BY dispatch_id"
            )
            .fetchall()
        )
        return {d: int(n) for d, n in rows}

    return db.remember("dispatch_optouts", found)


def period_optouts(db: Db, *, period: Period) -> OptOuts:
    """Returns the opt-outs of the bulk messages created on the period's days (the KPI cards' messages)."""
    src = db.sources()
    params = period_params(period)
    cur = db.cursor()
    (optouts,) = cur.execute(
        f"SELECT coalesce(sum(optouts), 0) FROM {src['optout_daily']} WHERE {PERIOD_WHERE} AND source = 'bulk'",
        params,
    ).fetchone()
    (delivered,) = cur.execute(
        f"""SELECT coalesce(sum(messages), 0) FROM {src["daily"]}
            WHERE {PERIOD_WHERE} AND source = 'bulk' AND status = 'delivered'""",
        params,
    ).fetchone()
    return OptOuts(int(optouts), int(delivered))


def optout_numbers_batches(db: Db, *, dispatch_id: str | Sequence[str], batch_rows: int = 50_000):
    """Returns the numbers (column msisdn) that opted out of a dispatch (or of several: each number once), in
    batches: read from the raw messages and replies by the rule (a download, not a page). MonthsUnreadable at
    once when a month of the dispatches' messages cannot be read."""
    from data.optouts import attributed_sql
    from data.queries.sms import dispatch_months

    ids = [dispatch_id] if isinstance(dispatch_id, str) else list(dispatch_id)
    months = dispatch_months(db, dispatch_ids=ids)
    db.require_months(months)
    src = db.sources()
    rule = attributed_sql(messages=src["messages"], inbound=src["inbound"])

    def batches():
        cur = db.new_cursor()
        try:
            relation = cur.sql(
                f"SELECT DISTINCT msisdn FROM ({rule}) WHERE list_contains($ids, dispatch_id) ORDER BY msisdn",
                params={"ids": ids},
            )
            yield from relation.to_arrow_reader(batch_rows)
        except Exception as exc:
            if db.note_failure(exc):
                db.require_months(months)
            raise
        finally:
            cur.close()

    return batches()
