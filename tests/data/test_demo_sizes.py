"""`demo --dispatches N --labels M` (issue 19): a demo with exactly that many bulk dispatches and named
transactional labels, every one of them in the lake (messages, dispatch table, rollups), the same bytes each time."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import duckdb
import pytest

from data.demo import build_demo
from data.lake import Lake
from tests.test_cli import run

UNTIL = date(2026, 11, 20)
TZ = "Europe/Warsaw"


def _build(root: Path, **kw):
    return build_demo(Lake(root), messages=100_000, seed=5, until=UNTIL, tz=TZ, **kw)


def _files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*.parquet"))
    }


def _counts(root: Path) -> tuple[int, int, int, int, int]:
    """Returns (rows of the dispatch table, dispatches with bulk messages, named labels of the transactional
    messages, dispatches in the dispatch rollup, named labels in the transactional rollup)."""
    lake, con = Lake(root), duckdb.connect()
    one = lambda sql, g: con.execute(sql, {"g": g}).fetchone()[0]  # noqa: E731
    rollup = lambda name: str(lake.rollups_dir / name / "month=*" / "*.parquet")  # noqa: E731
    return (
        one("SELECT count(*) FROM read_parquet($g)", str(lake.dispatches_file)),
        one("SELECT count(DISTINCT dispatch_id) FROM read_parquet($g) WHERE source = 'bulk'", lake.messages_glob),
        one("SELECT count(DISTINCT campaign_label) FROM read_parquet($g) WHERE source = 'api'", lake.messages_glob),
        one("SELECT count(DISTINCT dispatch_id) FROM read_parquet($g)", rollup("dispatch_daily")),
        one("SELECT count(DISTINCT campaign_label) FROM read_parquet($g)", rollup("transactional_daily")),
    )


@pytest.mark.parametrize("dispatches, labels", [(40, 12), (7, 2)])
def test_the_demo_has_exactly_the_dispatches_and_labels_asked_for(tmp_path, dispatches, labels):
    summary = _build(tmp_path / "lake", dispatches=dispatches, labels=labels)
    assert (summary.dispatches, summary.labels) == (dispatches, labels)
    assert _counts(tmp_path / "lake") == (dispatches, dispatches, labels, dispatches, labels)


def test_the_same_sizes_give_the_same_bytes_and_other_sizes_other_ones(tmp_path):
    _build(tmp_path / "a", dispatches=25, labels=9, big_dispatch=2_000)
    _build(tmp_path / "b", dispatches=25, labels=9, big_dispatch=2_000)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _counts(tmp_path / "a")[:3] == (26, 26, 9)  # the big dispatch besides
    _build(tmp_path / "c", dispatches=26, labels=9, big_dispatch=2_000)
    assert _files(tmp_path / "a") != _files(tmp_path / "c")


def test_without_sizes_the_demo_is_as_before(tmp_path):
    summary = _build(tmp_path / "lake")
    assert summary.labels == 4 and 20 <= summary.dispatches <= 300
    assert _counts(tmp_path / "lake")[2] == 4


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--dispatches", "4"], "--dispatches must be from 5 to 270"),
        (["--dispatches", "271"], "--dispatches must be from 5 to 270"),
        (["--labels", "-1"], "--labels must be from 0 to 0"),
        (["--labels", "1"], "--labels must be from 0 to 0"),
    ],
)
def test_sizes_the_demo_cannot_make_are_refused_in_one_line(tmp_path, args, needle):
    result = run(["demo", "--messages", "3000", *args], tmp_path)
    assert result.exit_code != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert not Lake(tmp_path / "lake").exists()


def test_the_command_line_builds_them(tmp_path):
    result = run(["demo", "--messages", "10000", "--dispatches", "12", "--labels", "2"], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert _counts(tmp_path / "lake") == (12, 12, 2, 12, 2)
