"""The access audit: who did what, from where, with which filter, and what was sent.

Table `access_audit` in the data directory's SQLite store (data/store/sqlite.py); it is
append-only: triggers refuse UPDATE and DELETE. No Dash imports.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from data.store.sqlite import Database, register_migrations

AUDIT_COLUMNS = [
    "id",
    "at",
    "who",
    "role",
    "address",
    "action",
    "outcome",
    "target",
    "filter",
    "rows",
    "format",
    "bytes",
    "sha256",
    "detail",
]
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


class AccessAudit:
    """The access audit in the store database at `path` (created and migrated on first use)."""

    def __init__(self, path: Path, *, timeout_s: float = 30.0):
        self._db = Database(path, timeout_s=timeout_s)
        self.path = self._db.path

    def record(self, event: AuditEvent) -> int:
        """Appends an access event to the audit; returns its id."""
        with self._db.write() as con:
            cur = con.execute(
                "INSERT INTO access_audit (at, who, role, address, action, outcome, target, filter, rows, format, bytes,"
                " sha256, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    _now_precise(),
                    event.who,
                    event.role,
                    event.address,
                    event.action,
                    event.outcome,
                    event.target,
                    json.dumps(dict(event.filter), ensure_ascii=False, sort_keys=True) if event.filter else "",
                    event.rows,
                    event.format,
                    event.bytes,
                    event.sha256,
                    event.detail[:2000],
                ),
            )
            return int(cur.lastrowid)

    def audit(self, *, limit: int = 200, action: str | None = None, who: str | None = None) -> pd.DataFrame:
        """Returns the newest access events (AUDIT_COLUMNS), optionally of one action prefix or user."""
        where, params = [], []
        if action:
            where.append("action LIKE ? ESCAPE '\\'")
            params.append(action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        if who:
            where.append("who = ?")
            params.append(who)
        sql = f"SELECT {', '.join(AUDIT_COLUMNS)} FROM access_audit"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._db.rows(sql + " ORDER BY id DESC LIMIT ?", (*params, int(limit)))
        return pd.DataFrame([dict(r) for r in rows], columns=AUDIT_COLUMNS)

    def audit_rows(self, *, batch: int = 5000) -> Iterator[list]:
        """Yields every access event, oldest first, as lists in AUDIT_COLUMNS order (for the CSV)."""
        last = 0
        while True:
            rows = self._db.rows(
                f"SELECT {', '.join(AUDIT_COLUMNS)} FROM access_audit WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
            )
            if not rows:
                return
            for row in rows:
                yield list(row)
            last = rows[-1][0]


def _now_precise() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
