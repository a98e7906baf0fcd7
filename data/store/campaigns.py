"""The campaign store: user-made groups of dispatches, in the data directory's SQLite store (data/store/sqlite.py).

A campaign has a name (1-120 characters, trimmed), a description, an optional rule
(a saved dispatch filter: dispatches that match it later join by themselves) and
member dispatches; a dispatch belongs to at most one campaign, which the database
enforces (`members.dispatch_id` is the primary key). Every change is one
transaction (`BEGIN IMMEDIATE`, so concurrent writers queue instead of failing) and
writes an audit row with what was there before and after, which is also what
`undo` restores. Several processes may write at once.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from data.store.sqlite import Database, StoreError, register_migrations

NAME_MAX = 120
MIGRATIONS = {
    1: """
        CREATE TABLE campaigns (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
            description TEXT NOT NULL DEFAULT '',
            rule TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE members (
            dispatch_id TEXT PRIMARY KEY,
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
            via_rule INTEGER NOT NULL DEFAULT 0,
            added_at TEXT NOT NULL
        );
        CREATE INDEX members_by_campaign ON members(campaign_id);
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            who TEXT NOT NULL,
            action TEXT NOT NULL,
            summary TEXT NOT NULL,
            before TEXT NOT NULL,
            after TEXT NOT NULL,
            undone_by INTEGER
        );
    """,
}
register_migrations(__name__, MIGRATIONS)


class CampaignError(StoreError):
    """A change that cannot be made; `key` names the i18n message, `values` fill it."""


@dataclass(frozen=True)
class Rule:
    """A saved dispatch filter: text contained in name or description (diacritics and case
    ignored), and an optional range of send dates (inclusive)."""

    text: str = ""
    start: dt.date | None = None
    end: dt.date | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "text": self.text,
                "start": self.start and self.start.isoformat(),
                "end": self.end and self.end.isoformat(),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str | None) -> Rule | None:
        if not raw:
            return None
        data = json.loads(raw)
        return cls(
            data.get("text") or "",
            dt.date.fromisoformat(data["start"]) if data.get("start") else None,
            dt.date.fromisoformat(data["end"]) if data.get("end") else None,
        )

    def matches(self, dispatches: pd.DataFrame) -> pd.Series:
        """Returns a boolean mask of the dispatches (name, description, sent_on) that match."""
        needle = fold(self.text)
        hay = (dispatches["name"].fillna("") + "\n" + dispatches["description"].fillna("")).map(fold)
        mask = hay.str.contains(needle, regex=False) if needle else pd.Series(True, index=dispatches.index)
        if self.start is not None:
            mask &= dispatches["sent_on"] >= self.start
        if self.end is not None:
            mask &= dispatches["sent_on"] <= self.end
        return mask


def fold(text: str) -> str:
    """Returns `text` lower-cased without diacritics ("Żółw" -> "zolw"), for matching."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def clean_name(name: str) -> str:
    """Returns the trimmed name; CampaignError when it is empty or too long."""
    name = re.sub(r"\s+", " ", name or "").strip()
    if not name:
        raise CampaignError("campaign.error.name_empty")
    if len(name) > NAME_MAX:
        raise CampaignError("campaign.error.name_long", n=NAME_MAX)
    return name


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


class CampaignStore:
    """The campaign database at `path` (created and migrated on first use)."""

    def __init__(self, path: Path, *, timeout_s: float = 30.0):
        self._db = Database(path, timeout_s=timeout_s, error=CampaignError)
        self._reader: tuple[tuple, sqlite3.Connection] | None = None  # ((pid, file), connection) of `frames`
        self._frames: tuple[int, tuple[pd.DataFrame, pd.DataFrame]] | None = None
        self._frames_lock = threading.Lock()

    @property
    def path(self) -> Path:
        """Returns the database file's path."""
        return self._db.path

    @property
    def timeout_s(self) -> float:
        """Returns how long a change waits for another writer."""
        return self._db.timeout_s

    @property
    def retries(self) -> int:
        """Returns how often a write found the database busy and tried again."""
        return self._db.retries

    # -------------------------------------------------------------- plumbing
    def schema_version(self) -> int:
        """Returns the database's schema version."""
        return self._db.schema_version()

    def data_version(self) -> tuple[int, int]:
        """Returns a value that changes whenever any process commits a change (for caches)."""
        con = self._db.connect()
        try:
            row = con.execute("SELECT (SELECT max(id) FROM audit), (SELECT count(*) FROM members)").fetchone()
            return (row[0] or 0, row[1])
        finally:
            con.close()

    # ------------------------------------------------------------- snapshots
    @staticmethod
    def _state(con: sqlite3.Connection, campaign_ids: Iterable[int], dispatch_ids: Iterable[str]) -> dict:
        """The rows a change can touch: those campaigns, the campaigns those dispatches are in, and all
        their memberships (enough to put everything back as it was)."""
        cids = set(int(c) for c in campaign_ids)
        dids = sorted(set(dispatch_ids))
        if dids:
            cids |= {
                r[0]
                for r in con.execute(
                    f"SELECT campaign_id FROM members WHERE dispatch_id IN ({','.join('?' * len(dids))})", dids
                )
            }
        cids_list = sorted(cids)
        marks = ",".join("?" * len(cids_list))
        campaigns = (
            [dict(r) for r in con.execute(f"SELECT * FROM campaigns WHERE id IN ({marks})", cids_list)]
            if cids_list
            else []
        )
        members = (
            [dict(r) for r in con.execute(f"SELECT * FROM members WHERE campaign_id IN ({marks})", cids_list)]
            if cids_list
            else []
        )
        if dids:
            members += [
                dict(r)
                for r in con.execute(f"SELECT * FROM members WHERE dispatch_id IN ({','.join('?' * len(dids))})", dids)
            ]
        unique = {m["dispatch_id"]: m for m in members}
        return {
            "campaigns": campaigns,
            "members": sorted(unique.values(), key=lambda m: m["dispatch_id"]),
            "campaign_ids": cids_list,
            "dispatch_ids": dids,
        }

    def _audit(self, con, who: str, action: str, summary: dict, before: dict, cids, dids) -> int:
        # "after" covers at least every campaign "before" did, so the pair describes the change whole.
        after = self._state(con, set(cids) | set(before["campaign_ids"]), dids)
        cur = con.execute(
            "INSERT INTO audit (at, who, action, summary, before, after) VALUES (?, ?, ?, ?, ?, ?)",
            (
                _now(),
                who,
                action,
                json.dumps(summary, ensure_ascii=False),
                json.dumps(before, ensure_ascii=False),
                json.dumps(after, ensure_ascii=False),
            ),
        )
        return int(cur.lastrowid)

    def _unique_name(self, con, base: str) -> str:
        taken = {r[0] for r in con.execute("SELECT name FROM campaigns")}
        if base not in taken:
            return base
        n = 2
        while f"{base} {n}" in taken:
            n += 1
        return f"{base} {n}"

    @staticmethod
    def _existing(con, campaign_ids: Iterable[int]) -> list[int]:
        ids = sorted(set(int(c) for c in campaign_ids))
        found = (
            {r[0] for r in con.execute(f"SELECT id FROM campaigns WHERE id IN ({','.join('?' * len(ids))})", ids)}
            if ids
            else set()
        )
        missing = [c for c in ids if c not in found]
        if missing:
            raise CampaignError("campaign.error.unknown_campaign", ids=", ".join(map(str, missing)))
        return ids

    # ---------------------------------------------------------------- reads
    def campaigns(self) -> pd.DataFrame:
        """Returns every campaign: id, name, description, rule (JSON or None), created_at, updated_at, members."""
        con = self._db.connect()
        try:
            return self._campaigns(con)
        finally:
            con.close()

    @staticmethod
    def _campaigns(con: sqlite3.Connection) -> pd.DataFrame:
        rows = con.execute(
            "SELECT c.*, count(m.dispatch_id) AS members FROM campaigns c LEFT JOIN members m ON m.campaign_id = c.id "
            "GROUP BY c.id ORDER BY c.id"
        ).fetchall()
        cols = ["id", "name", "description", "rule", "created_at", "updated_at", "members"]
        return pd.DataFrame([dict(r) for r in rows], columns=cols)

    def members(self) -> pd.DataFrame:
        """Returns dispatch_id, campaign_id, via_rule of every membership."""
        con = self._db.connect()
        try:
            return self._members(con)
        finally:
            con.close()

    @staticmethod
    def _members(con: sqlite3.Connection) -> pd.DataFrame:
        rows = con.execute("SELECT dispatch_id, campaign_id, via_rule FROM members ORDER BY dispatch_id").fetchall()
        return pd.DataFrame([dict(r) for r in rows], columns=["dispatch_id", "campaign_id", "via_rule"])

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Returns (campaigns(), members()) as one consistent read, shared: read again only when a change was
        committed since (by any process), so the callers must not modify them. Pages ask for them on every
        answer; SQLite's data_version, asked on a connection kept for it, tells of every change but its own
        (it never writes)."""
        with self._frames_lock:
            # A forked child opens its own connection, and so does a process whose store file was replaced
            # (restored from a backup) or removed since: the kept one would go on reading the old file.
            if self._reader is None or self._reader[0] != (os.getpid(), self._file_identity()):
                if self._reader is not None:
                    self._reader[1].close()
                con = self._db.connect()
                con.close()  # the file is created and in WAL mode by now
                reader = sqlite3.connect(
                    self._db.path, timeout=self._db.timeout_s, isolation_level=None, check_same_thread=False
                )
                reader.row_factory = sqlite3.Row
                self._reader, self._frames = ((os.getpid(), self._file_identity()), reader), None
            con = self._reader[1]
            version = con.execute("PRAGMA data_version").fetchone()[0]
            if self._frames is None or self._frames[0] != version:
                con.execute("BEGIN")  # one read transaction: the campaigns and their members of the same moment
                try:
                    self._frames = (version, (self._campaigns(con), self._members(con)))
                finally:
                    con.execute("COMMIT")
            return self._frames[1]

    def _file_identity(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self._db.path)
        except FileNotFoundError:
            return None
        return found.st_dev, found.st_ino

    def audit(self, limit: int = 200) -> pd.DataFrame:
        """Returns the newest audit rows: id, at, who, action, summary (JSON), undone_by."""
        con = self._db.connect()
        try:
            rows = con.execute(
                "SELECT id, at, who, action, summary, undone_by FROM audit ORDER BY id DESC LIMIT ?", (int(limit),)
            ).fetchall()
        finally:
            con.close()
        return pd.DataFrame([dict(r) for r in rows], columns=["id", "at", "who", "action", "summary", "undone_by"])

    def conflicts(self, dispatch_ids: Iterable[str], *, into: int | None = None) -> pd.DataFrame:
        """Returns the dispatches (dispatch_id, campaign_id, name) that are in a campaign other than `into`."""
        ids = sorted(set(dispatch_ids))
        if not ids:
            return pd.DataFrame(columns=["dispatch_id", "campaign_id", "name"])
        con = self._db.connect()
        try:
            rows = con.execute(
                f"SELECT m.dispatch_id, m.campaign_id, c.name FROM members m JOIN campaigns c ON c.id = m.campaign_id "
                f"WHERE m.dispatch_id IN ({','.join('?' * len(ids))})",
                ids,
            ).fetchall()
        finally:
            con.close()
        frame = pd.DataFrame([dict(r) for r in rows], columns=["dispatch_id", "campaign_id", "name"])
        return frame if into is None else frame[frame["campaign_id"] != into].reset_index(drop=True)

    # --------------------------------------------------------------- writes
    def group(
        self,
        dispatch_ids: Iterable[str],
        *,
        name: str,
        who: str,
        description: str = "",
        rule: Rule | None = None,
        move: bool = False,
    ) -> int:
        """Makes a new campaign of the dispatches and returns its id.

        `name` is made unique by numbering ("Nowa kampania 2"). Dispatches already in
        another campaign are moved only with `move`; otherwise CampaignError names them.
        """
        ids = sorted(set(dispatch_ids))
        if not ids:
            raise CampaignError("campaign.error.nothing_selected")
        base = clean_name(name)
        with self._db.write() as con:
            self._check_moves(con, ids, None, move)
            before = self._state(con, [], ids)
            unique = self._unique_name(con, base)
            now = _now()
            cur = con.execute(
                "INSERT INTO campaigns (name, description, rule, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                (unique, description.strip(), rule.to_json() if rule else None, now, now),
            )
            cid = int(cur.lastrowid)
            self._put_members(con, cid, ids, now)
            self._drop_empty(con)
            self._audit(
                con, who, "group", {"campaign": cid, "name": unique, "dispatches": len(ids)}, before, [cid], ids
            )
        return cid

    def add(self, campaign_id: int, dispatch_ids: Iterable[str], *, who: str, move: bool = False) -> None:
        """Adds dispatches to an existing campaign (moving them from another one only with `move`)."""
        ids = sorted(set(dispatch_ids))
        if not ids:
            raise CampaignError("campaign.error.nothing_selected")
        with self._db.write() as con:
            self._existing(con, [campaign_id])
            self._check_moves(con, ids, int(campaign_id), move)
            before = self._state(con, [campaign_id], ids)
            now = _now()
            self._put_members(con, int(campaign_id), ids, now)
            con.execute("UPDATE campaigns SET updated_at = ? WHERE id = ?", (now, int(campaign_id)))
            self._drop_empty(con)
            self._audit(
                con, who, "add", {"campaign": int(campaign_id), "dispatches": len(ids)}, before, [campaign_id], ids
            )

    def remove(self, dispatch_ids: Iterable[str], *, who: str) -> None:
        """Takes dispatches out of their campaigns (a campaign left empty disappears)."""
        ids = sorted(set(dispatch_ids))
        with self._db.write() as con:
            found = (
                [
                    r[0]
                    for r in con.execute(
                        f"SELECT dispatch_id FROM members WHERE dispatch_id IN ({','.join('?' * len(ids))})", ids
                    )
                ]
                if ids
                else []
            )
            missing = sorted(set(ids) - set(found))
            if missing or not ids:
                raise CampaignError("campaign.error.not_member", n=len(missing), ids=", ".join(missing))
            cids = [
                r[0]
                for r in con.execute(
                    f"SELECT DISTINCT campaign_id FROM members WHERE dispatch_id IN ({','.join('?' * len(ids))})", ids
                )
            ]
            before = self._state(con, cids, ids)
            con.execute(f"DELETE FROM members WHERE dispatch_id IN ({','.join('?' * len(ids))})", ids)
            con.executemany("UPDATE campaigns SET updated_at = ? WHERE id = ?", [(_now(), c) for c in cids])
            self._drop_empty(con)
            self._audit(con, who, "remove", {"dispatches": len(ids)}, before, cids, ids)

    def ungroup(self, campaign_ids: Iterable[int], *, who: str) -> int:
        """Dissolves campaigns; their dispatches stand alone again. Returns how many dispatches were freed."""
        with self._db.write() as con:
            ids = self._existing(con, campaign_ids)
            before = self._state(con, ids, [])
            freed = len(before["members"])
            con.execute(f"DELETE FROM members WHERE campaign_id IN ({','.join('?' * len(ids))})", ids)
            con.execute(f"DELETE FROM campaigns WHERE id IN ({','.join('?' * len(ids))})", ids)
            self._audit(
                con,
                who,
                "ungroup",
                {"campaigns": ids, "dispatches": freed},
                before,
                ids,
                [m["dispatch_id"] for m in before["members"]],
            )
        return freed

    def rename(self, campaign_id: int, *, name: str, who: str, description: str | None = None) -> None:
        """Renames a campaign and, when given, replaces its description."""
        clean = clean_name(name)
        with self._db.write() as con:
            self._existing(con, [campaign_id])
            before = self._state(con, [campaign_id], [])
            if description is None:
                con.execute(
                    "UPDATE campaigns SET name = ?, updated_at = ? WHERE id = ?", (clean, _now(), int(campaign_id))
                )
            else:
                con.execute(
                    "UPDATE campaigns SET name = ?, description = ?, updated_at = ? WHERE id = ?",
                    (clean, description.strip(), _now(), int(campaign_id)),
                )
            self._audit(con, who, "rename", {"campaign": int(campaign_id), "name": clean}, before, [campaign_id], [])

    def set_rule(self, campaign_id: int, rule: Rule | None, *, who: str) -> None:
        """Saves (or clears) a campaign's rule."""
        with self._db.write() as con:
            self._existing(con, [campaign_id])
            before = self._state(con, [campaign_id], [])
            con.execute(
                "UPDATE campaigns SET rule = ?, updated_at = ? WHERE id = ?",
                (rule.to_json() if rule else None, _now(), int(campaign_id)),
            )
            self._audit(con, who, "rule", {"campaign": int(campaign_id)}, before, [campaign_id], [])

    def apply_rules(self, dispatches: pd.DataFrame, *, who: str = "rule") -> int:
        """Puts every dispatch that is in no campaign and matches a campaign's rule into that campaign
        (the oldest campaign wins). `dispatches` has dispatch_id, name, description, sent_on. Returns how many joined."""
        if dispatches.empty or self.campaigns()["rule"].isna().all():  # no write lock when no rule can match
            return 0
        with self._db.write() as con:
            rules = [
                (r["id"], Rule.from_json(r["rule"]))
                for r in con.execute("SELECT id, rule FROM campaigns WHERE rule IS NOT NULL ORDER BY id")
            ]
            if not rules or dispatches.empty:
                return 0
            taken = {r[0] for r in con.execute("SELECT dispatch_id FROM members")}
            free = dispatches[~dispatches["dispatch_id"].isin(taken)]
            joined: dict[int, list[str]] = {}
            for cid, rule in rules:
                match = free[rule.matches(free)]
                if len(match):
                    joined[cid] = list(match["dispatch_id"])
                    free = free.drop(match.index)
            if not joined:
                return 0
            all_ids = [d for ids in joined.values() for d in ids]
            before = self._state(con, joined.keys(), all_ids)
            now = _now()
            for cid, ids in joined.items():
                self._put_members(con, cid, ids, now, via_rule=True)
            self._audit(con, who, "rule-join", {"dispatches": len(all_ids)}, before, joined.keys(), all_ids)
            return len(all_ids)

    def undo(self, *, who: str) -> dict | None:
        """Reverts the newest change not yet undone and returns its summary (None when there is nothing to undo).

        Only the rows that change touched are restored; a later change to the same
        rows would be overwritten, so only the newest change can be undone.
        """
        with self._db.write() as con:
            row = con.execute(
                "SELECT * FROM audit WHERE undone_by IS NULL AND action <> 'undo' ORDER BY id DESC LIMIT 1"
            ).fetchone()
            newest = con.execute("SELECT max(id) FROM audit").fetchone()[0]
            if row is None or (
                newest != row["id"]
                and con.execute("SELECT action FROM audit WHERE id = ?", (newest,)).fetchone()[0] != "undo"
            ):
                return None
            before, after = json.loads(row["before"]), json.loads(row["after"])
            cids = set(before["campaign_ids"]) | set(after["campaign_ids"]) | {c["id"] for c in before["campaigns"]}
            dids = (
                set(before["dispatch_ids"]) | set(after["dispatch_ids"]) | {m["dispatch_id"] for m in before["members"]}
            )
            current = self._state(con, cids, dids)
            if cids:
                marks = ",".join("?" * len(cids))
                con.execute(f"DELETE FROM members WHERE campaign_id IN ({marks})", sorted(cids))
            if dids:
                con.execute(f"DELETE FROM members WHERE dispatch_id IN ({','.join('?' * len(dids))})", sorted(dids))
            if cids:
                con.execute(f"DELETE FROM campaigns WHERE id IN ({','.join('?' * len(cids))})", sorted(cids))
            for c in before["campaigns"]:
                con.execute(
                    "INSERT INTO campaigns (id, name, description, rule, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (c["id"], c["name"], c["description"], c["rule"], c["created_at"], c["updated_at"]),
                )
            for m in before["members"]:
                con.execute(
                    "INSERT INTO members (dispatch_id, campaign_id, via_rule, added_at) VALUES (?, ?, ?, ?)",
                    (m["dispatch_id"], m["campaign_id"], m["via_rule"], m["added_at"]),
                )
            summary = json.loads(row["summary"])
            undo_id = con.execute(
                "INSERT INTO audit (at, who, action, summary, before, after) VALUES (?, ?, 'undo', ?, ?, ?)",
                (
                    _now(),
                    who,
                    json.dumps({"undid": row["id"], "action": row["action"], **summary}, ensure_ascii=False),
                    json.dumps(current, ensure_ascii=False),
                    row["before"],
                ),
            ).lastrowid
            con.execute("UPDATE audit SET undone_by = ? WHERE id = ?", (undo_id, row["id"]))
            return {"action": row["action"], **summary}

    # -------------------------------------------------------------- helpers
    def _check_moves(self, con, ids: list[str], into: int | None, move: bool) -> None:
        rows = con.execute(
            f"SELECT m.dispatch_id, c.name FROM members m JOIN campaigns c ON c.id = m.campaign_id "
            f"WHERE m.dispatch_id IN ({','.join('?' * len(ids))})"
            + (" AND m.campaign_id <> ?" if into is not None else ""),
            [*ids, *([into] if into is not None else [])],
        ).fetchall()
        if rows and not move:
            raise CampaignError(
                "campaign.error.would_move", n=len(rows), dispatches=", ".join(f"{r[0]} ({r[1]})" for r in rows)
            )

    @staticmethod
    def _put_members(con, cid: int, ids: list[str], now: str, via_rule: bool = False) -> None:
        con.executemany(
            "INSERT INTO members (dispatch_id, campaign_id, via_rule, added_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (dispatch_id) DO UPDATE SET campaign_id = excluded.campaign_id, via_rule = excluded.via_rule, "
            "added_at = excluded.added_at",
            [(d, cid, int(via_rule), now) for d in ids],
        )

    @staticmethod
    def _drop_empty(con) -> None:
        # A campaign whose last dispatch moved away or was removed disappears.
        con.execute("DELETE FROM campaigns WHERE id NOT IN (SELECT DISTINCT campaign_id FROM members)")
