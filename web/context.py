"""What one server process holds: its settings, its lake connection, and what pages need of the web shell.

Callbacks receive this object and never import web/: the rights of the request (`account`, `can`), the
access record (`record`) and the export addresses (`urls`) reach them through it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from config import Config
from data.db import Db, LakeUnavailable
from data.lake import Lake
from data.period import Period, resolve_period, today_in
from data.queries import dispatches as dispatch_queries
from data.queries import status as status_queries
from data.store.campaigns import CampaignStore
from data.store.sqlite import store_path
from web import urls as urls_module


@dataclass
class AppContext:
    """Settings plus the process's DuckDB access; shared by callbacks, routes and the CLI."""

    config: Config
    db: Db

    @classmethod
    def create(cls, config: Config) -> AppContext:
        db = Db(
            Lake(config.lake_dir),
            tz=config.timezone,
            threads=config.duckdb_threads,
            memory_limit=config.duckdb_memory_limit,
            use_rollups=config.use_rollups,
        )
        return cls(config=config, db=db)

    @property
    def store(self) -> CampaignStore:
        """Returns the campaign store of the data directory (created on first use)."""
        if getattr(self, "_store", None) is None:
            self._store = CampaignStore(store_path(self.config.data_dir), timeout_s=self.config.store_timeout_s)
        return self._store

    def campaign_frames(self):
        """Returns (campaigns, members) of the store, after letting campaign rules take in the
        dispatches of a lake version this process has not seen yet (dispatches imported later)."""
        from data.db import LakeUnavailable
        from data.store.campaigns import CampaignError

        version = self.db.lake.snapshot()
        if version is not None and version != getattr(self, "_rules_seen", None):
            try:
                self.store.apply_rules(dispatch_queries.dispatch_catalog(self.db, tz=self.tz))
                self._rules_seen = version
            except (LakeUnavailable, CampaignError):  # store busy or read-only: pages still show; try next time
                pass
        return self.store.frames()

    @property
    def tz(self) -> str:
        return self.config.timezone

    def today(self) -> dt.date:
        """Returns today's date in the reporting time zone."""
        return today_in(self.tz)

    def first_day(self) -> dt.date | None:
        """Returns the first day with any message (where "all time" starts on every page), or None when the
        lake is empty."""
        try:
            return status_queries.first_day(self.db)
        except LakeUnavailable:
            return None

    def period(self, preset: str | None, start: str | None = None, end: str | None = None) -> Period:
        """Returns the period a user chose on a page (PeriodError when it is incomplete or inverted)."""
        return resolve_period(
            preset,
            start=start,
            end=end,
            today=self.today(),
            first_day=self.first_day() if preset == "all" else None,
            tz=self.tz,
        )

    # ------------------------------------------------------------ what pages need of the web shell
    urls = urls_module

    def users(self):
        """Returns the user store (users, log-in failures, the access record)."""
        from web import security

        return security.user_store(self.config)

    def schedules(self):
        """Returns the store of scheduled e-mail reports (data.store.schedules)."""
        from data.store.schedules import ScheduleStore

        return ScheduleStore(store_path(self.config.data_dir), timeout_s=self.config.store_timeout_s)

    def account(self):
        """Returns the account of the request being served (None outside a request)."""
        from web import security

        return security.current_account()

    def account_view(self) -> dict | None:
        """Returns what pages need to know of the current account (web.security.account_view)."""
        from web import security

        return security.account_view()

    def can(self, capability: str) -> bool:
        """Tells whether the current request's account has a capability (True outside a request)."""
        from web import security

        return security.can(capability)

    def remember_lang(self, lang: str) -> None:
        """Keeps the language a user chose for their next pages, reloads and log-in (a cookie of the response)."""
        from web import security

        security.remember_lang(lang)

    def page_role(self, path: str) -> str | None:
        """Returns the role a page needs."""
        from web import security

        return security.PAGE_ROLES.get(path)

    def record(self, action: str, **values) -> None:
        """Puts an event of the current request on the access record (who, role, address filled in)."""
        from web import security

        security.record(security.event(action, **values))
