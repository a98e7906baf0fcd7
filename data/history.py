"""The dispatch history as the page shows it and the exports write it: dispatches and campaigns,
filtered and sorted, from the period's dispatch rows and the campaign store's frames."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from data import queries
from data.campaigns import Rule, fold
from data.db import Db
from data.period import Period
from data.queries import COUNT_COLUMNS, with_rates

SORTABLE = ["number", "name", "message_text", "recipient_group", "sent_at", "sent", "delivered", "delivered_pct",
            "clicked", "ctr"]
COLUMNS = ["kind", "row_id", "parent_id", "campaign_id", "campaign_name", "rule", "dispatches", "dispatch_id", "number",
           "name", "description", "message_text", "recipient_group", "sent_at", "last_at", *COUNT_COLUMNS,
           "delivered_pct", "ctr"]


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


def _match(rows: pd.DataFrame, flt: HistoryFilter | None) -> pd.Series:
    if flt is None or not flt.active:
        return pd.Series(True, index=rows.index)
    frame = pd.DataFrame({"name": rows["name"], "description": rows["description"],
                          "sent_on": [pd.Timestamp(v).date() for v in rows["sent_at"]]})
    return flt.rule().matches(frame)


def _sorted(rows: pd.DataFrame, sort: Sort | None) -> pd.DataFrame:
    sort = sort or Sort()
    if sort.column not in SORTABLE:
        raise ValueError(f"cannot sort by {sort.column!r}")
    return rows.sort_values([sort.column, "row_id"], ascending=not sort.descending, na_position="last", kind="stable")


def dispatch_rows(db: Db, *, period: Period, campaigns: pd.DataFrame, members: pd.DataFrame,
                  flt: HistoryFilter | None = None) -> pd.DataFrame:
    """Returns the period's dispatches that pass the filter, with their campaign (id and name), as COLUMNS."""
    frame = queries.dispatches(db, period=period, members=members)
    frame = frame[_match(frame, flt)].copy()
    names = dict(zip(campaigns["id"], campaigns["name"]))
    rules = dict(zip(campaigns["id"], campaigns["rule"].notna()))
    frame["kind"] = "dispatch"
    frame["row_id"] = frame["number"].astype(str)
    frame["parent_id"] = [None if c is None else f"c{c}" for c in frame["campaign_id"]]
    frame["campaign_name"] = [names.get(c) for c in frame["campaign_id"]]
    frame["rule"] = [bool(rules.get(c, False)) for c in frame["campaign_id"]]
    frame["dispatches"] = 1
    frame["last_at"] = frame["sent_at"]
    return frame[COLUMNS].reset_index(drop=True)


def campaign_rows(dispatches: pd.DataFrame, campaigns: pd.DataFrame) -> pd.DataFrame:
    """Returns one row per campaign among `dispatches` (dispatch_rows output): its members' counts summed,
    first and last send time, as COLUMNS."""
    members = dispatches[dispatches["campaign_id"].notna()]
    if members.empty:
        return pd.DataFrame(columns=COLUMNS)
    grouped = members.groupby(members["campaign_id"].astype("int64"))
    sums = grouped[COUNT_COLUMNS].sum()
    out = with_rates(sums.reset_index().rename(columns={"campaign_id": "campaign_id"}))
    out["dispatches"] = grouped.size().to_numpy()
    out["sent_at"] = grouped["sent_at"].min().to_numpy()
    out["last_at"] = grouped["sent_at"].max().to_numpy()
    info = campaigns.set_index("id")
    out["campaign_name"] = [info.loc[c, "name"] for c in out["campaign_id"]]
    out["description"] = [info.loc[c, "description"] for c in out["campaign_id"]]
    out["rule"] = [info.loc[c, "rule"] is not None and not pd.isna(info.loc[c, "rule"]) for c in out["campaign_id"]]
    out["kind"] = "campaign"
    out["row_id"] = [f"c{c}" for c in out["campaign_id"]]
    out["parent_id"] = None
    out["dispatch_id"] = None
    out["number"] = None
    out["name"] = out["campaign_name"]
    out["message_text"] = out["description"]
    out["recipient_group"] = None
    out["campaign_id"] = out["campaign_id"].astype("object")
    return out[COLUMNS].reset_index(drop=True)


def history(db: Db, *, period: Period, campaigns: pd.DataFrame, members: pd.DataFrame,
            flt: HistoryFilter | None = None, sort: Sort | None = None, per: str = "campaign",
            expanded: frozenset[int] = frozenset()) -> pd.DataFrame:
    """Returns the history rows in display order.

    per="campaign": campaigns as one row each (their dispatches beneath, when the
    campaign is in `expanded`) and dispatches in no campaign; per="dispatch": every
    dispatch, with its campaign's name in campaign_name.
    """
    dispatches = dispatch_rows(db, period=period, campaigns=campaigns, members=members, flt=flt)
    if per == "dispatch":
        return _sorted(dispatches, sort).reset_index(drop=True)
    if per != "campaign":
        raise ValueError(f"per must be campaign or dispatch, not {per!r}")
    top = pd.concat([campaign_rows(dispatches, campaigns), dispatches[dispatches["campaign_id"].isna()]],
                    ignore_index=True) if dispatches["campaign_id"].notna().any() else dispatches
    ordered = []
    for row in _sorted(top, sort).itertuples(index=False):
        ordered.append(row._asdict())
        if row.kind == "campaign" and int(row.campaign_id) in expanded:
            children = _sorted(dispatches[dispatches["parent_id"] == row.row_id], sort)
            ordered.extend(children.to_dict("records"))
    return pd.DataFrame(ordered, columns=COLUMNS)
