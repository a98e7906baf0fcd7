"""Saved views: a report page's view (its address's query string) under a name a user gave it.

Table `views` in the data directory's SQLite store (data/store/sqlite.py): one row per saved view
(owner, name, page, query, shared, created). A user sees their own views and the shared ones; only
an admin shares (the page checks the role; the store keeps what it is told). A name is unique per
owner and page: saving under a name again replaces that view. No Dash imports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from data.store.sqlite import Database, StoreError, register_migrations

MAX_NAME = 80
MAX_QUERY = 4000  # callbacks/view_query.py MAX_SEARCH
MAX_PER_OWNER = 200
PAGES = ("sms", "transactional")
MIGRATIONS = {
    7: """
        CREATE TABLE IF NOT EXISTS views (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            owner TEXT NOT NULL COLLATE NOCASE,
            name TEXT NOT NULL,
            page TEXT NOT NULL,
            query TEXT NOT NULL DEFAULT '',
            shared INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            UNIQUE (owner, page, name)
        );
        CREATE INDEX IF NOT EXISTS views_by_page ON views(page, shared);
    """,
}
register_migrations(__name__, MIGRATIONS)


class ViewError(StoreError):
    """A view the store cannot save as asked; `key` names the i18n message."""


@dataclass(frozen=True)
class SavedView:
    """A saved view: `query` is the page address's canonical query string ("?period=3m..." or "")."""

    id: int
    owner: str
    name: str
    page: str
    query: str
    shared: bool
    created_at: str


def check_view_name(name: str | None) -> str:
    """Returns a view's name stripped; ViewError when it is empty, too long or holds control characters."""
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        raise ViewError("views.error.name_missing")
    if len(name) > MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ViewError("views.error.name_bad", most=MAX_NAME)
    return name


class ViewStore:
    """The saved views of the store database at `path` (created and migrated on first use)."""

    def __init__(self, path: Path, *, timeout_s: float = 30.0):
        self._db = Database(path, timeout_s=timeout_s, error=ViewError)
        self.path = self._db.path

    def save(self, owner: str, name: str, page: str, query: str, *, shared: bool = False) -> SavedView:
        """Saves `query` of `page` as `owner`'s view `name` (replacing theirs of that name); returns it."""
        name = check_view_name(name)
        if page not in PAGES or not isinstance(query, str) or len(query) > MAX_QUERY:
            raise ViewError("views.error.bad_view")
        created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._db.write() as con:
            count = con.execute("SELECT count(*) FROM views WHERE owner = ?", (owner,)).fetchone()[0]
            exists = con.execute(
                "SELECT 1 FROM views WHERE owner = ? AND page = ? AND name = ?", (owner, page, name)
            ).fetchone()
            if count >= MAX_PER_OWNER and not exists:
                raise ViewError("views.error.too_many", most=MAX_PER_OWNER)
            con.execute(
                "INSERT INTO views (owner, name, page, query, shared, created_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (owner, page, name) DO UPDATE SET query = excluded.query, shared = excluded.shared, "
                "created_at = excluded.created_at",
                (owner, name, page, query, int(bool(shared)), created),
            )
            row = con.execute(
                "SELECT * FROM views WHERE owner = ? AND page = ? AND name = ?", (owner, page, name)
            ).fetchone()
        return _view(row)

    def visible(self, owner: str, page: str | None = None) -> list[SavedView]:
        """Returns the views `owner` sees (their own and the shared ones; of one page, or all), by name."""
        sql = "SELECT * FROM views WHERE (owner = ? OR shared = 1)"
        params: tuple = (owner,)
        if page is not None:
            sql += " AND page = ?"
            params += (page,)
        return [_view(r) for r in self._db.rows(sql + " ORDER BY name COLLATE NOCASE, id", params)]

    def list(self, owner: str | None = None) -> list[SavedView]:
        """Returns every saved view (or those `owner` sees), by owner, page and name."""
        if owner is not None:
            return self.visible(owner)
        return [_view(r) for r in self._db.rows("SELECT * FROM views ORDER BY owner, page, name COLLATE NOCASE")]

    def remove(self, view_id: int, owner: str | None = None) -> bool:
        """Deletes view `view_id` (only if `owner`'s, when given); True if one was deleted."""
        sql, params = "DELETE FROM views WHERE id = ?", (int(view_id),)
        if owner is not None:
            sql, params = sql + " AND owner = ?", params + (owner,)
        with self._db.write() as con:
            return con.execute(sql, params).rowcount == 1


def _view(row) -> SavedView:
    return SavedView(
        id=int(row["id"]),
        owner=row["owner"],
        name=row["name"],
        page=row["page"],
        query=row["query"],
        shared=bool(row["shared"]),
        created_at=row["created_at"],
    )
