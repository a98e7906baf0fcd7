"""Look-ups in the dispatches table shared by the pages, the exports and the CLI: a dispatch by
its user-facing number, numbers and ids both ways, and the catalog campaign rules match against."""

from __future__ import annotations

import pandas as pd

from data.db import Db


def dispatch_info(db: Db, *, number: int, tz: str) -> dict[str, object] | None:
    """Returns the dispatch with this user-facing number (created_at in local time), or None."""
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
    return None if frame.empty else frame.iloc[0].to_dict()


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


def dispatch_months(db: Db, *, dispatch_ids: list[str]) -> set[str]:
    """Returns the lake months ("YYYY-MM", UTC) that hold messages of these dispatches: the month each was
    created in, and those the rollups counted its messages in; when the rollups are not read (they would be
    counted from the readable months only), the month after its creation as well."""
    src = db.sources()
    ids = list(dispatch_ids)
    created = db.cursor().execute(
        f"SELECT strftime(created_at AT TIME ZONE 'UTC', '%Y-%m'), "
        f"strftime((created_at AT TIME ZONE 'UTC') + INTERVAL 1 MONTH, '%Y-%m') "
        f"FROM {src['dispatches']} WHERE list_contains($ids, dispatch_id)",
        {"ids": ids},
    )
    pairs = created.fetchall()
    if not db.reads_rollups():
        return {m for pair in pairs for m in pair if m}
    counted = db.cursor().execute(
        f"SELECT DISTINCT month FROM {src['dispatch_daily']} WHERE list_contains($ids, dispatch_id)", {"ids": ids}
    )
    return {first for first, _next in pairs if first} | {m for (m,) in counted.fetchall() if m}


def dispatch_catalog(db: Db, *, tz: str) -> pd.DataFrame:
    """Returns every dispatch: dispatch_id, number, name, description, sent_on (local date of creation)."""
    src = db.sources()
    return (
        db.cursor()
        .execute(
            f"SELECT dispatch_id, number, name, description, CAST(timezone($tz, created_at) AS DATE) AS sent_on "
            f"FROM {src['dispatches']} ORDER BY number",
            {"tz": tz},
        )
        .df()
        .assign(sent_on=lambda f: [d.date() if hasattr(d, "date") else d for d in f["sent_on"]])
    )
