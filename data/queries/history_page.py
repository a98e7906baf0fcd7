"""One page of the dispatch history as the page's grid asks for it (AG Grid's infinite row model): the period's
dispatches and campaigns filtered, sorted and cut in SQL, so an answer carries a page, not the period.

The rows and their order are those of `data.queries.history.history_records` (the exports'), sorted by any
column the grid can sort by: the sort column in the chosen direction, empty values last, ties by row_id in
the same direction; an open campaign's dispatches right under it, in the same order among themselves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from data.db import Db
from data.period import Period
from data.queries import cost as cost_queries
from data.queries.counts import COUNT_COLUMNS
from data.queries.history import HistoryFilter, Sort
from data.queries.sms import dispatch_records
from data.store.campaigns import fold

#: What each sortable grid column sorts by (SQL over a history row). Only these texts ever reach the SQL:
#: a sort asked for by anything else is refused. "campaign" is the grid's campaign column: a dispatch's
#: campaign name (a campaign row shows none there).
SORT_KEYS = {
    "number": "number",
    "name": "name",
    "message_text": "message_text",
    "recipient_group": "recipient_group",
    "campaign": "CASE WHEN kind = 'campaign' THEN NULL ELSE campaign_name END",
    "sent_at": "sent_at",
    "sent": "sent",
    "delivered": "delivered",
    "delivered_pct": "delivered_pct",
    "clicked": "clicked",
    "ctr": "ctr",
    "cost": "cost",
    "optouts": "optouts",
}
_COST_ITEMS = pa.list_(pa.struct([("currency", pa.string()), ("amount", pa.decimal128(38, 6))]))
_EVER = (dt.date(1900, 1, 1), dt.date(2999, 12, 31))
_ALL = 2**62  # LIMIT of "to the last row"


@dataclass(frozen=True)
class HistoryPage:
    """A page of the history: its `rows` (dicts of plain values, in order; missing values None), how many rows the whole
    history has (`total`) and how many dispatches they stand for (`dispatches`: a campaign row counts its
    dispatches in view, its open dispatches beneath are not counted again)."""

    rows: list[dict]
    total: int
    dispatches: int


def _all_dispatches(db: Db, tz: str) -> pa.Table:
    """Returns every dispatch's history record (`dispatch_records` over all time) with its folded name and
    description (`hay`, for the filter) and its local send day, as an Arrow table: built once per lake version."""

    def build() -> pa.Table:
        frame = pd.DataFrame(dispatch_records(db, period=Period(*_EVER, tz)))
        if frame.empty:
            frame = pd.DataFrame(
                columns=["dispatch_id", "number", "name", "description", "sent_at", *COUNT_COLUMNS, "optouts"]
            )
        frame["hay"] = (frame["name"].fillna("") + "\n" + frame["description"].fillna("")).map(fold)
        frame["sent_at"] = pd.to_datetime(frame["sent_at"])
        frame["sent_on"] = frame["sent_at"].dt.date
        costs = frame.pop("costs") if "costs" in frame else pd.Series([cost_queries.NONE] * len(frame), dtype=object)
        frame = frame.drop(columns=["cost"], errors="ignore")
        table = pa.Table.from_pandas(frame, preserve_index=False)
        # each currency's sum apart (a campaign's cost sorts by its main currency's sum, as history.py's does)
        items = [[{"currency": k, "amount": c.cost} for k, c in cost.currencies.items()] for cost in costs]
        amounts = [cost_queries.sort_key(cost) for cost in costs]
        table = table.append_column("cost", pa.array(amounts, pa.decimal128(38, 6)))
        return table.append_column("cost_items", pa.array(items, _COST_ITEMS))

    return db.remember(("history_dispatches", tz), build)


def _arrow(frame: pd.DataFrame, types: dict[str, pa.DataType]) -> pa.Table:
    """Returns `frame`'s columns `types` as an Arrow table of those types (DuckDB scans it without Python)."""
    return pa.table({c: pa.array(frame[c], type=t, from_pandas=True) for c, t in types.items()})


def history_page(
    db: Db,
    *,
    period: Period,
    campaigns: pd.DataFrame,
    members: pd.DataFrame,
    flt: HistoryFilter | None = None,
    sort: Sort | None = None,
    per: str = "campaign",
    expanded: frozenset[int] = frozenset(),
    start: int = 0,
    end: int | None = None,
) -> HistoryPage:
    """Returns rows `start`..`end` (end excluded; None: to the last) of the period's history in `sort` order
    (per="campaign": campaigns as one row each, their dispatches beneath when in `expanded`, and dispatches
    in no campaign; per="dispatch": every dispatch), as a HistoryPage."""
    if per not in ("campaign", "dispatch"):
        raise ValueError(f"per must be campaign or dispatch, not {per!r}")
    sort = sort or Sort()
    if sort.column not in SORT_KEYS:
        raise ValueError(f"cannot sort by {sort.column!r}")
    key, direction = SORT_KEYS[sort.column], "DESC" if sort.descending else "ASC"
    flt = flt or HistoryFilter()
    start = max(0, int(start))
    limit = _ALL if end is None else max(0, int(end) - start)
    sums = ", ".join(f"CAST(sum(d.{c}) AS BIGINT) AS {c}" for c in COUNT_COLUMNS)
    chosen = """
        d AS (
            SELECT f.* EXCLUDE (hay, sent_on), CAST(m.campaign_id AS BIGINT) AS campaign_id
            FROM history_dispatches f LEFT JOIN history_members m USING (dispatch_id)
            WHERE f.sent_at >= $lo AND f.sent_at < $hi AND contains(f.hay, $needle)
              AND ($since IS NULL OR f.sent_on >= $since) AND ($until IS NULL OR f.sent_on <= $until)
        )"""
    # No window over the whole history: each row carries the sort values of the row it is shown under (its
    # own for a top row, its campaign's for an open campaign's dispatch), so ORDER BY ... LIMIT keeps a page's
    # worth of rows rather than sorting them all.
    if per == "campaign":
        kids = f"""
                UNION ALL BY NAME
                SELECT k.*, t.g_key, t.g_row, 1 AS kid, k.row_id AS o_row
                FROM (SELECT *, ({key}) AS o_key FROM disp
                      WHERE parent_id IS NOT NULL AND list_contains($expanded, campaign_id)) k
                JOIN (SELECT row_id AS g_row, ({key}) AS g_key FROM camp) t ON t.g_row = k.parent_id"""
        shown = f"""
            top AS (SELECT * FROM camp UNION ALL BY NAME SELECT * FROM disp WHERE parent_id IS NULL),
            shown AS (
                SELECT *, ({key}) AS g_key, row_id AS g_row, 0 AS kid, NULL AS o_key, NULL AS o_row FROM top
                {kids if expanded else ""}
            )"""
        order = (
            f"g_key IS NULL, g_key {direction}, g_row {direction}, kid, o_key IS NULL, o_key {direction}, "
            f"o_row {direction}"
        )
        hidden = "g_key, g_row, kid, o_key, o_row"
        counted = """
            SELECT count(DISTINCT campaign_id) + count(*) FILTER (WHERE campaign_id IS NULL)
                   + count(*) FILTER (WHERE list_contains($expanded, campaign_id)), count(*)
            FROM d"""
    else:
        shown = f"shown AS (SELECT *, ({key}) AS g_key FROM disp)"
        order = f"g_key IS NULL, g_key {direction}, row_id {direction}"
        hidden = "g_key"
        counted = "SELECT count(*), count(*) FROM d"
    rows_sql = f"""
        WITH {chosen},
        disp AS (
            SELECT 'dispatch' AS kind, CAST(d.number AS VARCHAR) AS row_id,
                   CASE WHEN d.campaign_id IS NULL THEN NULL ELSE 'c' || d.campaign_id END AS parent_id,
                   CAST(c.name AS VARCHAR) AS campaign_name, coalesce(c.rule IS NOT NULL, false) AS rule,
                   1 AS dispatches, d.sent_at AS last_at, d.*
            FROM d LEFT JOIN history_campaigns c ON c.id = d.campaign_id
        ),
        camp_cost AS (
            SELECT campaign_id, max(amount) AS cost FROM (
                SELECT campaign_id, i.currency, sum(i.amount) AS amount
                FROM (SELECT campaign_id, unnest(cost_items) AS i FROM d WHERE campaign_id IS NOT NULL)
                GROUP BY ALL
            ) GROUP BY campaign_id
        ),
        camp AS (
            SELECT 'campaign' AS kind, 'c' || c.id AS row_id, CAST(NULL AS VARCHAR) AS parent_id,
                   CAST(c.id AS BIGINT) AS campaign_id, CAST(c.name AS VARCHAR) AS campaign_name,
                   CAST(NULL AS BIGINT) AS number, CAST(NULL AS VARCHAR) AS recipient_group,
                   c.rule IS NOT NULL AS rule, count(*) AS dispatches, CAST(c.name AS VARCHAR) AS name,
                   CAST(c.description AS VARCHAR) AS description, CAST(c.description AS VARCHAR) AS message_text,
                   min(d.sent_at) AS sent_at, max(d.sent_at) AS last_at, {sums},
                   sum(d.delivered) / nullif(sum(d.sent), 0) AS delivered_pct,
                   sum(d.clicked) / nullif(sum(d.delivered), 0) AS ctr,
                   sum(d.clicks) / nullif(sum(d.clicked), 0) AS clicks_per_clicker,
                   CAST(sum(d.optouts) AS BIGINT) AS optouts, sum(d.optouts) / nullif(sum(d.delivered), 0) AS optout_rate,
                   any_value(k.cost) AS cost, list(d.dispatch_id) AS member_ids
            FROM d JOIN history_campaigns c ON c.id = d.campaign_id LEFT JOIN camp_cost k ON k.campaign_id = c.id
            GROUP BY c.id, c.name, c.description, c.rule
        ),
        {shown}
        SELECT * EXCLUDE ({hidden}, cost_items) FROM shown ORDER BY {order} LIMIT $limit OFFSET $offset
    """
    lo = dt.datetime.combine(period.start, dt.time())
    hi = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time())
    params = {
        "lo": lo,
        "hi": hi,
        "needle": fold(flt.text.strip()),
        "since": flt.start,
        "until": flt.end,
    }
    if per == "campaign":
        params["expanded"] = sorted(int(c) for c in expanded)
    rows_params = {**params, "limit": limit, "offset": start}
    if per == "campaign" and not expanded:
        rows_params.pop("expanded")
    cur = db.new_cursor()
    try:
        cur.register("history_dispatches", _all_dispatches(db, period.tz))
        cur.register("history_members", _arrow(members, {"dispatch_id": pa.string(), "campaign_id": pa.int64()}))
        cur.register(
            "history_campaigns",
            _arrow(campaigns, {"id": pa.int64(), "name": pa.string(), "description": pa.string(), "rule": pa.string()}),
        )
        total, dispatches = cur.execute(f"WITH {chosen} {counted}", params).fetchone()
        rows = []
        if limit > 0 and start < total:
            result = cur.execute(rows_sql, rows_params)
            names = [c[0] for c in result.description]
            rows = [dict(zip(names, r)) for r in result.fetchall()]
    finally:
        cur.close()
    every = cost_queries.dispatch_costs(db)
    for row in rows:
        members = row.pop("member_ids", None) if row["kind"] == "campaign" else None
        if members is not None:
            row["costs"] = cost_queries.combined([every.get(m, cost_queries.NONE) for m in members])
        else:
            row.pop("member_ids", None)
            row["costs"] = every.get(row["dispatch_id"], cost_queries.NONE)
    return HistoryPage(rows=rows, total=int(total), dispatches=int(dispatches))
