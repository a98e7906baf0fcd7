"""The command line, run in this process: exports to files and one clear line for bad arguments
(`python app.py` itself: tests/test_app_py.py)."""

from __future__ import annotations

import csv
import io

import docx
import pytest
from click.testing import Result
from typer.testing import CliRunner

from cli import cli


def run(args, data_dir) -> Result:
    """Returns the outcome of `python app.py *args` over `data_dir`, run in this process (stdout and stderr apart);
    an unexpected exception is raised here, with its traceback, rather than read as a non-zero exit."""
    env = {"SMSREPORTS_DATA_DIR": str(data_dir), "SMSREPORTS_TIMEZONE": "Europe/Warsaw"}
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def test_export_dispatches_csv_and_docx(demo_dir, tmp_path):
    out = tmp_path / "d.csv"
    result = run(
        [
            "export",
            "dispatches",
            "--from",
            "2026-10-01",
            "--to",
            "2026-11-20",
            "--format",
            "csv",
            "--out",
            str(out),
            "--lang",
            "en",
        ],
        demo_dir,
    )
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8-sig")), delimiter=","))
    assert rows[0][0] == "Dispatch no." and len(rows) > 2
    out_doc = tmp_path / "d.docx"
    result = run(
        [
            "export",
            "dispatches",
            "--from",
            "2026-10-01",
            "--to",
            "2026-11-20",
            "--format",
            "docx",
            "--out",
            str(out_doc),
        ],
        demo_dir,
    )
    assert result.exit_code == 0, result.stderr
    assert "Raport wysyłek SMS" in "\n".join(p.text for p in docx.Document(str(out_doc)).paragraphs)
    from data.store.sqlite import store_path
    from data.store.users import UserStore

    found = UserStore(store_path(demo_dir)).audit(action="export.dispatches", limit=1).iloc[0]
    assert (found["format"], found["rows"]) == ("docx", len(docx.Document(str(out_doc)).tables[-1].rows) - 1)


def test_export_numbers(demo_dir, tmp_path, frames):
    number = int(frames["dispatches"]["number"].iloc[0])
    out = tmp_path / "n.csv"
    result = run(
        ["export", "numbers", "--dispatch", str(number), "--status", "delivered", "--format", "csv", "--out", str(out)],
        demo_dir,
    )
    assert result.exit_code == 0, result.stderr
    dispatch_id = frames["dispatches"]["dispatch_id"].iloc[0]
    m = frames["messages"]
    want = sorted(m.loc[(m["dispatch_id"] == dispatch_id) & (m["status"] == "delivered"), "msisdn"].str.lstrip("+"))
    got = sorted(r[0] for r in list(csv.reader(io.StringIO(out.read_text("utf-8-sig")), delimiter=";"))[1:])
    assert got == want


def test_exports_are_on_the_access_record(demo_dir, tmp_path, frames):
    import getpass
    import hashlib

    from data.store.sqlite import store_path
    from data.store.users import UserStore

    number = int(frames["dispatches"]["number"].iloc[0])
    out = tmp_path / "numbers.csv"
    result = run(
        ["export", "numbers", "--dispatch", str(number), "--status", "delivered", "--format", "csv", "--out", str(out)],
        demo_dir,
    )
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8-sig")), delimiter=";"))
    found = UserStore(store_path(demo_dir)).audit(action="export.numbers", limit=1).iloc[0]
    assert (found["who"], found["role"], found["outcome"], found["format"]) == (getpass.getuser(), "cli", "ok", "csv")
    assert found["rows"] == len(rows) - 1 and found["bytes"] == out.stat().st_size
    assert found["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert str(number) in str(found["filter"]) and found["target"] == str(out)


@pytest.mark.parametrize(
    "args,needle",
    [
        (
            ["export", "numbers", "--dispatch", "999999", "--status", "delivered", "--format", "csv", "--out", "X"],
            "unknown dispatch number 999999",
        ),
        (
            ["export", "numbers", "--dispatch", "1", "--status", "lost", "--format", "csv", "--out", "X"],
            "--status must be one of",
        ),
        (
            ["export", "dispatches", "--from", "2026-13-01", "--to", "2026-11-20", "--format", "csv", "--out", "X"],
            "--from",
        ),
        (
            ["export", "dispatches", "--from", "2026-11-02", "--to", "2026-11-01", "--format", "csv", "--out", "X"],
            "is after --to",
        ),
        (
            ["export", "dispatches", "--from", "2026-11-02", "--to", "9999-12-31", "--format", "csv", "--out", "X"],
            "--to: 9999-12-31 is outside 2000-01-01..2100-12-31",
        ),
        (
            ["export", "numbers", "--dispatch", "9" * 30, "--status", "delivered", "--format", "csv", "--out", "X"],
            "unknown dispatch number",
        ),
        (
            ["export", "dispatches", "--from", "2026-11-01", "--to", "2026-11-02", "--format", "pdf", "--out", "X"],
            "--format",
        ),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_line(demo_dir, tmp_path, args, needle):
    args = [str(tmp_path / "out") if a == "X" else a for a in args]
    result = run(args, demo_dir)
    assert result.exit_code != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert not (tmp_path / "out").exists()


def test_campaigns_list_tags_only_the_campaigns_with_a_rule(demo_dir, tmp_path, frames):
    import shutil

    from data.store.campaigns import CampaignStore, Rule
    from data.store.sqlite import store_path

    data = tmp_path / "data"
    shutil.copytree(demo_dir, data, symlinks=True)
    store = CampaignStore(store_path(data))
    ids = list(frames["dispatches"]["dispatch_id"].iloc[:3])
    store.group(ids[:1], name="Plain", who="t")
    store.group(ids[1:2], name="Ruled", who="t", rule=Rule("no dispatch is named like this"))
    store.group(ids[2:], name="Plain too", who="t")
    listed = [line.split("\t")[1] for line in run(["campaigns", "list"], data).stdout.splitlines()]
    assert listed == ["Plain", "Ruled [rule]", "Plain too"]


def test_campaigns_cli_uses_the_store_and_refuses_unknown_ids(demo_dir, tmp_path, frames):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(demo_dir, data, symlinks=True)
    numbers = [str(n) for n in frames["dispatches"]["number"].iloc[:3]]
    result = run(["campaigns", "group", "--name", "Black Friday", *numbers], data)
    assert result.exit_code == 0, result.stderr
    cid = result.stdout.strip()
    listed = run(["campaigns", "list"], data).stdout
    assert f"{cid}\tBlack Friday\t{', '.join(sorted(numbers, key=int))}" in listed
    for args, needle in [
        (["campaigns", "ungroup", "999"], "There is no campaign with id: 999"),
        (["campaigns", "add", cid, "999999"], "unknown dispatch number(s): 999999"),
        (["campaigns", "rename", cid, "   "], "cannot be empty"),
        (["campaigns", "group", "--name", "Other", numbers[0]], "already in another campaign"),
    ]:
        bad = run(args, data)
        lines = [line for line in bad.stderr.splitlines() if line.strip()]
        assert bad.exit_code != 0 and len(lines) == 1 and needle in lines[0], bad.stderr
    assert run(["campaigns", "list"], data).stdout == listed  # nothing changed
    assert run(["campaigns", "rename", cid, "Black Week", "--description", "fale 1-3"], data).exit_code == 0
    assert run(["campaigns", "remove", numbers[0]], data).exit_code == 0
    assert (
        f"{cid}\tBlack Week\t{', '.join(sorted(numbers[1:], key=int))}\tfale 1-3"
        in run(["campaigns", "list"], data).stdout
    )
    assert run(["campaigns", "ungroup", cid], data).exit_code == 0
    assert run(["campaigns", "list"], data).stdout == ""


def test_demo_is_built_up_to_now(tmp_path):
    import datetime as dt
    from zoneinfo import ZoneInfo

    import duckdb

    from data.lake import Lake

    result = run(["demo", "--messages", "3000"], tmp_path)
    done = dt.datetime.now(ZoneInfo("Europe/Warsaw"))
    assert result.exit_code == 0, result.stderr
    lake = Lake(tmp_path / "lake")
    con = duckdb.connect()
    newest = con.execute(
        "SELECT max(greatest(created_at, coalesce(sent_at, created_at), coalesce(done_at, created_at))) "
        "FROM read_parquet($g)",
        {"g": lake.messages_glob},
    ).fetchone()[0]
    assert newest < done

    at = run(["demo", "--messages", "3000", "--until", "2026-11-20T09:30"], tmp_path)
    assert at.exit_code == 0, at.stderr
    newest = con.execute("SELECT max(created_at) FROM read_parquet($g)", {"g": lake.messages_glob}).fetchone()[0]
    moment = dt.datetime(2026, 11, 20, 9, 30, tzinfo=ZoneInfo("Europe/Warsaw"))
    assert moment - dt.timedelta(hours=1) < newest < moment
    bad = run(["demo", "--messages", "3000", "--until", "20.11.2026"], tmp_path)
    assert bad.exit_code != 0 and "--until" in bad.stderr


def test_an_export_that_cannot_be_recorded_writes_nothing(demo_dir, tmp_path, monkeypatch):
    import sqlite3

    from config import Config
    from data.store import sqlite as sqlite_module
    from web.security import user_store

    user_store(Config(data_dir=demo_dir))  # the store exists
    real_connect = sqlite3.connect
    monkeypatch.setattr(
        sqlite_module.sqlite3,
        "connect",
        lambda target, *args, **kwargs: real_connect(f"file:{target}?mode=ro", *args, uri=True, **kwargs),
    )
    out = tmp_path / "d.csv"
    args = ["export", "dispatches", "--from", "2026-10-01", "--to", "2026-11-20", "--format", "csv", "--out", out]
    result = run(args, demo_dir)
    assert result.exit_code == 2 and "the access log cannot be written" in result.stderr
    assert result.stderr.count("\n") == 1 and not out.exists()


def _docx_content(data: bytes, lang: str) -> list[list[str]]:
    """Returns a DOCX's paragraphs and tables' rows as text, without its generation time (the one thing that
    differs between two files made a few seconds apart)."""
    from i18n import t

    document = docx.Document(io.BytesIO(data))
    rows = [[p.text] for p in document.paragraphs]
    for table in document.tables:
        rows.extend([cell.text for cell in row.cells] for row in table.rows)
    generated = t(lang, "doc.generated")
    return [row for row in rows if not row or row[0] != generated]


@pytest.fixture(scope="module")
def grouped(demo_dir, tmp_path_factory):
    """A copy of the demo data directory with two campaigns of the period's dispatches, and a word their names
    share (the page's filter)."""
    import shutil

    data = tmp_path_factory.mktemp("grouped") / "data"
    shutil.copytree(demo_dir, data, symlinks=True)
    out = data.parent / "all.csv"
    args = ["export", "dispatches", "--from", "2026-10-01", "--to", "2026-11-20", "--format", "csv", "--lang", "en"]
    assert run([*args, "--out", out], data).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    numbers = [r["Dispatch no."] for r in rows]
    assert run(["campaigns", "group", "--name", "Jesień", *numbers[:3]], data).exit_code == 0
    assert run(["campaigns", "group", "--name", "Zima", *numbers[3:5]], data).exit_code == 0
    word = max(rows[0]["Name"].split(), key=len)
    return data, word


@pytest.mark.parametrize("fmt,lang", [("csv", "en"), ("csv", "pl"), ("docx", "pl")])
@pytest.mark.parametrize("per", ["dispatch", "campaign"])
@pytest.mark.parametrize("filtered", [False, True], ids=["all", "filtered"])
def test_export_dispatches_gives_the_pages_file_with_campaigns(grouped, tmp_path, fmt, lang, per, filtered):
    from urllib.parse import urlencode

    from app import create_app
    from config import Config

    data, word = grouped
    out = tmp_path / f"d.{fmt}"
    args = ["export", "dispatches", "--from", "2026-10-01", "--to", "2026-11-20", "--format", fmt, "--lang", lang]
    args += ["--out", out, "--per", per] + (["--filter", word] if filtered else [])
    result = run(args, data)
    assert result.exit_code == 0, result.stderr
    query = {"from": "2026-10-01", "to": "2026-11-20", "lang": lang, "per": per} | ({"q": word} if filtered else {})
    app = create_app(Config(data_dir=data, timezone="Europe/Warsaw", local_mode=True))
    page = app.server.test_client().get(f"/export/dispatches.{fmt}?{urlencode(query)}")
    assert page.status_code == 200, page.text
    if fmt == "csv":
        assert out.read_bytes() == page.data
        sep = "," if lang == "en" else ";"
        rows = list(csv.reader(io.StringIO(out.read_text("utf-8-sig")), delimiter=sep))
        campaign = rows[0].index("Campaign" if lang == "en" else "Kampania")
        names = {r[campaign] for r in rows[1:]}
        assert {"Jesień", "Zima"} & names  # the campaigns are in the file
    else:
        assert _docx_content(out.read_bytes(), lang) == _docx_content(page.data, lang)
        assert any("Jesień" in cell for row in _docx_content(out.read_bytes(), lang) for cell in row)
