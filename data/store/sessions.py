"""Log-in sessions, kept on the server: the cookie carries only a random token, the store its SHA-256.

Table `sessions` in the data directory's SQLite store (data/store/sqlite.py): one row per
open session (user, created, last seen, address, user agent). Log-out deletes the row; a
change of the user's role, password or enabled state deletes all of theirs (users.py calls
`end_user_sessions` in the same transaction), and an admin can end them (`/admin`, `python
app.py users sessions NAME --end`). A cookie whose row is gone opens nothing, however often
it is replayed. The token itself is never stored: someone who can read the file cannot
take over a session. No Dash imports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from data.store.sqlite import Database, register_migrations

USER_AGENT_MAX = 300
MIGRATIONS = {
    # Server-side sessions (issue 18); the same version adds the access log's hash chain (data/store/audit.py).
    3: """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            user TEXT NOT NULL COLLATE NOCASE,
            created_at TEXT NOT NULL,
            last_seen REAL NOT NULL,
            address TEXT NOT NULL DEFAULT '',
            user_agent TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX sessions_by_user ON sessions(user);
    """,
}
register_migrations(__name__, MIGRATIONS)


@dataclass(frozen=True)
class Session:
    """An open session: `id` is the SHA-256 of its token (`short` of it is what admins see)."""

    id: str
    user: str
    created_at: str
    last_seen: float
    address: str = ""
    user_agent: str = ""
    role: str | None = None  # the user's role and state when read with `find`
    enabled: bool = True

    @property
    def short(self) -> str:
        """Returns the first 12 characters of the id: enough to tell sessions apart, useless to log in."""
        return self.id[:12]

    @property
    def last_seen_at(self) -> str:
        """Returns the last-seen time as ISO 8601 UTC, to the second."""
        return dt.datetime.fromtimestamp(self.last_seen, dt.UTC).isoformat(timespec="seconds")


def session_id(token: str) -> str:
    """Returns the id under which the session of a cookie's token is stored (its SHA-256)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def end_user_sessions(con: sqlite3.Connection, name: str) -> int:
    """Deletes every session of the user `name` in the caller's write transaction; returns how many."""
    return con.execute("DELETE FROM sessions WHERE user = ?", ((name or "").strip(),)).rowcount


class SessionStore:
    """The sessions table of the store database at `path` (created and migrated on first use)."""

    def __init__(self, path: Path, *, timeout_s: float = 30.0):
        self._db = Database(path, timeout_s=timeout_s)
        self.path = self._db.path

    def open(self, user: str, *, address: str = "", user_agent: str = "", now: float | None = None) -> str:
        """Opens a session for `user`; returns its token (for the cookie; the store keeps only its hash)."""
        now = time.time() if now is None else now
        token = secrets.token_urlsafe(32)
        created = dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds")
        with self._db.write() as con:
            con.execute(
                "INSERT INTO sessions (id, user, created_at, last_seen, address, user_agent) VALUES (?, ?, ?, ?, ?, ?)",
                (session_id(token), user, created, now, address or "", (user_agent or "")[:USER_AGENT_MAX]),
            )
        return token

    def find(self, token: str | None) -> Session | None:
        """Returns the open session of a cookie's token, with its user's role and state; None when there is none."""
        if not token or not isinstance(token, str) or len(token) > 200:
            return None
        rows = self._db.rows(
            "SELECT s.id, s.user, s.created_at, s.last_seen, s.address, s.user_agent, u.role, u.enabled "
            "FROM sessions s JOIN users u ON u.name = s.user WHERE s.id = ?",
            (session_id(token),),
        )
        return _session(rows[0]) if rows else None

    def touch(self, sid: str, *, now: float | None = None) -> None:
        """Sets a session's last-seen time to now."""
        with self._db.write() as con:
            con.execute("UPDATE sessions SET last_seen = ? WHERE id = ?", (time.time() if now is None else now, sid))

    def end(self, sid: str) -> bool:
        """Ends the session with id `sid` (or whose id starts with it, when that is one session); True if one ended."""
        if not sid:
            return False
        with self._db.write() as con:
            rows = con.execute(
                "SELECT id FROM sessions WHERE substr(id, 1, ?) = ? LIMIT 2", (len(sid), sid.lower())
            ).fetchall()
            if len(rows) != 1:
                return False
            return con.execute("DELETE FROM sessions WHERE id = ?", (rows[0][0],)).rowcount == 1

    def end_token(self, token: str | None) -> bool:
        """Ends the session of a cookie's token (log-out); True if there was one."""
        return bool(token) and isinstance(token, str) and self.end(session_id(token))

    def end_user(self, name: str) -> int:
        """Ends every session of the user `name`; returns how many."""
        with self._db.write() as con:
            return end_user_sessions(con, name)

    def end_idle(self, idle_s: float, *, now: float | None = None) -> int:
        """Deletes the sessions unused for longer than `idle_s` seconds; returns how many."""
        now = time.time() if now is None else now
        with self._db.write() as con:
            return con.execute("DELETE FROM sessions WHERE last_seen < ?", (now - idle_s,)).rowcount

    def list(self, user: str | None = None, *, idle_s: float | None = None, now: float | None = None) -> list[Session]:
        """Returns the open sessions (of one user, or all), newest first; with `idle_s`, those still within it."""
        where, params = [], []
        if user is not None:
            where.append("s.user = ?")
            params.append(user.strip())
        if idle_s is not None:
            where.append("s.last_seen >= ?")
            params.append((time.time() if now is None else now) - idle_s)
        sql = (
            "SELECT s.id, s.user, s.created_at, s.last_seen, s.address, s.user_agent, u.role, u.enabled "
            "FROM sessions s LEFT JOIN users u ON u.name = s.user"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [_session(r) for r in self._db.rows(sql + " ORDER BY s.last_seen DESC", tuple(params))]


def _session(row) -> Session:
    return Session(
        id=row["id"],
        user=row["user"],
        created_at=row["created_at"],
        last_seen=float(row["last_seen"]),
        address=row["address"],
        user_agent=row["user_agent"],
        role=row["role"],
        enabled=bool(row["enabled"]) if row["enabled"] is not None else False,
    )
