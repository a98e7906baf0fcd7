"""What one server process holds: its settings and its lake connection."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from config import Config
from data import queries
from data.db import Db, LakeUnavailable
from data.lake import Lake
from data.period import Period, resolve_period, today_in


@dataclass
class AppContext:
    """Settings plus the process's DuckDB access; shared by callbacks, routes and the CLI."""

    config: Config
    db: Db

    @classmethod
    def create(cls, config: Config) -> "AppContext":
        db = Db(Lake(config.lake_dir), tz=config.timezone, threads=config.duckdb_threads,
                memory_limit=config.duckdb_memory_limit, use_rollups=config.use_rollups)
        return cls(config=config, db=db)

    @property
    def store(self) -> "CampaignStore":
        """Returns the campaign store of the data directory (created on first use)."""
        from data.store.campaigns import CampaignStore
        from data.store.sqlite import store_path

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
                self.store.apply_rules(queries.dispatch_catalog(self.db, tz=self.tz))
                self._rules_seen = version
            except (LakeUnavailable, CampaignError):  # store busy or read-only: pages still show; try next time
                pass
        return self.store.campaigns(), self.store.members()

    @property
    def tz(self) -> str:
        return self.config.timezone

    def today(self) -> dt.date:
        """Returns today's date in the reporting time zone."""
        return today_in(self.tz)

    def first_day(self) -> dt.date | None:
        """Returns the first day with bulk data, or None when the lake is empty."""
        try:
            return queries.first_day(self.db)
        except LakeUnavailable:
            return None

    def period(self, preset: str | None, start: str | None = None, end: str | None = None) -> Period:
        """Returns the period a user chose on a page (PeriodError when it is incomplete or inverted)."""
        return resolve_period(
            preset, start=start, end=end, today=self.today(),
            first_day=self.first_day() if preset == "all" else None, tz=self.tz,
        )
