"""Users, roles and the log-in rate limit, in the data directory's SQLite store (data/store/sqlite.py).

Tables: `users` (name, role, argon2 hash, enabled, epoch: bumped by every change that
must end the user's sessions, which the same transaction deletes from data/store/sessions.py)
and `login_failures` (the rate limit's memory, shared by every server process: each log-in
attempt is recorded before its password is checked). The access audit lives in
data/store/audit.py; UserStore hands its record/audit/audit_rows on to it. No Dash imports.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from choices import ROLES  # re-exported for the access layer
from data.store.audit import AccessAudit, AuditEvent
from data.store.sessions import SessionStore, end_user_sessions
from data.store.sqlite import Database, StoreError, register_migrations

NAME_RE = re.compile(r"^[\w.@+-]{1,64}$")
PASSWORD_MIN = 8
LOGIN_LIMIT = 5  # attempts checked per window, per address and per user name (begin_login)
LOGIN_WINDOW_S = 60.0
SLOW_BASE_S = 0.5  # beyond the limit of a name, an address without failures waits this, doubled per failure...
SLOW_MAX_S = 8.0  # ...up to this; a turn further away is refused
PENDING_WAIT_S = 1.0  # how long an address waits when attempts of its own still being checked fill its limit
HASHER = PasswordHasher()  # argon2id with the library's defaults; tests may swap in a cheaper one
MIGRATIONS = {
    # Access control (issue 6), with the access audit of data/store/audit.py.
    2: """
        CREATE TABLE users (
            name TEXT PRIMARY KEY COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 64),
            role TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
            password TEXT NOT NULL,
            enabled INTEGER NOT NULL DEFAULT 1,
            epoch INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            last_login_at TEXT
        );
        CREATE TABLE login_failures (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at REAL NOT NULL,
            name TEXT NOT NULL,
            address TEXT NOT NULL
        );
        CREATE INDEX login_failures_by_at ON login_failures(at);
    """,
}
MIGRATIONS[3] = """
    -- An attempt is recorded before its password is checked (issue 18): pending until its outcome is known.
    ALTER TABLE login_failures ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
"""
register_migrations(__name__, MIGRATIONS)


@dataclass(frozen=True)
class LoginTurn:
    """What `begin_login` decided: `attempt` is the recorded attempt (None: refused, try again in `wait_s`
    seconds); an admitted attempt is checked after waiting `wait_s` (its turn, when the name is being guessed)."""

    attempt: int | None
    wait_s: float = 0.0

    @property
    def refused(self) -> bool:
        return self.attempt is None


class UserError(StoreError):
    """A user change that cannot be made; `key` names the i18n message, `values` fill it."""


@dataclass(frozen=True)
class User:
    """A user as stored (without the password hash)."""

    name: str
    role: str
    enabled: bool = True
    epoch: int = 0
    created_at: str = ""
    last_login_at: str | None = None


def rank(role: str | None) -> int:
    """Returns the role's place in ROLES (-1 for no or an unknown role)."""
    return ROLES.index(role) if role in ROLES else -1


def allows(role: str | None, needed: str) -> bool:
    """Tells whether `role` may do what `needed` may."""
    return rank(role) >= rank(needed) >= 0


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def check_name(name: str) -> str:
    """Returns the trimmed user name; UserError when it is empty, too long or has odd characters."""
    name = (name or "").strip()
    if not NAME_RE.match(name):
        raise UserError("users.error.name", name=name)
    return name


def check_role(role: str) -> str:
    """Returns `role` when it is one of ROLES; UserError otherwise."""
    if role not in ROLES:
        raise UserError("users.error.role", role=role, roles=", ".join(ROLES))
    return role


def check_password(password: str) -> str:
    """Returns the password when it is long enough; UserError otherwise."""
    if len(password or "") < PASSWORD_MIN:
        raise UserError("users.error.password", n=PASSWORD_MIN)
    return password


class UserStore:
    """Users and log-in failures in the store database at `path` (created and migrated on first use),
    and its access audit (`access`, an AccessAudit)."""

    def __init__(self, path: Path, *, hasher: PasswordHasher | None = None, timeout_s: float = 30.0):
        self._db = Database(path, timeout_s=timeout_s)
        self.path = self._db.path
        self.access = AccessAudit(self.path, timeout_s=timeout_s)
        self.sessions = SessionStore(self.path, timeout_s=timeout_s)
        self.hasher = hasher or HASHER
        self._dummy = None

    def _read(self, sql: str, params: tuple = ()) -> list:
        return self._db.rows(sql, params)

    # ---------------------------------------------------------------- users
    def count(self) -> int:
        """Returns how many users exist (enabled or not); none means local mode."""
        return int(self._read("SELECT count(*) FROM users")[0][0])

    def get(self, name: str) -> User | None:
        """Returns the user called `name` (any case), or None."""
        rows = self._read(
            "SELECT name, role, enabled, epoch, created_at, last_login_at FROM users WHERE name = ?",
            ((name or "").strip(),),
        )
        return _user(rows[0]) if rows else None

    def list(self) -> list[User]:
        """Returns every user, by name."""
        return [
            _user(r)
            for r in self._read("SELECT name, role, enabled, epoch, created_at, last_login_at FROM users ORDER BY name")
        ]

    def add(self, name: str, *, role: str, password: str) -> User:
        """Adds an enabled user; UserError when the name is taken or a value is unusable."""
        name, role, password = check_name(name), check_role(role), check_password(password)
        digest = self.hasher.hash(password)
        now = _now()
        with self._db.write() as con:
            if con.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise UserError("users.error.exists", name=name)
            con.execute(
                "INSERT INTO users (name, role, password, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                (name, role, digest, now, now),
            )
        return self.get(name)

    def _change(self, name: str, sql: str, params: tuple) -> User:
        with self._db.write() as con:
            cur = con.execute(
                f"UPDATE users SET {sql}, epoch = epoch + 1, updated_at = ? WHERE name = ?",
                (*params, _now(), (name or "").strip()),
            )
            if cur.rowcount == 0:
                raise UserError("users.error.unknown", name=name)
            end_user_sessions(con, name)
        return self.get(name)

    def set_role(self, name: str, role: str) -> User:
        """Gives the user another role (their open sessions end)."""
        return self._change(name, "role = ?", (check_role(role),))

    def set_enabled(self, name: str, enabled: bool) -> User:
        """Disables (their sessions end, log-in refused) or enables a user."""
        return self._change(name, "enabled = ?", (1 if enabled else 0,))

    def reset_password(self, name: str, password: str) -> User:
        """Sets a new password (open sessions end)."""
        return self._change(name, "password = ?", (self.hasher.hash(check_password(password)),))

    def authenticate(self, name: str, password: str) -> User | None:
        """Returns the user when the name and password match an enabled user, else None (same work either way)."""
        rows = self._read("SELECT password, enabled FROM users WHERE name = ?", ((name or "").strip(),))
        if not rows:
            self._verify(self._dummy_hash(), password)
            return None
        digest, enabled = rows[0]
        if not self._verify(digest, password) or not enabled:
            return None
        user = self.get(name)
        with self._db.write() as con:
            params: tuple = (_now(), user.name)
            if self.hasher.check_needs_rehash(digest):
                con.execute("UPDATE users SET password = ? WHERE name = ?", (self.hasher.hash(password), user.name))
            con.execute("UPDATE users SET last_login_at = ? WHERE name = ?", params)
        return user

    def _verify(self, digest: str, password: str) -> bool:
        try:
            return self.hasher.verify(digest, password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self.hasher.hash("not a password of anyone")
        return self._dummy

    # ------------------------------------------------------------- rate limit
    def begin_login(self, name: str, address: str, *, now: float | None = None) -> LoginTurn:
        """Decides, before any password is checked, whether a log-in attempt may be checked, and records it.

        Counting and recording happen in one write transaction, so attempts arriving together
        see each other: at most LOGIN_LIMIT are checked per address and per user name within
        LOGIN_WINDOW_S. An attempt recorded counts as a failure until `end_login` says it
        succeeded. Beyond the limit, an address is refused (429) until its oldest failure of
        the window ages out (PENDING_WAIT_S when attempts still being checked make the count:
        their outcome is soon known). The limit of a user name refuses only addresses that have failed
        within the window themselves; an address with no failures waits its turn instead
        (SLOW_BASE_S doubled with each further failure for the name, at most SLOW_MAX_S, one
        attempt at a time), so nobody can lock a user out by failing on purpose."""
        now = time.time() if now is None else now
        since = now - LOGIN_WINDOW_S
        key, address = (name or "").strip().casefold(), address or ""
        with self._db.write() as con:
            by_address = con.execute(
                "SELECT at, pending FROM login_failures WHERE address = ? AND at > ? ORDER BY at DESC", (address, since)
            ).fetchall()
            if len(by_address) >= LOGIN_LIMIT:
                failed = [r[0] for r in by_address if not r[1]]
                if len(failed) >= LOGIN_LIMIT:
                    return LoginTurn(None, failed[LOGIN_LIMIT - 1] + LOGIN_WINDOW_S - now)
                return LoginTurn(None, PENDING_WAIT_S)  # attempts still being checked: soon known
            by_name = [
                r[0]
                for r in con.execute(
                    "SELECT at FROM login_failures WHERE name = ? AND at > ? ORDER BY at DESC", (key, since)
                )
            ]
            turn = now
            if len(by_name) >= LOGIN_LIMIT:
                if any(not r[1] for r in by_address):  # this address failed too
                    return LoginTurn(None, max(by_name[LOGIN_LIMIT - 1] + LOGIN_WINDOW_S - now, 1.0))
                delay = min(SLOW_BASE_S * 2 ** (len(by_name) - LOGIN_LIMIT), SLOW_MAX_S)
                turn = max(now, by_name[0]) + delay
                if turn - now > SLOW_MAX_S:
                    return LoginTurn(None, turn - now)
            cur = con.execute(
                "INSERT INTO login_failures (at, name, address, pending) VALUES (?, ?, ?, 1)", (turn, key, address)
            )
            con.execute("DELETE FROM login_failures WHERE at < ?", (now - 3600,))
            return LoginTurn(int(cur.lastrowid), turn - now)

    def end_login(self, turn: LoginTurn, *, ok: bool) -> None:
        """Completes an attempt `begin_login` admitted: a success no longer counts; a failure stays recorded."""
        if turn.attempt is None:
            return
        with self._db.write() as con:
            if ok:
                con.execute("DELETE FROM login_failures WHERE id = ?", (turn.attempt,))
            else:
                con.execute("UPDATE login_failures SET pending = 0 WHERE id = ?", (turn.attempt,))

    # ------------------------------------------------------------------ audit
    def record(self, event: AuditEvent) -> int:
        """Appends an access event to the audit (AccessAudit.record); returns its id."""
        return self.access.record(event)

    def audit(self, *, limit: int = 200, action: str | None = None, who: str | None = None) -> pd.DataFrame:
        """Returns the newest access events (AccessAudit.audit)."""
        return self.access.audit(limit=limit, action=action, who=who)

    def audit_rows(self, *, batch: int = 5000) -> Iterator[list]:
        """Yields every access event, oldest first (AccessAudit.audit_rows)."""
        return self.access.audit_rows(batch=batch)


def _user(row) -> User:
    return User(
        name=row["name"],
        role=row["role"],
        enabled=bool(row["enabled"]),
        epoch=int(row["epoch"]),
        created_at=row["created_at"],
        last_login_at=row["last_login_at"],
    )
