"""Scheduled reports in the store and their calendar: due times in the reporting time zone (clock changes
included), the days each period covers, one run per due time, the lease, and the SMTP settings."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

import pytest

from config import Config, ConfigError
from data.recurrence import LAST_DAY, latest_due, next_due, report_period
from data.store.schedules import SENDING, ScheduleError, ScheduleStore, check_address, holder_id
from data.store.sqlite import store_path

TZ = "Europe/Warsaw"
WAW = ZoneInfo(TZ)


def at(*args) -> dt.datetime:
    """A moment on the Warsaw wall clock."""
    return dt.datetime(*args, tzinfo=WAW)


@pytest.mark.parametrize(
    "every, day, now, latest, following",
    [
        ("daily", None, at(2026, 12, 6, 7, 59), at(2026, 12, 5, 8), at(2026, 12, 6, 8)),
        ("daily", None, at(2026, 12, 6, 8), at(2026, 12, 6, 8), at(2026, 12, 7, 8)),
        ("weekly", 1, at(2026, 12, 6, 12), at(2026, 11, 30, 8), at(2026, 12, 7, 8)),  # the 6th is a Sunday
        ("weekly", 7, at(2026, 12, 6, 12), at(2026, 12, 6, 8), at(2026, 12, 13, 8)),
        ("monthly", 28, at(2026, 12, 6, 12), at(2026, 11, 28, 8), at(2026, 12, 28, 8)),
        ("monthly", LAST_DAY, at(2026, 2, 27, 12), at(2026, 1, 31, 8), at(2026, 2, 28, 8)),
        ("monthly", LAST_DAY, at(2028, 2, 29, 9), at(2028, 2, 29, 8), at(2028, 3, 31, 8)),  # a leap year
    ],
)
def test_due_times_follow_the_rule_on_the_wall_clock(every, day, now, latest, following):
    assert latest_due(every, day, 8, TZ, now) == latest
    assert next_due(every, day, 8, TZ, now) == following


def test_clock_changes():
    # 2026-03-29: 02:00 does not exist in Warsaw (clocks go 02:00 -> 03:00): sent at 03:00 CEST, 01:00 UTC.
    assert latest_due("daily", None, 2, TZ, at(2026, 3, 29, 12)) == dt.datetime(2026, 3, 29, 1, tzinfo=dt.UTC)
    # 2026-10-25: 02:00 happens twice: sent at the first, 02:00 CEST (00:00 UTC), once.
    assert latest_due("daily", None, 2, TZ, at(2026, 10, 25, 12)) == dt.datetime(2026, 10, 25, 0, tzinfo=dt.UTC)
    # 8:00 stays 8:00 on the wall clock across the change: 07:00 UTC in winter, 06:00 UTC in summer.
    assert next_due("daily", None, 8, TZ, at(2026, 3, 28, 9)).hour == 6
    assert next_due("daily", None, 8, TZ, at(2026, 3, 27, 9)).hour == 7


@pytest.mark.parametrize(
    "kind, due, start, end",
    [
        ("yesterday", at(2026, 12, 1, 8), dt.date(2026, 11, 30), dt.date(2026, 11, 30)),
        ("last-week", at(2026, 12, 6, 8), dt.date(2026, 11, 23), dt.date(2026, 11, 29)),  # Sunday: the week before
        ("last-week", at(2026, 12, 7, 8), dt.date(2026, 11, 30), dt.date(2026, 12, 6)),  # Monday
        ("last-month", at(2026, 1, 15, 8), dt.date(2025, 12, 1), dt.date(2025, 12, 31)),
        ("last-month", at(2026, 3, 1, 0), dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        ("month-to-date", at(2026, 12, 6, 8), dt.date(2026, 12, 1), dt.date(2026, 12, 5)),
        ("month-to-date", at(2026, 12, 1, 8), dt.date(2026, 11, 1), dt.date(2026, 11, 30)),  # the 1st: last month
        ("yesterday", dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC), dt.date(2026, 11, 30), dt.date(2026, 11, 30)),
    ],
)
def test_the_period_is_relative_to_the_due_day_in_the_reporting_zone(kind, due, start, end):
    period = report_period(kind, due, TZ)
    assert (period.start, period.end, period.tz) == (start, end, TZ)


@pytest.fixture
def store(tmp_path) -> ScheduleStore:
    return ScheduleStore(store_path(tmp_path))


def _add(store, **changes):
    values = dict(
        page="sms",
        formats=["csv"],
        every="daily",
        day=None,
        hour=8,
        period="yesterday",
        recipients=["a@example.com"],
        lang="pl",
        owner="anna",
    )
    return store.add(**{**values, **changes})


@pytest.mark.parametrize(
    "changes, key",
    [
        ({"page": "numbers"}, "sched.error.page"),
        ({"formats": ["xml"]}, "sched.error.format"),
        ({"formats": []}, "sched.error.format"),
        ({"period": "last-year"}, "sched.error.period"),
        ({"recipients": []}, "sched.error.recipients"),
        ({"recipients": ["a@example.com\r\nBcc: x@example.com"]}, "sched.error.address"),
        ({"every": "hourly"}, "sched.error.every"),
        ({"hour": 24}, "sched.error.hour"),
        ({"every": "weekly", "day": 0}, "sched.error.weekly_day"),
        ({"every": "monthly", "day": 29}, "sched.error.monthly_day"),
        ({"lang": "de"}, "sched.error.lang"),
    ],
)
def test_a_schedule_it_cannot_keep_is_refused(store, changes, key):
    with pytest.raises(ScheduleError) as refused:
        _add(store, **changes)
    assert refused.value.key == key and store.list() == []


@pytest.mark.parametrize(
    "address, ok",
    [
        ("anna@example.com", True),
        ("a.b+reports@mail.example.co.uk", True),
        ("anna@example", False),
        ("Anna <anna@example.com>", False),
        ("anna@@example.com", False),
        ("anna @example.com", False),
        (".anna@example.com", False),
        ("anna@-example.com", False),
        ("anna@example.com,ben@example.com", False),
        ("x" * 65 + "@example.com", False),
    ],
)
def test_addresses(address, ok):
    if ok:
        assert check_address(f"  {address} ") == address
    else:
        with pytest.raises(ScheduleError):
            check_address(address)


def test_one_run_per_schedule_and_due_time(store):
    schedule = _add(store)
    due = at(2026, 12, 6, 8)
    first = store.claim(schedule.id, due, holder_id(), now=time.time())
    assert (first.state, first.attempts, first.resent) == (SENDING, 1, False)
    assert store.claim(schedule.id, due, holder_id(), now=time.time()) is None  # held by a live process: this one
    store.failed(first.id, "SMTPServerDisconnected", next_try=time.time() + 60)
    assert store.claim(schedule.id, due, holder_id(), now=time.time()) is None  # before its retry time
    again = store.claim(schedule.id, due, holder_id(), now=time.time() + 61)
    assert (again.id, again.state, again.attempts, again.resent) == (first.id, SENDING, 2, False)
    store.sent(again.id)
    assert store.claim(schedule.id, due, holder_id(), now=time.time() + 3600) is None
    assert store.open_runs(time.time() + 3600) == []
    assert store.remove(schedule.id) and store.runs(schedule.id) == []


def _dead_holder() -> str:
    """The holder id of a process of this machine that has ended."""
    code = "from data.store.schedules import holder_id; print(holder_id())"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_a_claim_of_a_process_that_died_is_taken_over_marked_resent(store):
    schedule = _add(store)
    due = at(2026, 12, 6, 8)
    store.claim(schedule.id, due, _dead_holder(), now=time.time())
    (orphan,) = store.open_runs(time.time())
    taken = store.claim(schedule.id, due, holder_id(), now=time.time())
    assert (taken.id, taken.attempts, taken.resent) == (orphan.id, 2, True)
    other_machine = "elsewhere:1:1.000"  # cannot be checked from here: trusted until its claim is old
    store.failed(taken.id, "x", next_try=time.time())
    store.claim(schedule.id, due, other_machine, now=time.time())
    assert store.claim(schedule.id, due, holder_id(), now=time.time()) is None
    assert store.claim(schedule.id, due, holder_id(), now=time.time() + 3600).attempts == 4
    assert store.runs(schedule.id)[0].state == SENDING


def test_the_lease_has_one_holder_at_a_time(store):
    me, now = holder_id(), time.time()
    assert store.take_lease("elsewhere:1:1.000", ttl_s=60, now=now)
    assert not store.take_lease(me, ttl_s=60, now=now + 30)  # another machine's, not expired
    assert store.lease_holder(now=now + 30) == "elsewhere:1:1.000"
    assert store.take_lease(me, ttl_s=60, now=now + 61)  # expired
    assert store.take_lease(me, ttl_s=60, now=now + 90)  # renewed by its holder
    assert not store.take_lease("elsewhere:1:1.000", ttl_s=60, now=now + 100)
    store.release_lease(me)
    assert store.take_lease(_dead_holder(), ttl_s=600, now=now)
    assert store.take_lease(me, ttl_s=60, now=now + 1)  # its holder is gone: free at once


def test_smtp_settings_from_the_environment():
    env = {
        "SMSREPORTS_SMTP_HOST": "smtp.example.com",
        "SMSREPORTS_SMTP_PORT": "2525",
        "SMSREPORTS_SMTP_SECURITY": "TLS",
        "SMSREPORTS_SMTP_USER": "reports",
        "SMSREPORTS_SMTP_PASSWORD": "pa55-word",
        "SMSREPORTS_SMTP_FROM": "reports@example.com",
        "SMSREPORTS_SCHEDULER": "off",
    }
    config = Config.from_env(env)
    assert (config.smtp_host, config.smtp_port, config.smtp_security, config.smtp_user) == (
        "smtp.example.com",
        2525,
        "tls",
        "reports",
    )
    assert config.smtp_password == "pa55-word" and "pa55" not in repr(config) and config.scheduler is False
    assert not config.run_scheduler  # only `serve` runs the scheduler thread
    with pytest.raises(ConfigError, match="SMTP_SECURITY"):
        Config.from_env({**env, "SMSREPORTS_SMTP_SECURITY": "ssl"})
    with pytest.raises(ConfigError, match="SMTP_FROM"):
        Config.from_env({k: v for k, v in env.items() if k != "SMSREPORTS_SMTP_FROM"})
