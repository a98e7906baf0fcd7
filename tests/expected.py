"""Independent (pandas-only) computations of what the reports should show: plain pandas over the
frames the `frames` fixture reads with pyarrow; nothing here calls the app's queries."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from data.period import Period

NOT_DELIVERED = {"undelivered", "expired", "rejected", "failed", "unknown"}
STATUS_GROUPS = ("delivered", "not_sent", "not_delivered", "pending")  # the users' order


def human_clicked(frames: dict[str, pd.DataFrame]) -> set[str]:
    """The ids of the messages with at least one human (not bot) click."""
    clicks = frames["clicks"]
    return set(clicks.loc[~clicks["is_bot"], "message_id"])


def human_clicks(frames: dict[str, pd.DataFrame], m: pd.DataFrame) -> pd.Series:
    """How many human (not bot) clicks each message of `m` has (0 for none), aligned with `m`."""
    clicks = frames["clicks"]
    per = clicks.loc[~clicks["is_bot"], "message_id"].value_counts()
    return m["message_id"].map(per).fillna(0).astype("int64")


def bulk_in_period(frames: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
    """Bulk messages created on the period's local days, with a `clicked` flag (human clicks)."""
    m = frames["messages"]
    local_day = m["created_at"].dt.tz_convert(period.tz).dt.date
    m = m[(m["source"] == "bulk") & (local_day >= period.start) & (local_day <= period.end)].copy()
    m["day"] = local_day[m.index]
    m["clicked"] = m["message_id"].isin(human_clicked(frames))
    m["clicks"] = human_clicks(frames, m)
    return m


def sent_in_period(frames: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
    """Every message of the dispatches sent in the period (their first message on one of its local days),
    whatever its day, with a `clicked` flag (human clicks)."""
    m = frames["messages"]
    bulk = m[m["source"] == "bulk"]
    first = bulk.groupby("dispatch_id")["created_at"].min().dt.tz_convert(period.tz).dt.date
    chosen = first[(first >= period.start) & (first <= period.end)].index
    return of_dispatches(frames, list(chosen))


def across_midnight(frames: dict[str, pd.DataFrame], tz: str) -> tuple[str, dt.date]:
    """A bulk dispatch whose messages span two local days, and the day it began (the newest such one)."""
    bulk = frames["messages"][frames["messages"]["source"] == "bulk"]
    local = bulk["created_at"].dt.tz_convert(tz).dt.date
    days = local.groupby(bulk["dispatch_id"]).agg(["min", "max"])
    split = days[days["min"] != days["max"]].sort_values("min")
    return split.index[-1], split["min"].iloc[-1]


def of_dispatches(frames: dict[str, pd.DataFrame], dispatch_ids: list[str]) -> pd.DataFrame:
    """Every message of these dispatches (whatever its day), with a `clicked` flag (human clicks)."""
    m = frames["messages"]
    m = m[m["dispatch_id"].isin(dispatch_ids)].copy()
    m["clicked"] = m["message_id"].isin(human_clicked(frames))
    m["clicks"] = human_clicks(frames, m)
    return m


def trx_in_period(frames: dict[str, pd.DataFrame], period: Period, source: str | None = None) -> pd.DataFrame:
    """Transactional messages created on the period's local days, with clicked / clicked_raw flags."""
    m = frames["messages"]
    day = m["created_at"].dt.tz_convert(period.tz).dt.date
    keep = (m["source"] != "bulk") & (day >= period.start) & (day <= period.end)
    if source:
        keep &= m["source"] == source
    m = m[keep].copy()
    m["day"] = day[m.index]
    m["clicked"] = m["message_id"].isin(human_clicked(frames))
    m["clicked_raw"] = m["message_id"].isin(set(frames["clicks"]["message_id"]))
    m["clicks"] = human_clicks(frames, m)
    return m


def of_campaign(m: pd.DataFrame, label: str | None) -> pd.DataFrame:
    """The messages of `m` with this campaign label (None: those without one)."""
    return m[m["campaign_label"].isna()] if label is None else m[m["campaign_label"] == label]


def counts(m: pd.DataFrame) -> dict[str, int]:
    """The report's counts of a set of messages (clicked: delivered messages with a human click; clicks, when `m`
    has their numbers: every human click of the delivered messages)."""
    delivered = m["status"] == "delivered"
    more = {"clicks": int(m.loc[delivered, "clicks"].sum())} if "clicks" in m else {}
    return {
        "recipients": len(m),
        "sent": int((m["status"] != "not_sent").sum()),
        "delivered": int((m["status"] == "delivered").sum()),
        "not_sent": int((m["status"] == "not_sent").sum()),
        "not_delivered": int(m["status"].isin(NOT_DELIVERED).sum()),
        "pending": int((m["status"] == "pending").sum()),
        "clicked": int((m["clicked"] & delivered).sum()),
        **more,
    }


def trx_counts(m: pd.DataFrame) -> dict[str, int]:
    """The transactional report's counts of a set of messages: `counts` and clicked_raw (delivered messages
    with any click, bots' too)."""
    return {**counts(m), "clicked_raw": int((m["clicked_raw"] & (m["status"] == "delivered")).sum())}


def rate(part: int, whole: int) -> float:
    """part / whole, NaN when whole is 0 (a rate with nothing to divide is undefined, not 0)."""
    return part / whole if whole else float("nan")


def daily(m: pd.DataFrame, period: Period) -> pd.DataFrame:
    """One row per day of the period (zeros where nothing was sent), indexed by day: the `counts` columns."""
    days = [period.start + dt.timedelta(days=i) for i in range((period.end - period.start).days + 1)]
    rows = {day: counts(group) for day, group in m.groupby("day")}
    zero = counts(m.iloc[0:0])
    return pd.DataFrame([rows.get(d, zero) for d in days], index=pd.Index(days, name="day"))


def status_group_counts(m: pd.DataFrame) -> dict[str, int]:
    """Messages per status group, every group present."""
    c = counts(m)
    return {g: c[g] for g in STATUS_GROUPS}


def reason_counts(m: pd.DataFrame) -> dict[tuple[str, str], int]:
    """(status group, reason or "none") -> messages, for the not-sent and not-delivered messages of `m`."""
    group = m["status"].map(
        lambda s: "not_sent" if s == "not_sent" else ("not_delivered" if s in NOT_DELIVERED else None)
    )
    bad = m[group.notna()]
    return bad.groupby([group[bad.index], bad["reason"].fillna("none")]).size().to_dict()


def bucket_keys(days: pd.Series, period: Period, grain: str) -> pd.Series:
    """The bucket of each day of `period` (a day, a week from Monday, a month: pandas periods), named by its
    first day within the period."""
    stamps = pd.to_datetime(pd.Series(list(days), dtype="object"))
    if grain == "day":
        first = stamps
    else:
        first = stamps.dt.to_period("W-SUN" if grain == "week" else "M").dt.start_time
    return first.clip(lower=pd.Timestamp(period.start)).dt.date


def bucketed(m: pd.DataFrame, period: Period, grain: str, count=None, *, of: Period | None = None) -> pd.DataFrame:
    """One row per bucket of `period` (empty buckets as zeros), indexed by the bucket's first day within the
    period: `count` (default `counts`) of the messages of `m` whose day falls in it. With `of` (the previous
    period), `m` holds that period's messages and each is placed at the same offset in `period`."""
    count = count or counts
    days = pd.Series([period.start + dt.timedelta(days=i) for i in range((period.end - period.start).days + 1)])
    index = list(dict.fromkeys(bucket_keys(days, period, grain)))
    day = m["day"]
    if of is not None:
        day = day.map(lambda d: period.start + (d - of.start))
    keys = bucket_keys(day, period, grain) if len(m) else pd.Series([], dtype="object")
    rows = {key: count(group) for key, group in m.groupby(keys.to_numpy())} if len(m) else {}
    zero = count(m.iloc[0:0])
    return pd.DataFrame([rows.get(k, zero) for k in index], index=pd.Index(index, name="day"))


def messages_found(
    frames: dict[str, pd.DataFrame], tz: str, *, msisdn: str | None = None, message_id: str | None = None
) -> pd.DataFrame:
    """The messages to `msisdn` (or with `message_id`), newest first, as a search shows them: their
    dispatch's number and name, local times (sent, done and clicks floored to the millisecond) and
    clicks as (local time, is_bot), oldest first."""
    m = frames["messages"]
    m = m[m["msisdn"] == msisdn] if msisdn is not None else m[m["message_id"] == message_id]
    m = m.sort_values(["created_at", "message_id"], ascending=False)
    dispatches = frames["dispatches"].set_index("dispatch_id")
    clicks = frames["clicks"][frames["clicks"]["message_id"].isin(set(m["message_id"]))].sort_values("clicked_at")

    def local(ts, floor_ms: bool = True):
        if pd.isna(ts):
            return None
        ts = ts.tz_convert(tz)
        return (ts.floor("ms") if floor_ms else ts).tz_localize(None).to_pydatetime()

    def text(value):
        return None if value is None or (isinstance(value, float) and pd.isna(value)) else value

    rows = []
    for r in m.itertuples(index=False):
        known = text(r.dispatch_id) is not None and r.dispatch_id in dispatches.index
        mine = clicks[clicks["message_id"] == r.message_id]
        rows.append(
            {
                "message_id": r.message_id,
                "msisdn": r.msisdn,
                "source": text(r.source),
                "dispatch_number": int(dispatches.loc[r.dispatch_id, "number"]) if known else None,
                "dispatch_name": dispatches.loc[r.dispatch_id, "name"] if known else None,
                "campaign_label": text(r.campaign_label),
                "status": text(r.status),
                "reason": text(r.reason),
                "raw_status": text(r.raw_status),
                "raw_error": text(r.raw_error),
                "created_at": local(r.created_at, floor_ms=False),
                "sent_at": local(r.sent_at),
                "done_at": local(r.done_at),
                "clicks": [(local(at), bool(bot)) for at, bot in zip(mine["clicked_at"], mine["is_bot"])],
            }
        )
    return pd.DataFrame(rows, columns=list(rows[0]) if rows else None, dtype="object")


def by_key(m: pd.DataFrame, key: str) -> dict[object, dict]:
    """Messages of `m` by `key` (operator or country; None for none): the `counts` of each (without clicks), its
    delivered / sent, and the not-delivered messages' reasons ("none" for none) -> count."""
    out = {}
    keys = m[key].astype("object").where(m[key].notna(), None)
    for value in keys.drop_duplicates():
        part = m[keys.isna()] if value is None else m[keys == value]
        c = counts(part.assign(clicked=False))
        bad = part[part["status"].isin(NOT_DELIVERED)]
        out[value] = {
            **{k: v for k, v in c.items() if k != "clicked"},
            "delivered_pct": rate(c["delivered"], c["sent"]),
            "reasons": bad["reason"].fillna("none").value_counts().to_dict(),
        }
    return out


def worst_key(found: dict[object, dict], *, gap: float = 0.05, min_sent: int = 20) -> object | None:
    """The key (not None) with the lowest delivery rate among those with at least `min_sent` sent, when that rate is
    more than `gap` below the rate of all of them together; else None."""
    sent = sum(v["sent"] for v in found.values())
    overall = rate(sum(v["delivered"] for v in found.values()), sent)
    eligible = {k: v for k, v in found.items() if k is not None and v["sent"] >= min_sent}
    if not eligible:
        return None
    key = min(eligible, key=lambda k: eligible[k]["delivered_pct"])
    return key if overall - eligible[key]["delivered_pct"] > gap else None


def delivery_times(m: pd.DataFrame) -> dict:
    """The time from sending to delivery of the delivered messages of `m` that have both times: seconds (a receipt
    before the send as 0), how many were before the send (skewed), and each one's quarter-octave bucket (0: under
    a second; b: [2^((b-1)/4), 2^(b/4)) s), as bucket -> messages; also by operator (operator -> seconds)."""
    import numpy as np

    d = m[(m["status"] == "delivered") & m["sent_at"].notna() & m["done_at"].notna()]
    delay_us = (d["done_at"] - d["sent_at"]).dt.total_seconds().to_numpy() * 1e6
    delay_us = np.round(delay_us)
    seconds = np.clip(delay_us, 0, None) / 1e6
    with np.errstate(divide="ignore"):
        bucket = np.where(delay_us < 1e6, 0, 1 + np.floor(4 * np.log2(np.maximum(delay_us, 1) / 1e6))).astype(int)
    ops = d["operator"].astype("object").where(d["operator"].notna(), None).to_numpy()
    by_operator: dict = {}
    for op, s in zip(ops, seconds):
        if op is not None:
            by_operator.setdefault(op, []).append(s)
    return {
        "seconds": seconds,
        "skewed": int((delay_us < 0).sum()),
        "buckets": pd.Series(bucket).value_counts().sort_index().to_dict() if len(bucket) else {},
        "by_operator": {k: np.array(v) for k, v in by_operator.items()},
    }


def delivery_bars(m: pd.DataFrame, bars: int) -> dict[int, int]:
    """The time-to-delivery histogram of `m` by octave: bar -> messages (bar 0: under a second; bar k: [2^(k-1),
    2^k) s; the last bar: everything from its start on), from the raw send and receipt times."""
    import numpy as np

    seconds = delivery_times(m)["seconds"]
    with np.errstate(divide="ignore"):
        bar = np.where(seconds < 1, 0, np.minimum(bars - 1, 1 + np.floor(np.log2(np.maximum(seconds, 1))))).astype(int)
    return {int(k): int(v) for k, v in pd.Series(bar).value_counts().sort_index().items()}


def costs(m: pd.DataFrame) -> dict:
    """What the messages of `m` cost: currency -> {cost (prices summed), priced, delivered, clicked (delivered
    with a human click)} for each currency with a price, and "unknown": messages without a price."""
    out: dict = {"unknown": int(m["price"].isna().sum()), "currencies": {}}
    for currency, part in m.groupby(m["currency"].fillna("?")):
        if part["price"].notna().any():
            delivered = part["status"] == "delivered"
            out["currencies"][currency] = {
                "cost": float(part["price"].sum()),
                "priced": int(part["price"].notna().sum()),
                "delivered": int(delivered.sum()),
                "clicked": int((part["clicked"] & delivered).sum()),
            }
    return out


def grid_order(rows: pd.DataFrame, column: str, descending: bool, expanded=frozenset()) -> pd.DataFrame:
    """Returns the dispatch history's `rows` (every row, every campaign's dispatches included) in the order the
    grid shows them sorted by `column`: the sorted value (the "campaign" column: a dispatch's campaign name),
    empty values last, ties by row_id, both in the sort's direction; a campaign's dispatches right under it when
    it is in `expanded` (hidden when not), a dispatch of no campaign on its own."""
    key = rows["campaign_name"].where(rows["kind"] != "campaign") if column == "campaign" else rows[column]
    key = key.where(key.notna(), None)
    frame = rows.assign(_key=key, _missing=key.isna())
    ordered = frame.sort_values(
        ["_missing", "_key", "row_id"], ascending=[True, not descending, not descending], kind="stable"
    )
    if "kind" not in rows or not (rows["kind"] == "campaign").any():
        return ordered.drop(columns=["_key", "_missing"])
    out = []
    for _, row in ordered[ordered["parent_id"].isna()].iterrows():
        out.append(row)
        if row["kind"] == "campaign" and row["campaign_id"] in expanded:
            out.extend(r for _, r in ordered[ordered["parent_id"] == row["row_id"]].iterrows())
    return pd.DataFrame(out, columns=ordered.columns).drop(columns=["_key", "_missing"]).reset_index(drop=True)


def optout_replies(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Each opt-out reply (a row of the inbound table with a keyword) with the message it counts for: the latest
    bulk message delivered to its number (at done_at, else sent_at, else created_at) at most 30 days before it.
    Columns: inbound_id, message_id, dispatch_id, msisdn."""
    m = frames["messages"]
    m = m[(m["source"] == "bulk") & (m["status"] == "delivered")].copy()
    m["reached"] = m["done_at"].fillna(m["sent_at"]).fillna(m["created_at"])
    inbound = frames.get("inbound")
    if inbound is None or inbound.empty:
        return pd.DataFrame(columns=["inbound_id", "message_id", "dispatch_id", "msisdn"])
    replies = inbound[inbound["keyword"].notna()][["inbound_id", "msisdn", "received_at"]]
    pairs = replies.merge(m[["message_id", "dispatch_id", "msisdn", "reached"]], on="msisdn")
    pairs = pairs[
        (pairs["reached"] <= pairs["received_at"]) & (pairs["received_at"] <= pairs["reached"] + pd.Timedelta(days=30))
    ]
    latest = pairs.sort_values(["reached", "message_id"]).groupby("inbound_id").tail(1)
    return latest[["inbound_id", "message_id", "dispatch_id", "msisdn"]]


def expected_optouts(frames: dict[str, pd.DataFrame], m: pd.DataFrame) -> dict[str, int]:
    """The opt-outs of the messages of `m`: optouts (messages with an opt-out reply counted for them, once each),
    replies, and delivered (their delivered messages: the opt-out rate's base)."""
    replies = optout_replies(frames)
    ours = replies[replies["message_id"].isin(set(m["message_id"]))]
    return {
        "optouts": int(ours["message_id"].nunique()),
        "replies": len(ours),
        "delivered": int((m["status"] == "delivered").sum()),
    }
