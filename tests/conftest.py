"""Shared fixtures: a small deterministic demo lake and an app context over it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from config import Config
from data.demo import build_demo
from data.lake import Lake
from web.context import AppContext

UNTIL = dt.date(2026, 11, 20)
TZ = "Europe/Warsaw"


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """A data directory holding a 30,000-message demo lake ending on UNTIL."""
    data_dir = tmp_path_factory.mktemp("data")
    build_demo(Lake(data_dir / "lake"), messages=30_000, seed=11, until=UNTIL, tz=TZ)
    return data_dir


@pytest.fixture(scope="session")
def config(demo_dir) -> Config:
    """The settings over the demo lake, in local mode (no users: this computer without log-in), as `make run`."""
    return Config(data_dir=demo_dir, timezone=TZ, local_mode=True)


@pytest.fixture(scope="session")
def ctx(config) -> AppContext:
    return AppContext.create(config)


@pytest.fixture(scope="session")
def frames(demo_dir) -> dict[str, pd.DataFrame]:
    """The lake read with pyarrow alone (no DuckDB), for independent expectations."""
    lake = Lake(demo_dir / "lake")
    messages = pd.concat([pq.read_table(p).to_pandas() for p in sorted(lake.messages_dir.glob("month=*/*.parquet"))])
    clicks = pd.concat([pq.read_table(p).to_pandas() for p in sorted(lake.clicks_dir.glob("month=*/*.parquet"))])
    dispatches = pq.read_table(lake.dispatches_file).to_pandas()
    inbound = pd.concat([pq.read_table(p).to_pandas() for p in sorted(lake.inbound_dir.glob("month=*/*.parquet"))])
    return {
        "messages": messages.reset_index(drop=True),
        "clicks": clicks.reset_index(drop=True),
        "dispatches": dispatches,
        "inbound": inbound.reset_index(drop=True),
    }
