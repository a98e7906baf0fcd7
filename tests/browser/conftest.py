"""Browser-test fixtures: a demo lake built now (nothing after this moment), and the app over it."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config import ROOT, Config
from data.demo import build_demo
from data.lake import Lake

TZ = "Europe/Warsaw"
SCREENSHOTS = Path(os.environ.get("SMSREPORTS_SCREENSHOTS", ROOT / "var" / "screenshots"))


@pytest.fixture(scope="session")
def browser_config(tmp_path_factory) -> Config:
    data_dir = tmp_path_factory.mktemp("browser-data")
    build_demo(Lake(data_dir / "lake"), messages=40_000, seed=5, until=dt.datetime.now(ZoneInfo(TZ)), tz=TZ)
    return Config(data_dir=data_dir, timezone=TZ, local_mode=True)  # no users: this computer, as `make run`


@pytest.fixture
def shot(dash_duo):
    """Saves a screenshot of the page under var/screenshots/ and returns its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        dash_duo.driver.save_screenshot(str(path))
        return path

    return take


def free_port() -> int:
    """Returns a port nothing listens on, so test runs (and a running `make run`) never collide on 8050."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
