"""Look-ups in the dispatches table shared by the pages, the exports and the CLI: a dispatch by
its user-facing number, numbers and ids both ways, and the catalog campaign rules match against."""

from __future__ import annotations

import pandas as pd

from data.db import Db
from data.queries.sms import dispatch_sent_at


def dispatch_info(db: Db, *, number: int, tz: str) -> dict[str, object] | None:
    """Returns the dispatch with this user-facing number, or None: created_at (when it was set up) and
    sent_at (its first message, as the dispatch history shows it; None before any), in local time."""
    src = db.sources()
    frame = (
        db.cursor()
        .execute(
            f"""
        SELECT d.dispatch_id, d.number, d.name, d.description, d.message_text, d.recipient_group, d.sender,
               timezone($tz, d.created_at) AS created_at
        FROM {src["dispatches"]} d WHERE d.number = $number
        """,
            {"number": int(number), "tz": tz},
        )
        .df()
    )
    if frame.empty:
        return None
    info = frame.iloc[0].to_dict()
    info["sent_at"] = dispatch_sent_at(db, dispatch_id=info["dispatch_id"], tz=tz)
    return info


def dispatch_ids(db: Db, *, numbers: list[int]) -> dict[int, str]:
    """Returns dispatch number -> dispatch_id for the numbers that exist."""
    src = db.sources()
    rows = (
        db.cursor()
        .execute(
            f"SELECT number, dispatch_id FROM {src['dispatches']} WHERE list_contains($numbers, number)",
            {"numbers": [int(n) for n in numbers]},
        )
        .fetchall()
    )
    return {int(n): d for n, d in rows}


def dispatch_numbers(db: Db, *, dispatch_ids: list[str]) -> dict[str, int]:
    """Returns dispatch_id -> dispatch number for the ids that exist."""
    src = db.sources()
    rows = (
        db.cursor()
        .execute(
            f"SELECT dispatch_id, number FROM {src['dispatches']} WHERE list_contains($ids, dispatch_id)",
            {"ids": list(dispatch_ids)},
        )
        .fetchall()
    )
    return {d: int(n) for d, n in rows}


def dispatch_catalog(db: Db, *, tz: str) -> pd.DataFrame:
    """Returns every dispatch: dispatch_id, number, name, description, sent_on (the local day of its first
    message, as the dispatch history dates it; of its creation before any message)."""
    src = db.sources()
    return (
        db.cursor()
        .execute(
            f"""SELECT d.dispatch_id, d.number, d.name, d.description,
                       CAST(timezone($tz, coalesce(f.first_at, d.created_at)) AS DATE) AS sent_on
                FROM {src["dispatches"]} d
                LEFT JOIN (SELECT dispatch_id, min(first_at) AS first_at FROM {src["dispatch_daily"]}
                           GROUP BY dispatch_id) f USING (dispatch_id)
                ORDER BY d.number""",
            {"tz": tz},
        )
        .df()
        .assign(sent_on=lambda f: [d.date() if hasattr(d, "date") else d for d in f["sent_on"]])
    )
