"""Independent (pandas-only) computations of what the reports should show."""
from __future__ import annotations

import pandas as pd

from data.period import Period

NOT_DELIVERED = {"undelivered", "expired", "rejected", "failed", "unknown"}


def bulk_in_period(frames: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
    """Bulk messages created on the period's local days, with a `clicked` flag (human clicks)."""
    m = frames["messages"]
    local_day = m["created_at"].dt.tz_convert(period.tz).dt.date
    m = m[(m["source"] == "bulk") & (local_day >= period.start) & (local_day <= period.end)].copy()
    m["day"] = local_day[m.index]
    human = set(frames["clicks"].loc[~frames["clicks"]["is_bot"], "message_id"])
    m["clicked"] = m["message_id"].isin(human)
    return m


def counts(m: pd.DataFrame) -> dict[str, int]:
    """The report's counts of a set of messages."""
    return {
        "recipients": len(m),
        "sent": int((m["status"] != "not_sent").sum()),
        "delivered": int((m["status"] == "delivered").sum()),
        "not_sent": int((m["status"] == "not_sent").sum()),
        "not_delivered": int(m["status"].isin(NOT_DELIVERED).sum()),
        "pending": int((m["status"] == "pending").sum()),
        "clicked": int(m["clicked"].sum()),
    }
