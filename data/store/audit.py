"""The access audit: who did what, from where, with which filter, and what was sent.

Table `access_audit` in the data directory's SQLite store (data/store/sqlite.py). It is
append-only: triggers refuse UPDATE, DELETE and an INSERT (or INSERT OR REPLACE) of an id
that exists. It is tamper-evident: each row carries the SHA-256 of the previous row's hash
and its own fields (`row_hash`), so a row changed, removed or slipped in behind the app's
back breaks the chain from there on, and `verify` names the first bad row. Someone who
can write the file can still rebuild the whole chain, or cut rows off its end: the copy
each row also gets as one JSON line in `<data dir>/audit.jsonl` (0600, fsync'd), shipped
to another machine's log system, is what tells. A download is two rows: `started` before
its first byte (`start`; when that cannot be written, nothing is sent) and its end
(`finish`: ok, failed or aborted, `ref` naming the started row); a started row without an
end is a download whose process died. No Dash imports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from choices import AUDIT_FIELDS
from data.durable import write_synced
from data.store.sqlite import Database, register_migrations

GENESIS = "0" * 64  # the "previous hash" of the first row
JSONL_FILE = "audit.jsonl"
STARTED, INTERRUPTED = "started", "interrupted"
FULL_CHECK_S = 300.0  # /admin checks the whole chain at most this often, the new rows every time

AUDIT_COLUMNS = list(AUDIT_FIELDS)
CHAINED = AUDIT_COLUMNS[:-1]  # what a row's hash covers: every column but the hash itself
MIGRATIONS = {
    # Access control (issue 6), with the users and log-in failures of data/store/users.py.
    2: """
        CREATE TABLE access_audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            who TEXT NOT NULL,
            role TEXT NOT NULL,
            address TEXT NOT NULL,
            action TEXT NOT NULL,
            outcome TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT '',
            filter TEXT NOT NULL DEFAULT '',
            rows INTEGER,
            format TEXT NOT NULL DEFAULT '',
            bytes INTEGER,
            sha256 TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT ''
        );
        CREATE TRIGGER access_audit_no_update BEFORE UPDATE ON access_audit
        BEGIN SELECT RAISE(ABORT, 'access_audit is append-only'); END;
        CREATE TRIGGER access_audit_no_delete BEFORE DELETE ON access_audit
        BEGIN SELECT RAISE(ABORT, 'access_audit is append-only'); END;
    """,
}


def row_hash(previous: str, row: Mapping[str, object]) -> str:
    """Returns the hash of an audit row: SHA-256 over the previous row's hash and the row's CHAINED fields."""
    fields = json.dumps([row[c] for c in CHAINED], ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(f"{previous}\n{fields}".encode("ascii")).hexdigest()


def _chain_migration(con: sqlite3.Connection) -> None:
    """Schema 4: a `ref` from a download's end to its start, and a hash chain over every row, the rows
    already there included (their hashes are computed once here, with the update trigger lifted)."""
    con.execute("DROP TRIGGER access_audit_no_update")
    con.execute("ALTER TABLE access_audit ADD COLUMN ref INTEGER")
    con.execute("ALTER TABLE access_audit ADD COLUMN hash TEXT NOT NULL DEFAULT ''")
    previous, rows = GENESIS, []
    for values in con.execute(f"SELECT {', '.join(CHAINED)} FROM access_audit ORDER BY id").fetchall():
        row = dict(zip(CHAINED, values, strict=True))
        row["hash"] = previous = row_hash(previous, row)
        rows.append(row)
    con.executemany("UPDATE access_audit SET hash = ? WHERE id = ?", [(r["hash"], r["id"]) for r in rows])
    for statement in (
        """CREATE TRIGGER access_audit_no_update BEFORE UPDATE ON access_audit
           BEGIN SELECT RAISE(ABORT, 'access_audit is append-only'); END""",
        # INSERT OR REPLACE deletes the row it replaces without firing delete triggers: refuse any taken id.
        """CREATE TRIGGER access_audit_no_replace BEFORE INSERT ON access_audit
           WHEN EXISTS (SELECT 1 FROM access_audit WHERE id = NEW.id)
           BEGIN SELECT RAISE(ABORT, 'access_audit is append-only: that id exists'); END""",
        "CREATE INDEX access_audit_by_ref ON access_audit(ref)",
    ):
        con.execute(statement)
    main = next((r[2] for r in con.execute("PRAGMA database_list") if r[1] == "main"), "")
    if main and rows:  # the copy for log shippers starts complete
        _append_lines(Path(main).parent / JSONL_FILE, rows)


MIGRATIONS[4] = _chain_migration
register_migrations(__name__, MIGRATIONS)


@dataclass(frozen=True)
class AuditEvent:
    """One access event: who did what, from where, with which filter, and what was sent."""

    who: str
    role: str
    address: str
    action: str
    outcome: str = "ok"
    target: str = ""
    filter: Mapping[str, object] = field(default_factory=dict)
    rows: int | None = None
    format: str = ""
    bytes: int | None = None
    sha256: str = ""
    detail: str = ""


@dataclass(frozen=True)
class ChainCheck:
    """What `AccessAudit.verify` found: how many rows hold, and the first bad one (`bad`, None when the whole
    chain holds) with why (`problem`: an i18n key under audit.chain.*, filled by `values`)."""

    rows: int
    bad: int | None = None
    problem: str = "audit.chain.ok"
    values: Mapping[str, object] = field(default_factory=dict)
    newest: str = GENESIS

    @property
    def ok(self) -> bool:
        return self.bad is None


class AccessAudit:
    """The access audit in the store database at `path` (created and migrated on first use), with its
    JSON-lines copy beside it."""

    def __init__(self, path: Path, *, timeout_s: float = 30.0):
        self._db = Database(path, timeout_s=timeout_s)
        self.path = self._db.path
        self.jsonl = self.path.parent / JSONL_FILE
        try:
            mode = stat.S_IMODE(self.jsonl.stat().st_mode)
            if mode & 0o077:
                self.jsonl.chmod(mode & 0o700)
        except OSError:  # not there yet, or not ours
            pass

    def record(self, event: AuditEvent) -> int:
        """Appends an access event to the audit; returns its id. Raises when it cannot be written."""
        return self._append(event)

    def start(self, event: AuditEvent) -> int:
        """Records the start of a download (outcome `started`); returns its id for `finish`. Raises when it
        cannot be written: then the download must not be served."""
        return self._append(replace(event, outcome=STARTED, rows=None, bytes=None, sha256="", detail=""))

    def finish(self, started: int, event: AuditEvent) -> int:
        """Records the end of the download `start` returned `started` for (its outcome, rows, bytes, SHA-256)."""
        return self._append(event, ref=started)

    def _append(self, event: AuditEvent, *, ref: int | None = None) -> int:
        values = {
            "at": _now_precise(),
            "who": str(event.who),
            "role": str(event.role),
            "address": str(event.address),
            "action": str(event.action),
            "outcome": str(event.outcome),
            "target": str(event.target),
            "filter": json.dumps(dict(event.filter), ensure_ascii=False, sort_keys=True) if event.filter else "",
            "rows": None if event.rows is None else int(event.rows),
            "format": str(event.format),
            "bytes": None if event.bytes is None else int(event.bytes),
            "sha256": str(event.sha256),
            "detail": str(event.detail)[:2000],
            "ref": ref,
        }
        with self._db.write() as con:
            # The write lock is held from here to the commit: rows get consecutive ids and their hashes (and
            # their lines in the JSON copy) follow one order, whichever process writes.
            last = con.execute("SELECT id, hash FROM access_audit ORDER BY id DESC LIMIT 1").fetchone()
            row = {"id": (last[0] if last else 0) + 1, **values}
            row["hash"] = row_hash(last[1] if last else GENESIS, row)
            con.execute(
                f"INSERT INTO access_audit ({', '.join(AUDIT_COLUMNS)}) VALUES ({', '.join('?' * len(AUDIT_COLUMNS))})",
                tuple(row[c] for c in AUDIT_COLUMNS),
            )
            _append_lines(self.jsonl, [row])  # a failure here rolls the row back: both or neither
            return row["id"]

    def audit(self, *, limit: int = 200, action: str | None = None, who: str | None = None) -> pd.DataFrame:
        """Returns the newest access events (AUDIT_COLUMNS), optionally of one action prefix or user. A download
        shows as its end row; a started one that never ended has the outcome `interrupted`."""
        where = [f"NOT (a.outcome = '{STARTED}' AND EXISTS (SELECT 1 FROM access_audit e WHERE e.ref = a.id))"]
        params: list[object] = []
        if action:
            where.append("a.action LIKE ? ESCAPE '\\'")
            params.append(action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        if who:
            where.append("a.who = ?")
            params.append(who)
        columns = [
            f"CASE a.outcome WHEN '{STARTED}' THEN '{INTERRUPTED}' ELSE a.outcome END AS outcome"
            if c == "outcome"
            else f"a.{c}"
            for c in AUDIT_COLUMNS
        ]
        sql = f"SELECT {', '.join(columns)} FROM access_audit a WHERE " + " AND ".join(where)
        rows = self._db.rows(sql + " ORDER BY a.id DESC LIMIT ?", (*params, int(limit)))
        return pd.DataFrame([dict(r) for r in rows], columns=AUDIT_COLUMNS)

    def audit_rows(self, *, batch: int = 5000, after: int = 0) -> Iterator[list]:
        """Yields every access event (with an id above `after`), oldest first, as lists in AUDIT_COLUMNS order."""
        last = after
        while True:
            rows = self._db.rows(
                f"SELECT {', '.join(AUDIT_COLUMNS)} FROM access_audit WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
            )
            if not rows:
                return
            for row in rows:
                yield list(row)
            last = rows[-1][0]

    def verify(self, *, after: ChainCheck | None = None, batch: int = 5000) -> ChainCheck:
        """Checks the hash chain from the first row to the newest; returns how many rows hold and the first
        bad one: a row whose fields or hash were changed, or the first row after rows that are gone.
        `after`, a check that held, checks only the rows added since (they must chain onto its newest hash)."""
        expected_id, previous, good = 1, GENESIS, 0
        if after is not None and after.ok and after.rows:
            held = self._db.rows("SELECT hash FROM access_audit WHERE id = ?", (after.rows,))
            if not held or held[0][0] != after.newest:  # the last row checked is gone or was rewritten
                return ChainCheck(after.rows - 1, after.rows, "audit.chain.changed", {"id": after.rows}, GENESIS)
            expected_id, previous, good = after.rows + 1, after.newest, after.rows
        for values in self.audit_rows(batch=batch, after=expected_id - 1):
            row = dict(zip(AUDIT_COLUMNS, values, strict=True))
            if row["id"] != expected_id:
                return ChainCheck(
                    good,
                    row["id"],
                    "audit.chain.missing",
                    {"id": row["id"], "first": expected_id, "last": row["id"] - 1},
                    previous,
                )
            if row["hash"] != row_hash(previous, row):
                return ChainCheck(good, row["id"], "audit.chain.changed", {"id": row["id"]}, previous)
            expected_id, previous, good = expected_id + 1, row["hash"], good + 1
        return ChainCheck(good, None, "audit.chain.ok", {"count": good}, previous)

    def check(self, *, full_every_s: float | None = None) -> ChainCheck:
        """Returns `verify()` for a page that asks often: the rows added since this process's last check are
        checked each time, the whole chain at least every `full_every_s` seconds (FULL_CHECK_S; a long log
        takes seconds)."""
        full_every_s = FULL_CHECK_S if full_every_s is None else full_every_s
        key = str(self.path)
        with _CHECKS_LOCK:
            done = _CHECKS.get(key)
        now = time.monotonic()
        if done is not None and done[1].ok and now - done[0] < full_every_s:
            found, full_at = self.verify(after=done[1]), done[0]
        else:
            found, full_at = self.verify(), now
        with _CHECKS_LOCK:
            _CHECKS[key] = (full_at, found)
        return found


_CHECKS: dict[str, tuple[float, ChainCheck]] = {}  # store path -> (when its whole chain was checked, last check)
_CHECKS_LOCK = threading.Lock()


def _append_lines(path: Path, rows: list[Mapping[str, object]]) -> None:
    """Appends each row as one JSON line to `path` (created 0600) and fsyncs it; a write cut short (a full
    disk) is taken back, so the file never holds half a line."""
    data = b"".join(_json_line(row) for row in rows)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        size = os.fstat(fd).st_size
        try:
            write_synced(fd, data)
        except BaseException:
            os.ftruncate(fd, size)
            raise
    finally:
        os.close(fd)


def _json_line(row: Mapping[str, object]) -> bytes:
    values = {c: row[c] for c in AUDIT_COLUMNS}
    try:
        return (json.dumps(values, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:  # text that is not valid Unicode (a lone surrogate): escaped
        return (json.dumps(values, ensure_ascii=True) + "\n").encode("ascii")


def _now_precise() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
