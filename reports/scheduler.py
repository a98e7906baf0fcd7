"""The scheduler of e-mailed reports: exactly one send per schedule and due time, across every process of a
data directory.

One process at a time is the scheduler: the one holding the lease in the store (data/store/schedules.py),
renewed on every tick and before every send. For each schedule it takes the newest due time not later than
now; a run record is claimed for it (schedule and due time are unique) before anything is built or sent, so
two processes never both send it. A due time missed while no process ran (the app was down) is sent once
when one comes back, marked late; older ones missed behind it are not sent again and again. A failed try is
tried again after BACKOFF_S, and shown failed after the last; a run whose process died while sending is sent
again marked "resent" (whether its first try arrived is unknown). Each file of each send is on the access
log like a download (reports/audit.py `recorded`): a started row before the message goes, its end with
rows, bytes and SHA-256 and the send's outcome after.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

import page_view
from data.db import Db
from data.queries.history import HistoryFilter, Sort
from data.recurrence import latest_due, next_due, report_period
from data.store.audit import AccessAudit, AuditEvent
from data.store.schedules import FAILED, RETRY, SENT, Run, Schedule, ScheduleStore, holder_id
from data.store.sqlite import StoreError
from reports.audit import NotRecorded, recorded
from reports.dispatches import HistoryView
from reports.mail import MailError, Smtp, compose, kpis_and_chart, message, report_files, send

LEASE_S = 120.0  # the lease outlives a tick by far, and a send (each SMTP step has its timeout)
TICK_S = 30.0
LATE_S = 900.0  # a run sent this long after its due time was missed (the app was down): marked late
BACKOFF_S = (60.0, 300.0, 1800.0)  # the waits before the 2nd, 3rd and 4th tries; the 4th failing is final
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What one try of a run did: its state after (sent, retry, failed), why it failed, what it sent."""

    schedule_id: int
    run_id: int
    state: str
    attempt: int
    late: bool
    resent: bool
    error: str = ""
    files: tuple[str, ...] = ()


class _Deferred:
    """An access log whose ends are kept until the send's outcome is known (the starts are written at once)."""

    def __init__(self, log_: AccessAudit):
        self.log = log_
        self.ends: list[tuple[int, AuditEvent]] = []

    def start(self, evt: AuditEvent) -> int:
        return self.log.start(evt)

    def finish(self, started: int, done: AuditEvent) -> None:
        self.ends.append((started, done))


@dataclass
class Sender:
    """Sends scheduled reports: the store, the access log, the lake, SMTP, the reporting time zone, CSV
    separators per language, and `frames()` returning the SMS page's (campaigns, members)."""

    store: ScheduleStore
    access: AccessAudit
    db: Db
    smtp: Smtp
    tz: str
    separators: dict[str, str]
    frames: Callable[[], tuple[Any, Any]] | None = None
    backoff_s: tuple[float, ...] = BACKOFF_S
    holder: str = field(default_factory=holder_id)

    def run_due(self, now: dt.datetime | None = None, *, lease_s: float = LEASE_S) -> list[Outcome]:
        """Sends every report due at `now` (aware; default: now) and every retry whose time has come; returns
        what each try did. Stops when the lease is lost (another process is the scheduler now)."""
        now = now or dt.datetime.now(dt.UTC)
        done = []
        for schedule in self.store.list():
            due = latest_due(schedule.every, schedule.day, schedule.hour, self.tz, now)
            if due < schedule.created_at or self.store.has_run(schedule.id, due):
                continue
            if not self.store.take_lease(self.holder, ttl_s=lease_s, now=time.time()):
                return done
            late = (now - due).total_seconds() > LATE_S
            run = self.store.claim(schedule.id, due, self.holder, now=now.timestamp(), late=late)
            if run is not None:
                done.append(self.send(schedule, run, now))
        for run in self.store.open_runs(now.timestamp()):
            schedule = self.store.get(run.schedule_id)
            if schedule is None or not self.store.take_lease(self.holder, ttl_s=lease_s, now=time.time()):
                continue
            claimed = self.store.claim(run.schedule_id, run.due_at, self.holder, now=now.timestamp())
            if claimed is not None:
                done.append(self.send(schedule, claimed, now))
        return done

    def run_now(self, schedule: Schedule, *, who: str, role: str, address: str) -> Outcome:
        """Sends a schedule's report at once, for the period relative to now (one try: a failure is final)."""
        now = dt.datetime.now(dt.UTC)
        run = self.store.claim(schedule.id, now, self.holder, now=now.timestamp(), manual=True)
        if run is None:
            raise RuntimeError("the send could not be claimed")
        return self.send(schedule, run, now, who=who, role=role, address=address)

    def _view(self, schedule: Schedule) -> tuple[HistoryView | None, str | None, str]:
        """Returns what the export route would be given for the schedule's view (its page's query string; its
        period is the schedule's): the SMS table's HistoryView, or the transactional table's source and text.
        The transactional export has no sort: its CSV keeps the table's own order whatever the view's."""
        shown, _ignored = page_view.parse(schedule.view_query, schedule.page)
        if schedule.page != "sms":
            return None, shown.source, shown.text
        if self.frames is None:
            return None, None, ""
        campaigns, members = self.frames()
        column = shown.sort_column
        view = HistoryView(
            campaigns=campaigns,
            members=members,
            flt=HistoryFilter(shown.text, shown.since, shown.until),
            sort=Sort(*column) if column else None,
            per="campaign" if shown.per_campaign else "dispatch",
        )
        return view, None, ""

    def send(
        self,
        schedule: Schedule,
        run: Run,
        now: dt.datetime,
        *,
        who: str | None = None,
        role: str = "scheduler",
        address: str = "scheduler",
    ) -> Outcome:
        """Builds and sends one claimed run; records the try (sent, retry after back-off, or failed)."""
        outcome = dict(schedule_id=schedule.id, run_id=run.id, attempt=run.attempts, late=run.late, resent=run.resent)
        deferred, names, error, refused = _Deferred(self.access), (), "", []
        try:
            lang = schedule.lang
            period = report_period(schedule.period, run.due_at, self.tz)
            generated = now.astimezone(ZoneInfo(self.tz)).replace(tzinfo=None)
            view, source, text = self._view(schedule)
            files = report_files(
                self.db,
                page=schedule.page,
                formats=schedule.formats,
                period=period,
                lang=lang,
                sep=self.separators[lang],
                generated_at=generated,
                view=view,
                source=source,
                text=text,
            )
            kpis, chart = kpis_and_chart(self.db, page=schedule.page, period=period, lang=lang)
            report = compose(
                page=schedule.page,
                period=period,
                lang=lang,
                kpis=kpis,
                chart=chart,
                files=files,
                due=run.due_at,
                late=run.late,
                resent=run.resent,
                schedule_id=schedule.id,
            )
            msg = message(report, sender=self.smtp.sender or "", recipients=schedule.recipients)
            names = tuple(f.filename for f in files)
            filt = {
                "schedule": schedule.id,
                "run": run.id,
                "page": schedule.page,
                "from": period.start.isoformat(),
                "to": period.end.isoformat(),
                "due": run.due_at.isoformat(),
                "attempt": run.attempts,
                "late": run.late,
                "resent": run.resent,
                "manual": run.manual,
                "subject": report.subject,
            }
            for file in files:  # each file on record before the message goes (NotRecorded: nothing is sent)
                evt = AuditEvent(
                    who=who or schedule.owner,
                    role=role,
                    address=address,
                    action="schedule.send",
                    target=", ".join(schedule.recipients),
                    filter={**filt, "file": file.filename},
                    format=file.mime[1] if file.counting == "csv" else file.counting,
                )
                for _chunk in recorded([file.data], evt, file.counting, deferred):
                    pass
            refused = send(msg, self.smtp)
        except NotRecorded as exc:
            error = f"the access log cannot be written: {exc}"
        except MailError as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - the lake or the store failed: this try failed, the next may not
            log.exception("scheduled report %s failed", schedule.id)
            error = f"{type(exc).__name__}: {exc}"
        for started, done in deferred.ends:
            detail = error or ("refused: " + ", ".join(refused) if refused else "")
            try:
                self.access.finish(started, replace(done, outcome="failed" if error else "ok", detail=detail))
            except Exception as exc:  # noqa: BLE001 - the mail is gone by now; the start row says it was sent
                log.error("access log: the end of a scheduled send could not be recorded: %s", exc)
        if not error:
            self.store.sent(run.id)
            return Outcome(**outcome, state=SENT, error="; ".join(refused), files=names)
        retry = None
        if not run.manual and run.attempts <= len(self.backoff_s):
            retry = now.timestamp() + self.backoff_s[run.attempts - 1]
        self.store.failed(run.id, error, next_try=retry)
        log.warning("scheduled report %s, try %s failed: %s", schedule.id, run.attempts, error)
        return Outcome(**outcome, state=RETRY if retry is not None else FAILED, error=error, files=names)


def next_time(schedule: Schedule, tz: str, now: dt.datetime | None = None) -> dt.datetime:
    """Returns when a schedule is next due (aware, UTC)."""
    return next_due(schedule.every, schedule.day, schedule.hour, tz, now or dt.datetime.now(dt.UTC))


class SchedulerThread(threading.Thread):
    """The scheduler in a server process: every `tick_s` it takes (or renews) the lease and, holding it, sends
    what is due; a failure is logged and the next tick tries again. `make()` returns its Sender, called in the
    thread (a store that cannot be opened now never stops the server from starting). A daemon: it ends with
    the process."""

    def __init__(self, make: Callable[[], Sender], *, tick_s: float = TICK_S, lease_s: float = LEASE_S):
        super().__init__(name="smsreports-scheduler", daemon=True)
        self.make = make
        self.sender: Sender | None = None
        self.tick_s = tick_s
        self.lease_s = lease_s
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.sender = self.sender or self.make()
                if self.sender.store.take_lease(self.sender.holder, ttl_s=self.lease_s, now=time.time()):
                    self.sender.run_due(lease_s=self.lease_s)
            except StoreError as exc:  # busy, read-only or full now; maybe not at the next tick
                log.warning("scheduled reports: the store cannot be written now (%s); trying again", exc.key)
            except Exception:  # noqa: BLE001 - the thread must outlive any one tick
                log.exception("scheduled reports: a tick failed; trying again")
            self._stopping.wait(self.tick_s)

    def stop(self) -> None:
        """Ends the loop after the current tick and gives the lease up."""
        self._stopping.set()
        self.join(timeout=self.tick_s + 5)
        if self.sender is None:
            return
        try:
            self.sender.store.release_lease(self.sender.holder)
        except Exception:  # noqa: BLE001
            log.warning("scheduled reports: the lease could not be released; it expires by itself")


def smtp_of(config) -> Smtp:
    """Returns the SMTP settings of a Config (SMSREPORTS_SMTP_*)."""
    return Smtp(
        host=config.smtp_host,
        port=config.smtp_port,
        security=config.smtp_security,
        user=config.smtp_user,
        password=config.smtp_password,
        sender=config.smtp_from,
        timeout_s=config.smtp_timeout_s,
    )


def sender_for(config, db: Db, frames: Callable[[], tuple[Any, Any]] | None = None) -> Sender:
    """Returns the Sender of a Config's data directory (its store, access log, SMTP settings and time zone)."""
    from data.store.sqlite import store_path

    path = store_path(config.data_dir)
    return Sender(
        store=ScheduleStore(path, timeout_s=config.store_timeout_s),
        access=AccessAudit(path, timeout_s=config.store_timeout_s),
        db=db,
        smtp=smtp_of(config),
        tz=config.timezone,
        separators=dict(config.csv_separator),
        frames=frames,
    )
