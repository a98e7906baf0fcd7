"""The lake's state: how many messages it holds and the newest one's time (the readiness check), and
its first day (where "all time" starts on every page)."""

from __future__ import annotations

import datetime as dt

from data.db import Db


def first_day(db: Db) -> dt.date | None:
    """Returns the first local day with any message (bulk, test or API), or None when there is none:
    "all time" starts there on both report pages (once per lake version)."""
    src = db.sources()

    def found():
        rows = db.cursor().execute(f"SELECT min(day) FROM {src['daily']}").fetchall()
        return rows[0][0] if rows else None

    return db.remember("first_day", found)


def lake_state(db: Db) -> dict[str, object]:
    """Returns the lake's message count and newest message time, from Parquet metadata (no scan)."""
    cur = db.cursor()
    glob = db.message_files()  # raises LakeUnavailable when there is no lake; unreadable months left out
    # fetchall, not fetchone: a result left unfinished blocks the cursor's next register() (DuckDB 2).
    rows = cur.execute("SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata($g)", {"g": glob}).fetchall()[0][0]
    newest = cur.execute(
        "SELECT max(TRY_CAST(stats_max AS TIMESTAMPTZ)) FROM parquet_metadata($g) WHERE path_in_schema = 'created_at'",
        {"g": glob},
    ).fetchall()[0][0]
    return {"messages": int(rows), "newest": newest}
