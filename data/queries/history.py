"""The dispatch history as the page shows it and the exports write it: dispatches and campaigns,
filtered and sorted, from the period's dispatch rows and the campaign store's frames."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd

from data.db import Db
from data.period import Period
from data.queries import cost as cost_queries
from data.queries.counts import COUNT_COLUMNS
from data.queries.sms import dispatch_records
from data.store.campaigns import Rule

SORTABLE = [
    "number",
    "name",
    "message_text",
    "recipient_group",
    "sent_at",
    "sent",
    "delivered",
    "delivered_pct",
    "clicked",
    "ctr",
    "cost",
    "optouts",
]
COLUMNS = [
    "kind",
    "row_id",
    "parent_id",
    "campaign_id",
    "campaign_name",
    "rule",
    "dispatches",
    "dispatch_id",
    "number",
    "name",
    "description",
    "message_text",
    "recipient_group",
    "sent_at",
    "last_at",
    *COUNT_COLUMNS,
    "delivered_pct",
    "ctr",
    "clicks_per_clicker",
    "cost",
    "costs",
    "optouts",
    "optout_rate",
]


@dataclass(frozen=True)
class HistoryFilter:
    """Narrows dispatches: `text` contained in name or description (case and diacritics ignored),
    send date between `start` and `end` (inclusive, either may be open)."""

    text: str = ""
    start: dt.date | None = None
    end: dt.date | None = None

    @property
    def active(self) -> bool:
        return bool(self.text.strip()) or self.start is not None or self.end is not None

    def rule(self) -> Rule:
        """Returns this filter as a campaign rule."""
        return Rule(self.text.strip(), self.start, self.end)


@dataclass(frozen=True)
class Sort:
    """The history's order: a column of SORTABLE, descending or not."""

    column: str = "sent_at"
    descending: bool = True


def _matching(records: list[dict], flt: HistoryFilter | None) -> list[dict]:
    if flt is None or not flt.active or not records:  # no rows: an empty frame has no text columns to match
        return records
    frame = pd.DataFrame(
        {
            "name": [r["name"] for r in records],
            "description": [r["description"] for r in records],
            "sent_on": [pd.Timestamp(r["sent_at"]).date() for r in records],
        }
    )
    return [r for r, keep in zip(records, flt.rule().matches(frame)) if keep]


def _missing(value: object) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _ordered(records: list[dict], sort: Sort | None) -> list[dict]:
    """Returns `records` by the sort column then row_id, both in the sort's direction; empty values last."""
    sort = sort or Sort()
    if sort.column not in SORTABLE:
        raise ValueError(f"cannot sort by {sort.column!r}")
    column = sort.column
    present = [r for r in records if not _missing(r[column])]
    absent = [r for r in records if _missing(r[column])]
    present.sort(key=lambda r: (r[column], r["row_id"]), reverse=sort.descending)
    absent.sort(key=lambda r: r["row_id"], reverse=sort.descending)
    return present + absent


def _share(part: int, whole: int) -> float:
    return part / whole if whole > 0 else math.nan


def _dispatch_records(
    db: Db, *, period: Period, campaigns: pd.DataFrame, members: pd.DataFrame, flt: HistoryFilter | None
) -> list[dict]:
    names = dict(zip(campaigns["id"], campaigns["name"]))
    rules = dict(zip(campaigns["id"], campaigns["rule"].notna()))
    records = _matching(dispatch_records(db, period=period, members=members), flt)
    for r in records:
        cid = r["campaign_id"]
        r.update(
            kind="dispatch",
            row_id=str(r["number"]),
            parent_id=None if cid is None else f"c{cid}",
            campaign_name=names.get(cid),
            rule=bool(rules.get(cid, False)),
            dispatches=1,
            last_at=r["sent_at"],
        )
    return records


def _campaign_records(dispatches: list[dict], campaigns: pd.DataFrame) -> list[dict]:
    """Returns one record per campaign among `dispatches`: its members' counts summed, first and last send time."""
    grouped: dict[int, list[dict]] = {}
    for r in dispatches:
        if r["campaign_id"] is not None:
            grouped.setdefault(int(r["campaign_id"]), []).append(r)
    info = {int(c.id): c for c in campaigns.itertuples(index=False)}
    out = []
    for cid in sorted(grouped):
        rows, camp = grouped[cid], info[cid]
        sums = {c: sum(int(r[c]) for r in rows) for c in (*COUNT_COLUMNS, "optouts")}
        out.append(
            {
                "kind": "campaign",
                "row_id": f"c{cid}",
                "parent_id": None,
                "campaign_id": cid,
                "campaign_name": camp.name,
                "rule": not _missing(camp.rule),
                "dispatches": len(rows),
                "dispatch_id": None,
                "number": None,
                "name": camp.name,
                "description": camp.description,
                "message_text": camp.description,
                "recipient_group": None,
                "sent_at": min(r["sent_at"] for r in rows),
                "last_at": max(r["sent_at"] for r in rows),
                **sums,
                "delivered_pct": _share(sums["delivered"], sums["sent"]),
                "ctr": _share(sums["clicked"], sums["delivered"]),
                "clicks_per_clicker": _share(sums["clicks"], sums["clicked"]),
                **_cost_of(rows),
                "optout_rate": _share(sums["optouts"], sums["delivered"]),
            }
        )
    return out


def _cost_of(rows: list[dict]) -> dict:
    """Returns the cost and costs of a campaign row: its dispatches in view together, as its counts are."""
    costs = cost_queries.combined([r["costs"] for r in rows])
    return {"costs": costs, "cost": cost_queries.sort_key(costs)}


def history_records(
    db: Db,
    *,
    period: Period,
    campaigns: pd.DataFrame,
    members: pd.DataFrame,
    flt: HistoryFilter | None = None,
    sort: Sort | None = None,
    per: str = "campaign",
    expanded: frozenset[int] = frozenset(),
) -> list[dict]:
    """Returns the history rows in display order, as dicts with COLUMNS (sent_at and last_at naive local
    datetimes; `history` has them as a DataFrame).

    per="campaign": campaigns as one row each (their dispatches beneath, when the
    campaign is in `expanded`) and dispatches in no campaign; per="dispatch": every
    dispatch, with its campaign's name in campaign_name. (A few hundred rows at most:
    plain records sort faster than DataFrames.)
    """
    if per not in ("campaign", "dispatch"):
        raise ValueError(f"per must be campaign or dispatch, not {per!r}")
    dispatches = _dispatch_records(db, period=period, campaigns=campaigns, members=members, flt=flt)
    if per == "dispatch":
        return _ordered(dispatches, sort)
    top = _campaign_records(dispatches, campaigns) + [r for r in dispatches if r["campaign_id"] is None]
    ordered = []
    for row in _ordered(top, sort):
        ordered.append(row)
        if row["kind"] == "campaign" and row["campaign_id"] in expanded:
            ordered.extend(_ordered([r for r in dispatches if r["parent_id"] == row["row_id"]], sort))
    return ordered


def history(db: Db, **query) -> pd.DataFrame:
    """Returns `history_records(db, **query)` as a DataFrame with COLUMNS (for the exports)."""
    return pd.DataFrame(history_records(db, **query), columns=COLUMNS)
