"""Scheduled e-mail reports: the schedules, one run record per due time, and the scheduler's lease.

Tables in the data directory's SQLite store (data/store/sqlite.py):

* `schedules`: what to send (page, formats, and the view: a saved view's query string and name, "" for the
  page's default table), when (data/recurrence.py's rule), the period, the recipients,
  the language and who made it.
* `schedule_runs`: one row per schedule and due time (UNIQUE), written before anything is sent, so a due
  time is claimed once whatever the number of processes. Its state: `sending` (claimed), `retry` (a try
  failed; `next_try` says when), `sent`, `failed` (the last try failed; `error` says why). A run claimed by a
  process that died (`sending` whose claimant is gone) is taken over and sent again marked `resent`: whether
  the first try reached the server is unknown, so the recipients are told rather than left with none.
* `scheduler_lease`: which process is the one scheduler of this data directory, until when. Taken and renewed
  in a `BEGIN IMMEDIATE` transaction; free when it expired or its holder process on this machine is gone.
No Dash imports.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path

import psutil

from data.recurrence import EVERY, PERIODS, check_rule
from data.store.sqlite import Database, register_migrations

PAGES = ("sms", "transactional")
FORMATS = ("csv", "docx")
LANGS = ("pl", "en")
SENDING, RETRY, SENT, FAILED = "sending", "retry", "sent", "failed"
CLAIM_S = 900.0  # a claim whose holder cannot be checked (another machine) is taken over after this long
MAX_RECIPIENTS = 50
MIGRATIONS = {
    # Reports by e-mail (issue 22).
    5: """
        CREATE TABLE schedules (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            page TEXT NOT NULL,
            formats TEXT NOT NULL,
            every TEXT NOT NULL,
            day INTEGER,
            hour INTEGER NOT NULL,
            period TEXT NOT NULL,
            recipients TEXT NOT NULL,
            lang TEXT NOT NULL,
            owner TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE schedule_runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            schedule_id INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
            due_at TEXT NOT NULL,
            manual INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL,
            late INTEGER NOT NULL DEFAULT 0,
            resent INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            claimed_by TEXT NOT NULL DEFAULT '',
            claimed_at REAL,
            next_try REAL,
            finished_at TEXT,
            error TEXT NOT NULL DEFAULT '',
            UNIQUE (schedule_id, due_at)
        );
        CREATE INDEX schedule_runs_open ON schedule_runs(state);
        CREATE TABLE scheduler_lease (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            expires REAL NOT NULL
        );
    """,
    # A schedule sends a saved view of its page: the view's query string and name as they were when chosen,
    # so removing or changing the saved view later does not change what is sent.
    8: """
        ALTER TABLE schedules ADD COLUMN view_query TEXT NOT NULL DEFAULT '';
        ALTER TABLE schedules ADD COLUMN view_name TEXT NOT NULL DEFAULT '';
    """,
}
register_migrations(__name__, MIGRATIONS)
MAX_VIEW_QUERY = 4000  # data/store/views.py MAX_QUERY


_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_LOCAL}@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}")
MAX_ADDRESS = 254


class ScheduleError(ValueError):
    """A schedule that cannot be made as asked; `key` names the i18n message, `values` fill it."""

    def __init__(self, key: str, **values: object):
        super().__init__(f"{key}: {values}")
        self.key = key
        self.values = values


def check_address(value: str) -> str:
    """Returns an e-mail address as given (trimmed) when it is a plain `local@domain.tld` (ASCII, no display
    name, no spaces or line breaks: nothing that could add a header); ScheduleError otherwise."""
    address = (value or "").strip() if isinstance(value, str) else ""
    if len(address) > MAX_ADDRESS or not _ADDRESS.fullmatch(address) or len(address.split("@")[0]) > 64:
        raise ScheduleError(
            "sched.error.address", address=repr(str(value)[:80])[1:-1]
        )  # line breaks shown, not printed
    return address


@dataclass(frozen=True)
class Schedule:
    """A scheduled report: `day` is the weekday 1-7 (weekly) or the day of the month (monthly; 0: the last)."""

    id: int
    page: str
    formats: tuple[str, ...]
    every: str
    day: int | None
    hour: int
    period: str
    recipients: tuple[str, ...]
    lang: str
    owner: str
    created_at: dt.datetime
    view_query: str = ""  # the page address's query string of the view sent ("": the page's default table)
    view_name: str = ""


@dataclass(frozen=True)
class Run:
    """One send of a schedule for one due time (`manual`: sent on request) and where it stands."""

    id: int
    schedule_id: int
    due_at: dt.datetime
    manual: bool
    state: str
    late: bool
    resent: bool
    attempts: int
    finished_at: str | None
    error: str


def holder_id() -> str:
    """Returns this process's name as a lease or claim holder: machine, process id and the process's start time
    (so a process id used again later is not taken for the holder)."""
    return f"{socket.gethostname()}:{os.getpid()}:{psutil.Process().create_time():.3f}"


def holder_alive(holder: str) -> bool:
    """Tells whether the process named by `holder_id` may still run: False only when it ran on this machine
    and is gone (another machine's processes cannot be checked from here)."""
    host, _, rest = holder.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return host != socket.gethostname()
    try:
        process = psutil.Process(int(pid))
        return process.status() != psutil.STATUS_ZOMBIE and abs(process.create_time() - float(started)) < 0.01
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return False


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat()  # whole seconds for due times; a manual send keeps its microseconds


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


class ScheduleStore:
    """The schedules, their runs and the scheduler lease in the store database at `path`."""

    def __init__(self, path: Path, *, timeout_s: float = 30.0):
        self._db = Database(path, timeout_s=timeout_s)
        self.path = self._db.path

    # ------------------------------------------------------------------ schedules
    def add(
        self,
        *,
        page: str,
        formats: list[str] | tuple[str, ...],
        every: str,
        day: int | None,
        hour: int,
        period: str,
        recipients: list[str] | tuple[str, ...],
        lang: str,
        owner: str,
        now: dt.datetime | None = None,
        view_query: str = "",
        view_name: str = "",
    ) -> Schedule:
        """Adds a schedule (ScheduleError when a value is not one it can have, an address included); returns it."""
        formats = tuple(dict.fromkeys(formats or ()))
        recipients = tuple(dict.fromkeys(check_address(r) for r in recipients or ()))
        if page not in PAGES:
            raise ScheduleError("sched.error.page")
        if not formats or any(f not in FORMATS for f in formats):
            raise ScheduleError("sched.error.format")
        if period not in PERIODS:
            raise ScheduleError("sched.error.period")
        if lang not in LANGS:
            raise ScheduleError("sched.error.lang")
        if not isinstance(view_query, str) or len(view_query) > MAX_VIEW_QUERY or not isinstance(view_name, str):
            raise ScheduleError("sched.error.view")
        if not recipients or len(recipients) > MAX_RECIPIENTS:
            raise ScheduleError("sched.error.recipients", max=MAX_RECIPIENTS)
        try:
            day = check_rule(every, day, hour)
        except ValueError as exc:
            raise ScheduleError(str(exc)) from None
        created = _iso(now or dt.datetime.now(dt.UTC))
        with self._db.write() as con:
            new_id = con.execute(
                "INSERT INTO schedules (page, formats, every, day, hour, period, recipients, lang, owner, created_at, "
                "view_query, view_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    page,
                    ",".join(formats),
                    every,
                    day,
                    hour,
                    period,
                    json.dumps(recipients),
                    lang,
                    owner,
                    created,
                    view_query,
                    view_name,
                ),
            ).lastrowid
        return self.get(new_id)

    def get(self, schedule_id: int) -> Schedule | None:
        """Returns the schedule with this id, or None."""
        rows = self._db.rows("SELECT * FROM schedules WHERE id = ?", (int(schedule_id),))
        return _schedule(rows[0]) if rows else None

    def list(self) -> list[Schedule]:
        """Returns every schedule, oldest first."""
        return [_schedule(r) for r in self._db.rows("SELECT * FROM schedules ORDER BY id")]

    def remove(self, schedule_id: int) -> bool:
        """Removes a schedule and its run records; True if it existed."""
        with self._db.write() as con:
            return con.execute("DELETE FROM schedules WHERE id = ?", (int(schedule_id),)).rowcount == 1

    # ----------------------------------------------------------------------- runs
    def claim(
        self, schedule_id: int, due: dt.datetime, holder: str, *, now: float, late: bool = False, manual: bool = False
    ) -> Run | None:
        """Claims the send of a schedule for the due time `due` for `holder`, in one transaction: a new run
        record (state sending), or a run whose retry time has come, or one whose claimant died (marked
        resent). Returns the claimed run; None when it is sent, failed for good, waiting or held by a live
        process (or the schedule is gone)."""
        with self._db.write() as con:
            if con.execute("SELECT 1 FROM schedules WHERE id = ?", (int(schedule_id),)).fetchone() is None:
                return None
            row = con.execute(
                "SELECT * FROM schedule_runs WHERE schedule_id = ? AND due_at = ?", (int(schedule_id), _iso(due))
            ).fetchone()
            if row is None:
                run_id = con.execute(
                    "INSERT INTO schedule_runs (schedule_id, due_at, manual, state, late, attempts, claimed_by, "
                    "claimed_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
                    (int(schedule_id), _iso(due), int(manual), SENDING, int(late), holder, now),
                ).lastrowid
            elif not _takeable(row, now):
                return None
            else:
                run_id = row["id"]
                con.execute(
                    "UPDATE schedule_runs SET state = ?, attempts = attempts + 1, claimed_by = ?, claimed_at = ?, "
                    "resent = resent OR ?, next_try = NULL WHERE id = ?",
                    (SENDING, holder, now, int(row["state"] == SENDING), run_id),
                )
            return _run(con.execute("SELECT * FROM schedule_runs WHERE id = ?", (run_id,)).fetchone())

    def open_runs(self, now: float) -> list[Run]:
        """Returns the runs another try is due for: retries whose time has come, and claims whose process died."""
        rows = self._db.rows("SELECT * FROM schedule_runs WHERE state IN (?, ?) ORDER BY id", (SENDING, RETRY))
        return [_run(r) for r in rows if _takeable(r, now)]

    def sent(self, run_id: int) -> None:
        """Marks a run sent."""
        self._finish(run_id, SENT, "")

    def failed(self, run_id: int, error: str, *, next_try: float | None) -> None:
        """Marks a try failed: to be tried again at `next_try`, or failed for good (None)."""
        if next_try is None:
            self._finish(run_id, FAILED, error)
            return
        with self._db.write() as con:
            con.execute(
                "UPDATE schedule_runs SET state = ?, next_try = ?, error = ?, claimed_by = '' WHERE id = ?",
                (RETRY, next_try, error[:500], run_id),
            )

    def _finish(self, run_id: int, state: str, error: str) -> None:
        with self._db.write() as con:
            con.execute(
                "UPDATE schedule_runs SET state = ?, error = ?, finished_at = ?, next_try = NULL, claimed_by = '' "
                "WHERE id = ?",
                (state, error[:500], _iso(dt.datetime.now(dt.UTC)), run_id),
            )

    def runs(self, schedule_id: int | None = None, *, limit: int = 50) -> list[Run]:
        """Returns the newest runs (of one schedule, or all)."""
        if schedule_id is None:
            rows = self._db.rows("SELECT * FROM schedule_runs ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = self._db.rows(
                "SELECT * FROM schedule_runs WHERE schedule_id = ? ORDER BY id DESC LIMIT ?", (int(schedule_id), limit)
            )
        return [_run(r) for r in rows]

    def last_runs(self) -> dict[int, Run]:
        """Returns each schedule's newest run."""
        rows = self._db.rows(
            "SELECT * FROM schedule_runs WHERE id IN (SELECT max(id) FROM schedule_runs GROUP BY schedule_id)"
        )
        return {r["schedule_id"]: _run(r) for r in rows}

    def has_run(self, schedule_id: int, due: dt.datetime) -> bool:
        """Tells whether a run record exists for this schedule and due time."""
        return bool(
            self._db.rows(
                "SELECT 1 FROM schedule_runs WHERE schedule_id = ? AND due_at = ?", (int(schedule_id), _iso(due))
            )
        )

    # ---------------------------------------------------------------------- lease
    def take_lease(self, holder: str, *, ttl_s: float, now: float, name: str = "scheduler") -> bool:
        """Takes or renews the scheduler lease for `holder` until now + `ttl_s`; True if it holds it now. Free
        when nobody holds it, it expired, or its holder was a process of this machine that is gone."""
        with self._db.write() as con:
            row = con.execute("SELECT holder, expires FROM scheduler_lease WHERE name = ?", (name,)).fetchone()
            if row is not None and row["holder"] != holder and row["expires"] > now and holder_alive(row["holder"]):
                return False
            con.execute(
                "INSERT INTO scheduler_lease (name, holder, expires) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires",
                (name, holder, now + ttl_s),
            )
            return True

    def release_lease(self, holder: str, *, name: str = "scheduler") -> None:
        """Gives the lease up if `holder` has it."""
        with self._db.write() as con:
            con.execute("DELETE FROM scheduler_lease WHERE name = ? AND holder = ?", (name, holder))

    def lease_holder(self, *, now: float, name: str = "scheduler") -> str | None:
        """Returns who holds the lease now, or None."""
        rows = self._db.rows("SELECT holder, expires FROM scheduler_lease WHERE name = ?", (name,))
        return rows[0]["holder"] if rows and rows[0]["expires"] > now else None


def _takeable(row, now: float) -> bool:
    if row["state"] == RETRY:
        return row["next_try"] is None or row["next_try"] <= now
    if row["state"] == SENDING:
        return not holder_alive(row["claimed_by"]) or (row["claimed_at"] or 0) + CLAIM_S < now
    return False


def _schedule(row) -> Schedule:
    return Schedule(
        id=row["id"],
        page=row["page"],
        formats=tuple(row["formats"].split(",")),
        every=row["every"],
        day=row["day"],
        hour=row["hour"],
        period=row["period"],
        recipients=tuple(json.loads(row["recipients"])),
        lang=row["lang"],
        owner=row["owner"],
        created_at=_when(row["created_at"]),
        view_query=row["view_query"],
        view_name=row["view_name"],
    )


def _run(row) -> Run:
    return Run(
        id=row["id"],
        schedule_id=row["schedule_id"],
        due_at=_when(row["due_at"]),
        manual=bool(row["manual"]),
        state=row["state"],
        late=bool(row["late"]),
        resent=bool(row["resent"]),
        attempts=row["attempts"],
        finished_at=row["finished_at"],
        error=row["error"],
    )


__all__ = ["EVERY", "FORMATS", "PAGES", "PERIODS", "Run", "Schedule", "ScheduleError", "ScheduleStore", "check_address"]
