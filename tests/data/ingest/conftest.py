"""Helpers of the ingest tests: sample files, a fixed "now", reading a lake back."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from config import ROOT
from data import schema
from data.ingest import Options, ingest
from data.lake import Lake

SAMPLES = ROOT / "tests" / "samples" / "ingest"
NOW = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
TZ = "Europe/Warsaw"


def options(**changes) -> Options:
    return Options(**{"now": NOW, "tz": TZ, **changes})


def run(data_dir: Path, *files, fmt: str = "auto", links=None, rollups: str = "never", **opts):
    """Imports files (names of samples, or paths) into data_dir; returns the Summary (rollups: as `ingest`'s;
    not built unless asked, to keep the tests quick)."""
    paths = [f if isinstance(f, Path) else SAMPLES / f for f in files]
    return ingest(
        paths,
        data_dir=data_dir,
        fmt=fmt,
        options=options(**opts),
        report_tz=TZ,
        links=(links if links is None or isinstance(links, Path) else SAMPLES / links),
        rollups=rollups,
    )


def messages(data_dir: Path) -> dict[str, dict]:
    """The lake's messages by message_id (read with pyarrow alone)."""
    lake = Lake(data_dir / "lake")
    files = sorted(lake.messages_dir.glob("month=*/*.parquet"))
    if not files:
        return {}
    table = pa.concat_tables([pq.read_table(f, schema=schema.MESSAGES) for f in files])
    return {r["message_id"]: r for r in table.to_pylist()}


def clicks(data_dir: Path) -> list[dict]:
    lake = Lake(data_dir / "lake")
    files = sorted(lake.clicks_dir.glob("month=*/*.parquet"))
    if not files:
        return []
    return pa.concat_tables([pq.read_table(f, schema=schema.CLICKS) for f in files]).to_pylist()


def lake_files(data_dir: Path) -> dict[str, str]:
    """Every file of the current lake version: relative path -> sha256 of its bytes."""
    root = (data_dir / "lake").resolve()
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def quarantined(summary) -> list[dict]:
    if not summary.quarantine_file:
        return []
    return [json.loads(line) for line in Path(summary.quarantine_file).read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"
