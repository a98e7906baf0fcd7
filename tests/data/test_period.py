import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.period import Period, PeriodError, choose, months_back, parse_day, resolve_period


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


TODAY = dt.date(2026, 11, 25)
DATA = (dt.date(2025, 6, 1), dt.date(2026, 11, 24))  # the lake's first and last day with messages


def custom(start, end, data_days=DATA):
    return choose("custom", start=start, end=end, today=TODAY, first_day=None, data_days=data_days, tz="UTC")


def test_a_custom_range_is_cut_to_the_days_with_data():
    c = custom("1990-01-01", "2099-12-31")
    assert (c.asked.start, c.asked.end) == (dt.date(1990, 1, 1), dt.date(2099, 12, 31)) and c.clipped
    # From the first day with data to today (the lake's last day is yesterday: today is never cut off).
    assert (c.period.start, c.period.end) == (DATA[0], TODAY) and c.shown == c.period
    assert not c.compare  # the previous period lies wholly before the lake began
    inside = custom("2026-10-01", "2026-10-31")
    assert inside.period == inside.asked and not inside.clipped and inside.compare


def test_a_custom_range_without_data_reads_nothing():
    c = custom("2020-03-01", "2020-03-31")
    assert c.period is None and c.shown == c.asked == Period(dt.date(2020, 3, 1), dt.date(2020, 3, 31), "UTC")
    assert custom("2027-01-01", "2027-01-31").period is None
    assert custom("2026-10-01", "2026-10-31", data_days=None).period is None  # a lake without a message
    assert not c.compare


def test_an_end_before_the_start_is_the_same_range():
    assert custom("2026-10-31", "2026-10-01") == custom("2026-10-01", "2026-10-31")


def test_an_incomplete_custom_range_keeps_the_default_preset():
    one_month = resolve_period("1m", today=TODAY, first_day=None, tz="UTC")
    for start, end in (
        (None, None),
        ("2026-10-01", None),
        (None, "2026-10-01"),
        ("31.10.2026", "2026-11-01"),
        ("x", "y"),
    ):
        c = custom(start, end)
        assert c.pending and c.period == one_month and c.asked is None, (start, end)


def test_presets_compare_only_with_a_previous_period_that_has_data():
    def preset(name, first=None):
        return choose(name, start=None, end=None, today=TODAY, first_day=first, data_days=DATA, tz="UTC")

    assert preset("3m").compare and preset("12m").compare
    assert not preset("all", DATA[0]).compare
    young = (dt.date(2026, 11, 1), TODAY)
    assert not choose("3m", start=None, end=None, today=TODAY, first_day=None, data_days=young, tz="UTC").compare


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01", dt.date(9999, 12, 31)])
def test_days_outside_2000_to_2100_are_refused_as_bad_input(value):
    with pytest.raises(PeriodError) as err:
        parse_day(value)
    assert err.value.key == "period.error.range" and err.value.values["first"] == "2000-01-01"
    with pytest.raises(PeriodError):
        resolve_period("custom", start="2026-01-01", end=value, today=dt.date(2026, 11, 25), first_day=None, tz="UTC")
    assert parse_day("2000-01-01") == dt.date(2000, 1, 1) and parse_day("2100-12-31") == dt.date(2100, 12, 31)
