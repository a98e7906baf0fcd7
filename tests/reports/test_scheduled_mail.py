"""Scheduled reports through a real SMTP server (aiosmtpd, in this process): what arrives is what the page's
export route gives, with the KPIs, the chart inline and every send on the access log."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import time
from zoneinfo import ZoneInfo

import docx
import pytest

from app import create_app
from config import Config
from data.store.audit import AccessAudit
from data.store.schedules import FAILED, RETRY, SENT, ScheduleStore
from data.store.sqlite import store_path
from reports.scheduler import sender_for
from tests.conftest import TZ
from tests.smtp import Inbox, free_port
from web.context import AppContext

NOW = dt.datetime(2026, 11, 2, 8, 5, tzinfo=ZoneInfo(TZ))  # daily at 8: due 5 minutes ago, "last month" is October
CREATED = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)


@pytest.fixture
def data_dir(tmp_path, demo_dir):
    (tmp_path / "lake").symlink_to(demo_dir / "lake")  # the shared demo lake; a store of its own
    return tmp_path


@pytest.fixture
def inbox():
    with Inbox() as box:
        yield box


def _config(data_dir, port, **more) -> Config:
    return Config(
        data_dir=data_dir,
        timezone=TZ,
        local_mode=True,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        smtp_from="reports@example.com",
        **more,
    )


def _sender(cfg, **more):
    ctx = AppContext.create(cfg)
    sender = sender_for(cfg, ctx.db, ctx.campaign_frames)
    for key, value in more.items():
        setattr(sender, key, value)
    return sender


def _add(cfg, **changes):
    values = dict(
        page="sms",
        formats=["csv", "docx"],
        every="daily",
        day=None,
        hour=8,
        period="last-month",
        recipients=["anna@example.com", "ben.k@example.org"],
        lang="pl",
        owner="anna",
        now=CREATED,
    )
    values.update(changes)
    return ScheduleStore(store_path(cfg.data_dir)).add(**values)


def _parts(message):
    """Returns (text, html, inline images by Content-ID, attachments by file name) of a received message."""
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    images = {
        part["Content-ID"].strip("<>"): part.get_content()
        for part in message.walk()
        if part.get_content_type() == "image/png"
    }
    files = {part.get_filename(): part.get_payload(decode=True) for part in message.iter_attachments()}
    return text, html, images, files


def _route(cfg, path):
    response = create_app(cfg).server.test_client().get(path)
    assert response.status_code == 200, response.data[:300]
    return response.data


def test_a_due_report_arrives_with_the_export_routes_files_the_kpis_and_the_chart(data_dir, inbox):
    cfg = _config(data_dir, inbox.port)
    schedule = _add(cfg)
    done = _sender(cfg).run_due(NOW)
    assert [(o.state, o.late, o.resent) for o in done] == [(SENT, False, False)]
    (message,) = inbox.wait_for(1)
    assert inbox.envelopes == [("reports@example.com", ["anna@example.com", "ben.k@example.org"])]
    assert message["To"] == "anna@example.com, ben.k@example.org"
    assert message["Subject"] == "Raport wysyłek SMS: 01.10.2026 – 31.10.2026"
    text, html, images, files = _parts(message)
    assert set(files) == {"wysylki-2026-10-01-2026-10-31.csv", "wysylki-2026-10-01-2026-10-31.docx"}

    # The CSV is, row for row, what the page's export route sends for October.
    want = _route(cfg, "/export/dispatches.csv?from=2026-10-01&to=2026-10-31&lang=pl")
    got = files["wysylki-2026-10-01-2026-10-31.csv"]
    rows = list(csv.reader(io.StringIO(got.decode("utf-8-sig")), delimiter=";"))
    assert rows == list(csv.reader(io.StringIO(want.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Numer wysyłki" and len(rows) > 2  # two dispatches in October

    # The DOCX opens and holds the dispatch table, one row per CSV row.
    document = docx.Document(io.BytesIO(files["wysylki-2026-10-01-2026-10-31.docx"]))
    table = document.tables[-1]
    assert table.rows[0].cells[0].text == "Numer wysyłki"
    assert len(table.rows) == len(rows)

    # The KPIs in the text; the chart inline in the HTML part, by its Content-ID.
    assert "Okres: 01.10.2026 – 31.10.2026 (Europe/Warsaw)" in text and "Wysłane: " in text
    (cid,) = images
    assert f'src="cid:{cid}"' in html and images[cid][:8] == b"\x89PNG\r\n\x1a\n"
    assert f"nr {schedule.id}" in text

    # Each file is on the access log: to whom, rows, bytes and SHA-256 of what was attached.
    log = AccessAudit(store_path(data_dir)).audit(action="schedule.send")
    assert sorted(log["outcome"]) == ["ok", "ok"]
    row = log[log["format"] == "csv"].iloc[0]
    assert row["target"] == "anna@example.com, ben.k@example.org" and row["who"] == "anna"
    assert row["sha256"] == hashlib.sha256(got).hexdigest() and row["bytes"] == len(got)
    assert row["rows"] == len(rows) - 1

    # Sent once: the next tick finds the run record and sends nothing.
    assert _sender(cfg).run_due(NOW + dt.timedelta(minutes=1)) == []
    assert len(inbox.messages) == 1


def test_the_transactional_table_in_english(data_dir, inbox):
    cfg = _config(data_dir, inbox.port)
    _add(cfg, page="transactional", formats=["csv"], lang="en", recipients=["ops@example.com"])
    _sender(cfg).run_due(NOW)
    (message,) = inbox.wait_for(1)
    assert message["Subject"] == "Transactional SMS report: 1 Oct 2026 – 31 Oct 2026"
    _text, _html, _images, files = _parts(message)
    (name,) = files
    assert name == "transactional-2026-10-01-2026-10-31.csv"
    want = _route(cfg, "/export/transactional.csv?from=2026-10-01&to=2026-10-31&lang=en")
    assert files[name] == want


def test_a_run_missed_while_the_app_was_down_is_sent_once_marked_late(data_dir, inbox):
    cfg = _config(data_dir, inbox.port)
    _add(cfg, lang="en", period="yesterday", formats=["csv"])
    back = NOW + dt.timedelta(days=3, hours=-1)  # down from before 8:00 on the 2nd until 7:05 on the 5th
    done = _sender(cfg).run_due(back)
    assert [(o.state, o.late) for o in done] == [(SENT, True)]
    (message,) = inbox.wait_for(1)
    assert message["Subject"].startswith("[late] SMS dispatch report: 3 Nov 2026 – 3 Nov 2026")  # due on the 4th
    assert "was due at" in message.get_body(("plain",)).get_content()
    assert _sender(cfg).run_due(back + dt.timedelta(minutes=30)) == []  # the older missed days are not sent
    assert len(inbox.messages) == 1


def test_a_failed_send_is_retried_with_back_off_and_failed_after_the_last_try(data_dir):
    cfg = _config(data_dir, free_port())  # nothing listens there
    schedule = _add(cfg, formats=["csv"])
    sender = _sender(cfg, backoff_s=(60.0, 120.0))
    first = sender.run_due(NOW)
    assert [(o.state, o.attempt) for o in first] == [(RETRY, 1)] and "ConnectionRefused" in first[0].error
    assert sender.run_due(NOW + dt.timedelta(seconds=30)) == []  # not before its back-off
    assert [(o.state, o.attempt) for o in sender.run_due(NOW + dt.timedelta(seconds=61))] == [(RETRY, 2)]
    assert [(o.state, o.attempt) for o in sender.run_due(NOW + dt.timedelta(seconds=300))] == [(FAILED, 3)]
    assert sender.run_due(NOW + dt.timedelta(hours=2)) == []
    (run,) = ScheduleStore(store_path(data_dir)).runs(schedule.id)
    assert run.state == FAILED and "ConnectionRefused" in run.error and run.attempts == 3
    log = AccessAudit(store_path(data_dir)).audit(action="schedule.send")
    assert list(log["outcome"]) == ["failed"] * 3


def test_a_retry_that_gets_through_is_sent_once(data_dir):
    port = free_port()
    cfg = _config(data_dir, port)
    _add(cfg, formats=["csv"])
    sender = _sender(cfg, backoff_s=(60.0,))
    assert [o.state for o in sender.run_due(NOW)] == [RETRY]  # the server is not up yet
    with Inbox(port) as inbox:
        done = sender.run_due(NOW + dt.timedelta(seconds=61))
        assert [(o.state, o.attempt, o.resent) for o in done] == [(SENT, 2, False)]
        assert len(inbox.wait_for(1)) == 1
        assert sender.run_due(NOW + dt.timedelta(hours=1)) == []


def test_the_scheduler_thread_sends_what_is_due_and_gives_the_lease_up(data_dir, inbox):
    from reports.scheduler import SchedulerThread

    cfg = _config(data_dir, inbox.port)
    _add(cfg, formats=["csv"], now=dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
    assert "smsreports_scheduler" not in create_app(cfg).server.extensions  # only `serve` asks for one
    thread = SchedulerThread(lambda: _sender(cfg), tick_s=0.2)
    thread.start()
    try:
        assert len(inbox.wait_for(1)) == 1
        time.sleep(1)  # a few more ticks: nothing more is due
        assert ScheduleStore(store_path(data_dir)).lease_holder(now=time.time()) == thread.sender.holder
    finally:
        thread.stop()
    assert len(inbox.messages) == 1 and not thread.is_alive()
    assert ScheduleStore(store_path(data_dir)).lease_holder(now=time.time()) is None


def test_a_schedule_with_a_view_sends_what_the_export_route_gives_for_that_view(data_dir, inbox):
    cfg = _config(data_dir, inbox.port)
    _add(cfg, formats=["csv"], view_query="?period=3m&since=2026-10-02&sort=-name&per=campaign", view_name="Od 2.")
    _add(cfg, page="transactional", formats=["csv"], lang="en", view_query="?source=api&q=a", view_name="API")
    assert len(_sender(cfg).run_due(NOW)) == 2
    got = {}
    for message in inbox.wait_for(2):
        got.update(_parts(message)[3])
    october = "from=2026-10-01&to=2026-10-31"  # the schedule's period, not the view's
    want = _route(cfg, f"/export/dispatches.csv?{october}&lang=pl&since=2026-10-02&sort=name&desc=1&per=campaign")
    assert got["wysylki-2026-10-01-2026-10-31.csv"] == want
    default = _route(cfg, f"/export/dispatches.csv?{october}&lang=pl")
    assert want != default  # the view changes the table: by name, descending
    want = _route(cfg, f"/export/transactional.csv?{october}&lang=en&source=api&q=a")
    assert got["transactional-2026-10-01-2026-10-31.csv"] == want
    assert want != _route(cfg, f"/export/transactional.csv?{october}&lang=en")
