"""Exactly once per due time, across processes: servers and a cron `schedules run-due` racing for one due
report send one e-mail; a process killed while sending, then the app started again, gives one e-mail or one
more marked as resent, never none and never two that do not say so."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from zoneinfo import ZoneInfo

import pytest

from config import ROOT
from data.store.audit import AccessAudit
from data.store.schedules import SENT, ScheduleStore
from data.store.sqlite import store_path
from tests.conftest import TZ
from tests.faults.conftest import start_server
from tests.smtp import Inbox

pytestmark = pytest.mark.slow


@pytest.fixture
def data_dir(tmp_path, demo_dir):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "lake").symlink_to(demo_dir / "lake")
    return tmp_path / "data"


@pytest.fixture
def inbox():
    with Inbox() as box:
        yield box


def _env(inbox) -> dict[str, str]:
    return {
        "SMSREPORTS_SMTP_HOST": "127.0.0.1",
        "SMSREPORTS_SMTP_PORT": str(inbox.port),
        "SMSREPORTS_SMTP_SECURITY": "none",
        "SMSREPORTS_SMTP_FROM": "reports@example.com",
    }


def _due_now(data_dir, lang: str = "en"):
    """Adds a daily schedule made two days ago whose hour is this one: due now (at this hour's start)."""
    now = dt.datetime.now(ZoneInfo(TZ))
    return ScheduleStore(store_path(data_dir)).add(
        page="sms",
        formats=["csv"],
        every="daily",
        day=None,
        hour=now.hour,
        period="last-month",
        recipients=["anna@example.com"],
        lang=lang,
        owner="anna",
        now=now - dt.timedelta(days=2),
    )


def _run_due(data_dir, inbox) -> subprocess.Popen:
    env = {**os.environ, "SMSREPORTS_DATA_DIR": str(data_dir), "SMSREPORTS_TIMEZONE": TZ, **_env(inbox)}
    return subprocess.Popen(
        [sys.executable, "app.py", "schedules", "run-due"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_servers_and_a_cron_run_racing_send_one_email(data_dir, inbox):
    schedule = _due_now(data_dir)
    servers, errors = [], []

    def start():
        try:
            servers.append(start_server(data_dir, workers=1, env=_env(inbox), local=True))
        except Exception as exc:  # noqa: BLE001 - said below
            errors.append(exc)

    starting = [threading.Thread(target=start) for _ in range(2)]
    for thread in starting:
        thread.start()
    cron = _run_due(data_dir, inbox)
    try:
        for thread in starting:
            thread.join()
        assert not errors, errors
        out, err = cron.communicate(timeout=120)
        assert cron.returncode == 0, err
        inbox.wait_for(1)
        time.sleep(3)  # room for a second e-mail, were one coming
    finally:
        logs = [server.stop() for server in servers]
    assert len(inbox.messages) == 1, logs
    (run,) = ScheduleStore(store_path(data_dir)).runs(schedule.id)
    assert (run.state, run.attempts, run.resent) == (SENT, 1, False)
    assert "[resent]" not in inbox.messages[0]["Subject"]


@pytest.mark.parametrize("arrived", [True, False], ids=["message-arrived", "message-lost"])
def test_a_send_killed_midway_is_sent_again_once_marked_resent(data_dir, inbox, arrived):
    schedule = _due_now(data_dir)
    inbox.hold, inbox.keep_held = True, arrived
    first = _run_due(data_dir, inbox)
    try:
        assert inbox.holding.wait(120), first.communicate(timeout=5)
    finally:
        first.kill()  # while the server holds its DATA: whether the message arrives is the server's
        first.wait()
    inbox.release()
    time.sleep(0.5)
    assert len(inbox.messages) == (1 if arrived else 0)

    server = start_server(data_dir, workers=1, env=_env(inbox), local=True)  # the app comes back
    try:
        messages = inbox.wait_for(2 if arrived else 1, timeout_s=60)
        time.sleep(2)
    finally:
        server.stop()
    assert len(inbox.messages) == len(messages) == (2 if arrived else 1)
    assert "[resent]" not in messages[0]["Subject"] or not arrived
    assert messages[-1]["Subject"].startswith("[resent] ") or messages[-1]["Subject"].startswith("[late] [resent] ")
    assert "may have received it already" in messages[-1].get_body(("plain",)).get_content()
    (run,) = ScheduleStore(store_path(data_dir)).runs(schedule.id)
    assert (run.state, run.attempts, run.resent) == (SENT, 2, True)
    log = AccessAudit(store_path(data_dir)).audit(action="schedule.send")
    assert sorted(log["outcome"]) == ["interrupted", "ok"]  # the killed try's start never ended
