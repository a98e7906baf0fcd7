"""Reporting periods: presets, custom ranges, their previous period and UTC bounds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from choices import Preset  # re-exported: the data layer's callers name presets through it

PRESET_MONTHS = {Preset.M1: 1, Preset.M2: 2, Preset.M3: 3, Preset.M6: 6, Preset.M12: 12}
# The days a user may ask for: SMS logs begin after 2000 (ingest refuses older dates), and dates near the
# calendar's ends (9999-12-31) would overflow once a day or a time zone is added to them.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


class PeriodError(ValueError):
    """The period cannot be built from what was given; `key` names the i18n message."""

    def __init__(self, key: str, **values: object):
        super().__init__(key, values)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class Period:
    """Days `start`..`end` (both inclusive) in the reporting time zone `tz` (an IANA name; no default:
    the zone is the configuration's, `Config.timezone`)."""

    start: dt.date
    end: dt.date
    tz: str

    def __post_init__(self):
        if self.start > self.end:
            raise PeriodError("period.error.order", start=self.start.isoformat(), end=self.end.isoformat())

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds_utc(self) -> tuple[dt.datetime, dt.datetime]:
        """Returns [first instant, first instant after) of the period, in UTC."""
        zone = ZoneInfo(self.tz)
        lo = dt.datetime.combine(self.start, dt.time(), zone)
        hi = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), zone)
        return lo.astimezone(dt.UTC), hi.astimezone(dt.UTC)

    def previous(self) -> Period:
        """Returns the period of equal length that ends the day before this one starts."""
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end, self.tz)

    def day_list(self) -> list[dt.date]:
        """Returns every day of the period, in order."""
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]


def months_back(day: dt.date, months: int) -> dt.date:
    """Returns the same day `months` earlier (clamped to the month's last day)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(y, m, min(day.day, last))


def today_in(tz: str) -> dt.date:
    """Returns today's date in the time zone `tz`."""
    return dt.datetime.now(ZoneInfo(tz)).date()


def check_day(day: dt.date) -> dt.date:
    """Returns `day` when it lies within FIRST_DAY..LAST_DAY; PeriodError (period.error.range) otherwise."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise PeriodError(
            "period.error.range", value=day.isoformat(), first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat()
        )
    return day


def parse_day(value: str | dt.date | None) -> dt.date | None:
    """Returns the date of an ISO string (a time part is ignored); PeriodError if malformed or outside
    FIRST_DAY..LAST_DAY."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return check_day(value)
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise PeriodError("period.error.format", value=str(value)[:40]) from None
    return check_day(day)


def typed_day(value: str | dt.date | None) -> dt.date | None:
    """Returns the day a range holds, in any year (the range is cut to the days with data, `with_data`, so a
    century costs nothing); None when it is empty; PeriodError (period.error.format) when it is no date."""
    try:
        return parse_day(value)
    except PeriodError as exc:
        if exc.key != "period.error.range":
            raise
        return dt.date.fromisoformat(str(value)[:10]) if not isinstance(value, dt.date) else value


def _typed_day(value: str | dt.date | None) -> dt.date | None:
    """Returns `typed_day(value)`, or None when it is unreadable (a range picker still being typed in)."""
    try:
        return typed_day(value)
    except PeriodError:
        return None


def with_data(asked: Period, *, today: dt.date, data_days: tuple[dt.date, dt.date] | None) -> Period | None:
    """Returns the days of `asked` from the lake's first day with data to its last or today, whichever is
    later; None when none of its days lie there (or the lake has no data)."""
    if data_days is None:
        return None
    first, last = data_days[0], max(data_days[1], today)
    if asked.end < first or asked.start > last:
        return None
    return Period(max(asked.start, first), min(asked.end, last), asked.tz)


def resolve_period(
    preset: str | None,
    *,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    today: dt.date,
    first_day: dt.date | None,
    tz: str,
) -> Period:
    """Returns the period a user chose: a preset ending `today`, all time, or a custom range.

    `first_day` is the first day with data (for "all time"); PeriodError when the choice
    is incomplete or inverted.
    """
    choice = Preset(preset) if preset in set(Preset) else Preset.M1
    if choice in PRESET_MONTHS:
        return Period(months_back(today, PRESET_MONTHS[choice]) + dt.timedelta(days=1), today, tz)
    if choice is Preset.ALL:
        return Period(min(first_day or today, today), today, tz)
    lo, hi = parse_day(start), parse_day(end)
    if lo is None or hi is None:
        raise PeriodError("period.error.missing")
    return Period(lo, hi, tz)


@dataclass(frozen=True)
class Choice:
    """What a page shows for a period choice.

    `period`: the days reported (None: a custom range without a single day of data); `asked`: the custom
    range as chosen (its days in order), None for a preset; `data_days`: the lake's first and last day with
    data (None when it has none); `pending`: a custom range still incomplete or unreadable, so `period` is
    the default preset's until one is chosen.
    """

    period: Period | None
    asked: Period | None = None
    data_days: tuple[dt.date, dt.date] | None = None
    pending: bool = False

    @property
    def shown(self) -> Period:
        """Returns the days the page names: those reported, or the range asked for when it has no data."""
        return self.period if self.period is not None else self.asked

    @property
    def clipped(self) -> bool:
        """Returns whether the range asked for was cut to the days with data."""
        return self.asked is not None and self.period is not None and self.period != self.asked

    @property
    def compare(self) -> bool:
        """Returns whether the previous period of equal length has days with data (else no comparison:
        for all time, for a range cut at the first day, and for years before the lake began)."""
        if self.period is None or self.data_days is None:
            return False
        return self.period.previous().end >= self.data_days[0]


def choose(
    preset: str | None,
    *,
    start: str | dt.date | None,
    end: str | dt.date | None,
    today: dt.date,
    first_day: dt.date | None,
    data_days: tuple[dt.date, dt.date] | None,
    tz: str,
) -> Choice:
    """Returns what a page shows for a period choice.

    A preset as `resolve_period` gives it. A custom range has its days put in order (an end before the
    start is the same range) and is cut to the days with data: from the lake's first day to its last or
    today, whichever is later (so a range of a century costs what "all time" costs). An incomplete or
    unreadable range leaves the default preset shown (`pending`).
    """
    if preset != Preset.CUSTOM:
        period = resolve_period(preset, today=today, first_day=first_day, tz=tz)
        return Choice(period, data_days=data_days)
    lo, hi = _typed_day(start), _typed_day(end)
    if lo is None or hi is None:
        return Choice(resolve_period(Preset.M1, today=today, first_day=None, tz=tz), data_days=data_days, pending=True)
    lo, hi = min(lo, hi), max(lo, hi)
    asked = Period(lo, hi, tz)
    return Choice(with_data(asked, today=today, data_days=data_days), asked, data_days)
