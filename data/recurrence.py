"""When a scheduled report is due, and which days it reports.

A schedule is due daily, weekly on a day (1 Monday .. 7 Sunday) or monthly on a day (1-28, or LAST_DAY: the
month's last), at a whole hour of the reporting time zone. Due times are instants (aware, UTC); a local hour
that a clock change skips is sent at the first instant after it, one it repeats at its first occurrence.
The period a report covers is relative to its due time, so a report sent late reports what it would have.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from data.period import Period

EVERY = ("daily", "weekly", "monthly")
PERIODS = ("yesterday", "last-week", "last-month", "month-to-date")
LAST_DAY = 0  # a monthly schedule's day: the month's last day
_SEARCH_DAYS = 64  # every rule matches at least once in any two months


def check_rule(every: str, day: int | None, hour: int) -> int | None:
    """Returns the rule's day (None for daily); ValueError whose text is the i18n key of what is wrong."""
    if every not in EVERY:
        raise ValueError("sched.error.every")
    if not isinstance(hour, int) or isinstance(hour, bool) or not 0 <= hour <= 23:
        raise ValueError("sched.error.hour")
    if every == "daily":
        return None
    if every == "weekly" and (not isinstance(day, int) or not 1 <= day <= 7):
        raise ValueError("sched.error.weekly_day")
    if every == "monthly" and (not isinstance(day, int) or not (day == LAST_DAY or 1 <= day <= 28)):
        raise ValueError("sched.error.monthly_day")
    return day


def _matches(every: str, day: int | None, date: dt.date) -> bool:
    if every == "daily":
        return True
    if every == "weekly":
        return date.isoweekday() == day
    if day == LAST_DAY:
        return (date + dt.timedelta(days=1)).day == 1
    return date.day == day


def due_at(date: dt.date, hour: int, tz: str) -> dt.datetime:
    """Returns the instant (UTC) of `hour`:00 on the local `date` in `tz`."""
    # fold=0: a skipped local time (spring forward) maps past the gap, a repeated one to its first occurrence.
    return dt.datetime.combine(date, dt.time(hour), ZoneInfo(tz)).astimezone(dt.UTC)


def latest_due(every: str, day: int | None, hour: int, tz: str, now: dt.datetime) -> dt.datetime:
    """Returns the newest due instant at or before `now` (aware)."""
    today = now.astimezone(ZoneInfo(tz)).date()
    for back in range(_SEARCH_DAYS):
        date = today - dt.timedelta(days=back)
        if _matches(every, day, date) and (when := due_at(date, hour, tz)) <= now:
            return when
    raise ValueError("no due time in two months")  # a checked rule always has one


def next_due(every: str, day: int | None, hour: int, tz: str, now: dt.datetime) -> dt.datetime:
    """Returns the first due instant after `now` (aware)."""
    today = now.astimezone(ZoneInfo(tz)).date()
    for ahead in range(_SEARCH_DAYS):
        date = today + dt.timedelta(days=ahead)
        if _matches(every, day, date) and (when := due_at(date, hour, tz)) > now:
            return when
    raise ValueError("no due time in two months")


def report_period(kind: str, due: dt.datetime, tz: str) -> Period:
    """Returns the days a report due at `due` covers: yesterday, the last whole week (Monday-Sunday) or month,
    or the month to date (its days before the due day; on the 1st, the whole month just ended)."""
    today = due.astimezone(ZoneInfo(tz)).date()
    yesterday = today - dt.timedelta(days=1)
    if kind == "yesterday":
        return Period(yesterday, yesterday, tz)
    if kind == "last-week":
        monday = today - dt.timedelta(days=today.weekday() + 7)
        return Period(monday, monday + dt.timedelta(days=6), tz)
    if kind == "last-month" or (kind == "month-to-date" and today.day == 1):
        return Period(_month_before(today), _last_of_previous(today), tz)
    if kind == "month-to-date":
        return Period(today.replace(day=1), yesterday, tz)
    raise ValueError(f"period must be {', '.join(PERIODS)}")


def _last_of_previous(day: dt.date) -> dt.date:
    return day.replace(day=1) - dt.timedelta(days=1)


def _month_before(day: dt.date) -> dt.date:
    return _last_of_previous(day).replace(day=1)
