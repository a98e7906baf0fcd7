"""`build_demo`: the plan, then the months, the dispatch table and the rollups, as one
new version of the lake."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from numpy.random import PCG64, Generator

from data.demo.months import ProgressFn, write_months
from data.demo.plan import dispatch_table, make_plan
from data.demo.replies import demo_replies
from data.lake import Lake, transaction, write_dispatches, write_inbound
from data.rollups import build_rollups


@dataclass(frozen=True)
class DemoSummary:
    """What `build_demo` wrote."""

    messages: int  # all message rows (bulk + test + api, including big_dispatch)
    dispatches: int  # bulk dispatches (including big_dispatch)
    labels: int  # named transactional labels (the unlabeled traffic besides)
    clicks: int  # click rows (human and bot)
    months: int  # calendar months (in tz) from first_day to last_day
    first_day: date  # first day with data, in tz
    last_day: date  # the day of `until`, in tz
    built_at: datetime  # the moment the demo is built (`until`, or the end of the day `until`), in tz


def build_demo(
    lake: Lake,
    *,
    messages: int = 2_000_000,
    seed: int = 7,
    until: date | datetime,
    tz: str,
    big_dispatch: int | None = None,
    progress: ProgressFn | None = None,
    with_rollups: bool = True,
    dispatches: int | None = None,
    labels: int | None = None,
) -> DemoSummary:
    """Builds a demo lake at `lake.root` (replacing any lake there) and describes it.

    `messages` rows of bulk (about 90%), test and API traffic over the 18 months
    before `until` and the days of `until`'s month up to it (days counted in `tz`,
    the reporting time zone: an IANA name, no default),
    plus `big_dispatch` recipients of one extra bulk dispatch a few days before
    `until` when given. `until` is the moment the demo is built (a datetime; naive:
    local time in `tz`), or a date: the end of that day. Nothing happens at or after
    it: no message, status or click. `progress(stage, done, total)` is called once
    per month (stage "messages") and at the end (stage "swap"). `dispatches` bulk dispatches (besides the big
    one; default 20-300 by `messages`) and `labels` named transactional labels (default the catalogue's four),
    every one of them in the lake.
    """
    zone = ZoneInfo(tz)
    if isinstance(until, datetime):
        moment = until if until.tzinfo is not None else until.replace(tzinfo=zone)
        local = moment.astimezone(zone)
        until = local.date()
        if local.time() == time(0):  # a moment at midnight: the day before, whole
            until -= timedelta(days=1)
    else:
        moment = datetime.combine(until + timedelta(days=1), time(0), zone)
    if messages < 1000:
        raise ValueError("messages must be at least 1000")
    if big_dispatch is not None and big_dispatch < 0:
        raise ValueError("big_dispatch must be positive")
    now_us = (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    plan = make_plan(
        Generator(PCG64(seed)),
        messages=messages,
        seed=seed,
        until=until,
        tz=zone,
        big_dispatch=big_dispatch,
        now_us=now_us,
        dispatches=dispatches,
        labels=labels,
    )

    with transaction(lake, fresh=True) as staging:
        counts = write_months(plan, staging, seed, progress)
        replies = demo_replies(staging, now_us)
        if replies.num_rows:
            write_inbound(staging, replies)
        write_dispatches(staging, dispatch_table(plan))
        if with_rollups:
            build_rollups(staging, tz=tz)
    if progress:
        progress("swap", 1, 1)

    n_months = (until.year * 12 + until.month) - (plan.first_day.year * 12 + plan.first_day.month) + 1
    return DemoSummary(
        messages=counts[0],
        dispatches=len(plan.dispatches),
        labels=sum(1 for label, *_ in plan.labels if label is not None),
        clicks=counts[1],
        months=n_months,
        first_day=plan.first_day,
        last_day=until,
        built_at=moment.astimezone(zone),
    )
