"""`ingest`, run in this process: one line on stderr and a non-zero exit for bad arguments; a summary
(`python app.py ingest` itself: tests/test_app_py.py)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli import cli as commands
from tests.data.ingest.conftest import SAMPLES, lake_files


def cli(data_dir, *args, env=None):
    """Returns the outcome of `ingest *args` into `data_dir` (stdout and stderr apart)."""
    environ = {"SMSREPORTS_DATA_DIR": str(data_dir), "SMSREPORTS_TIMEZONE": "Europe/Warsaw", **(env or {})}
    return CliRunner().invoke(commands, ["ingest", *map(str, args)], env=environ, catch_exceptions=False)


@pytest.mark.parametrize(
    "args,needle",
    [
        ([], "give at least one file"),
        (["missing.csv"], "no such file"),
        ([SAMPLES / "canonical.csv", "--format", "xml"], "--format must be auto or one of"),
        ([SAMPLES / "canonical.csv", "--region", "XX"], "--region: unknown region 'XX'"),
        ([SAMPLES / "canonical.csv", "--tz", "Mars/Olympus"], "--tz: unknown time zone"),
        ([SAMPLES / "canonical.csv", "--provider", "a:b"], "--provider must be a plain name"),
        ([SAMPLES / "clicks.csv", "--links", "nope.csv"], "--links: no such file"),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_line(tmp_path, args, needle):
    env = {"SMSREPORTS_DATA_DIR": str(tmp_path / "data"), "SMSREPORTS_TIMEZONE": "Europe/Warsaw"}
    result = CliRunner().invoke(commands, ["ingest", *map(str, args)], env=env)
    assert result.exit_code != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert not (tmp_path / "data" / "lake").exists()  # nothing written


def test_a_bad_region_setting_is_one_line(tmp_path):
    env = {"SMSREPORTS_DATA_DIR": str(tmp_path / "data"), "SMSREPORTS_DEFAULT_REGION": "ZZ"}
    result = CliRunner().invoke(commands, ["ingest", str(SAMPLES / "canonical.csv")], env=env)
    assert result.exit_code == 2 and result.stderr.strip().count("\n") == 0
    assert "SMSREPORTS_DEFAULT_REGION" in result.stderr


def test_import_prints_a_summary_and_a_second_import_changes_nothing(tmp_path):
    data_dir = tmp_path / "data"
    first = cli(data_dir, SAMPLES / "smpp_kannel.log", SAMPLES / "canonical.csv", "--provider", "plus")
    assert first.exit_code == 0, first.stderr
    assert "messages: 13 imported" in first.stdout and "replies: 1 imported (1 of them opt-outs)" in first.stdout
    files = lake_files(data_dir)
    second = cli(data_dir, SAMPLES / "smpp_kannel.log", SAMPLES / "canonical.csv", "--provider", "plus", "--json")
    assert second.exit_code == 0, second.stderr
    summary = json.loads(second.stdout.strip().splitlines()[-1])
    assert (summary["messages_new"], summary["messages_updated"], summary["messages_unchanged"]) == (0, 0, 13)
    assert summary["quarantined"] == 0 and summary["rows_read"] == 19  # the Kannel log's STOP: a reply
    assert (summary["inbound_new"], summary["inbound_unchanged"]) == (0, 1)
    assert lake_files(data_dir) == files


def test_default_region_from_the_settings(tmp_path):
    path = tmp_path / "de.csv"
    path.write_text("message_id,msisdn,created_at,status\nx-1,01512 3456789,2025-10-01T10:00:00Z,delivered\n")
    env = {"SMSREPORTS_DATA_DIR": str(tmp_path / "data"), "SMSREPORTS_DEFAULT_REGION": "DE"}
    result = CliRunner().invoke(commands, ["ingest", str(path), "--json"], env=env)
    assert result.exit_code == 0, result.stderr
    import pyarrow.parquet as pq

    table = pq.read_table(next((tmp_path / "data" / "lake" / "messages").glob("month=*/*.parquet")))
    assert table["msisdn"].to_pylist() == ["+4915123456789"]
