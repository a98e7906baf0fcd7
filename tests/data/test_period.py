import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.period import Period, PeriodError, months_back, parse_day, resolve_period


def test_presets_end_today_and_start_the_day_after_n_months_back():
    today = dt.date(2026, 11, 25)
    p = resolve_period("1m", today=today, first_day=None, tz="Europe/Warsaw")
    assert (p.start, p.end) == (dt.date(2026, 10, 26), today)
    p = resolve_period("12m", today=today, first_day=None, tz="Europe/Warsaw")
    assert (p.start, p.end) == (dt.date(2025, 11, 26), today)


def test_all_time_starts_at_first_day():
    p = resolve_period("all", today=dt.date(2026, 11, 25), first_day=dt.date(2025, 3, 2), tz="UTC")
    assert p.start == dt.date(2025, 3, 2)


def test_custom_range_errors_are_named():
    with pytest.raises(PeriodError) as e:
        resolve_period(
            "custom", start="2026-05-02", end="2026-05-01", today=dt.date(2026, 11, 25), first_day=None, tz="UTC"
        )
    assert e.value.key == "period.error.order"
    with pytest.raises(PeriodError) as e:
        resolve_period("custom", start="2026-05-02", end=None, today=dt.date(2026, 11, 25), first_day=None, tz="UTC")
    assert e.value.key == "period.error.missing"
    with pytest.raises(PeriodError) as e:
        resolve_period(
            "custom", start="2026-13-02", end="2026-05-01", today=dt.date(2026, 11, 25), first_day=None, tz="UTC"
        )
    assert e.value.key == "period.error.format"


def test_day_bounds_follow_the_time_zone_across_dst():
    # 2026-03-29: Warsaw moves from UTC+1 to UTC+2; the local day is 23 hours long.
    lo, hi = Period(dt.date(2026, 3, 29), dt.date(2026, 3, 29), "Europe/Warsaw").bounds_utc()
    assert lo == dt.datetime(2026, 3, 28, 23, tzinfo=dt.UTC)
    assert hi - lo == dt.timedelta(hours=23)


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)), st.integers(1, 24))
def test_months_back_is_a_valid_earlier_date(day, n):
    back = months_back(day, n)
    assert back < day
    assert (day.year * 12 + day.month) - (back.year * 12 + back.month) == n


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)), st.integers(1, 400))
def test_previous_period_has_equal_length_and_touches(start, length):
    p = Period(start, start + dt.timedelta(days=length - 1), "UTC")
    prev = p.previous()
    assert prev.days == p.days and prev.end + dt.timedelta(days=1) == p.start


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01", dt.date(9999, 12, 31)])
def test_days_outside_2000_to_2100_are_refused_as_bad_input(value):
    with pytest.raises(PeriodError) as err:
        parse_day(value)
    assert err.value.key == "period.error.range" and err.value.values["first"] == "2000-01-01"
    with pytest.raises(PeriodError):
        resolve_period("custom", start="2026-01-01", end=value, today=dt.date(2026, 11, 25), first_day=None, tz="UTC")
    assert parse_day("2000-01-01") == dt.date(2000, 1, 1) and parse_day("2100-12-31") == dt.date(2100, 12, 31)
