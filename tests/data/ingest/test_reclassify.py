"""`clicks reclassify`: clicks stored under an older bot rule are judged again by today's, and the pages follow."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from cli import cli as commands
from config import Config
from data import clicks as click_rules
from data.period import Period
from data.queries import sms as sms_queries
from tests.data.ingest.conftest import SAMPLES, TZ, clicks, lake_files, run
from web.context import AppContext

PREVIEW = (
    "Mozilla/5.0 (compatible; Yahoo Link Preview; https://help.yahoo.com/kb/mail/yahoo-link-preview-SLN23615.html)"
)
OCTOBER = Period(dt.date(2025, 10, 1), dt.date(2025, 10, 31), TZ)


def reclassify(data_dir):
    env = {"SMSREPORTS_DATA_DIR": str(data_dir), "SMSREPORTS_TIMEZONE": TZ}
    return CliRunner().invoke(commands, ["clicks", "reclassify"], env=env, catch_exceptions=False)


def clicked(data_dir) -> int:
    """The SMS page's "clicked" of October 2025 (delivered messages with a human click), from the rollups."""
    ctx = AppContext.create(Config(data_dir=data_dir, timezone=TZ, local_mode=True))
    now, _, _ = sms_queries.period_summary(ctx.db, period=OCTOBER, compare=False)
    return int(now["clicked"])


@pytest.fixture
def imported_under_an_older_rule(data_dir, tmp_path, monkeypatch):
    """The samples and a Yahoo Mail link preview an hour after delivery, imported (with rollups) by a version
    whose list did not know that fetcher: the preview is stored as a person's click."""
    messages = (SAMPLES / "canonical.csv").read_text(encoding="utf-8").splitlines()
    extra = (
        messages[1].replace("c-0001;smsapi;5F1A0001", "c-0101;smsapi;5F1A0101").replace("+48601100001", "+48601100101")
    )
    (tmp_path / "more.csv").write_text("\n".join([messages[0], extra]) + "\n", encoding="utf-8")
    (tmp_path / "preview.jsonl").write_text(
        f'{{"message_id": "c-0101", "clicked_at": "2025-10-20T11:00:00+02:00", "user_agent": "{PREVIEW}"}}\n'
    )
    known = "(?:Yahoo Link Preview)"
    older = tuple(r.replace("|" + known, "").replace(known + "|", "") for r in click_rules.REGEXES)
    assert older != click_rules.REGEXES
    monkeypatch.setattr(click_rules, "REGEXES", older)
    run(data_dir, "canonical.csv", tmp_path / "more.csv", "clicks.csv", rollups="always")
    run(data_dir, tmp_path / "preview.jsonl", rollups="always")
    monkeypatch.undo()  # the upgrade
    return data_dir


def test_reclassify_applies_the_current_rule_to_stored_clicks_and_the_page_follows(imported_under_an_older_rule):
    data_dir = imported_under_an_older_rule
    stored = {c["user_agent"]: c["is_bot"] for c in clicks(data_dir)}
    assert stored[PREVIEW] is False
    assert clicked(data_dir) == 2  # c-0001 and, by the preview, c-0101 (c-0002 was only previewed)

    result = reclassify(data_dir)
    assert result.exit_code == 0, result.stderr
    assert "2025-10: 1 of 4 clicks changed (1 now bots, 0 now people)" in result.stdout
    assert "rollups rebuilt for months: 2025-10" in result.stdout
    stored = {c["user_agent"]: c["is_bot"] for c in clicks(data_dir)}
    assert stored[PREVIEW] is True
    assert len(clicks(data_dir)) == 4
    assert clicked(data_dir) == 1

    files = lake_files(data_dir)
    again = reclassify(data_dir)
    assert again.exit_code == 0, again.stderr
    assert "no click changed" in again.stdout and "the lake is unchanged" in again.stdout
    assert lake_files(data_dir) == files


def test_reclassify_without_a_lake_is_one_line(tmp_path):
    result = reclassify(tmp_path / "data")
    assert result.exit_code == 2 and "no lake at" in result.stderr and result.stderr.count("\n") == 1


def test_the_demo_lake_already_follows_the_rule(demo_dir):
    # what reclassify would find on a fresh demo lake (read only: the session's lake is shared)
    from data.lake import Lake
    from data.reclassify import _judged

    judged = _judged(Lake(demo_dir / "lake"))
    assert judged.num_rows > 1000 and 0 < sum(judged["is_bot"].to_pylist()) < judged.num_rows
    assert judged["new_is_bot"].to_pylist() == judged["is_bot"].to_pylist()
