"""The access log is tamper-evident (a SHA-256 chain over its rows), refuses INSERT OR REPLACE, records a
download's start before its end, and keeps a JSON-lines copy beside the store (data/store/audit.py)."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import stat

import pytest
from typer.testing import CliRunner

from data.store import audit as audit_module
from data.store.audit import JSONL_FILE, AccessAudit, AuditEvent, row_hash
from data.store.sqlite import store_path


def event(i: int, **values) -> AuditEvent:
    base = {
        "who": f"user{i}",
        "role": "analyst",
        "address": "10.0.0.1",
        "action": "export.numbers",
        "filter": {"dispatch": str(i), "q": "żółw"},
        "rows": i,
        "format": "csv",
        "bytes": 100 + i,
        "sha256": "ab" * 32,
    }
    return AuditEvent(**{**base, **values})


@pytest.fixture
def log(tmp_path) -> AccessAudit:
    audit = AccessAudit(store_path(tmp_path))
    for i in range(1, 6):
        audit.record(event(i))
    return audit


def raw(log: AccessAudit) -> sqlite3.Connection:
    """A connection as someone with write access to the file has it: the app's triggers dropped."""
    con = sqlite3.connect(log.path, isolation_level=None)
    for trigger in ("access_audit_no_update", "access_audit_no_delete", "access_audit_no_replace"):
        con.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    return con


def test_the_chain_holds_for_rows_the_app_wrote(log):
    check = log.verify()
    assert check.ok and check.rows == 5
    rows = [dict(zip(audit_module.AUDIT_COLUMNS, r, strict=True)) for r in log.audit_rows()]
    assert [r["id"] for r in rows] == [1, 2, 3, 4, 5]
    previous = audit_module.GENESIS
    for r in rows:  # each hash covers the previous one and the row's own fields: recomputed independently
        assert r["hash"] == row_hash(previous, r)
        previous = r["hash"]
    assert check.newest == previous


def test_insert_or_replace_of_an_existing_id_is_refused(log):
    con = sqlite3.connect(log.path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute(
            "INSERT OR REPLACE INTO access_audit (id, at, who, role, address, action, outcome) "
            "VALUES (3, '2026-01-01', 'nobody', 'viewer', '-', 'export.numbers', 'ok')"
        )
    for sql in ("UPDATE access_audit SET who = 'nobody'", "DELETE FROM access_audit WHERE id = 2"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute(sql)
    con.close()
    assert [r[2] for r in log.audit_rows()] == [f"user{i}" for i in range(1, 6)] and log.verify().ok


def test_a_row_changed_behind_the_apps_back_is_named(log, tmp_path):
    con = raw(log)
    con.execute("UPDATE access_audit SET rows = 0, who = 'user9' WHERE id = 3")
    con.close()
    check = log.verify()
    assert not check.ok and check.bad == 3 and check.problem == "audit.chain.changed" and check.rows == 2


def test_a_row_deleted_behind_the_apps_back_is_named(log):
    con = raw(log)
    con.execute("DELETE FROM access_audit WHERE id = 2")
    con.close()
    check = log.verify()
    assert (check.bad, check.problem, dict(check.values)) == (
        3,
        "audit.chain.missing",
        {"id": 3, "first": 2, "last": 2},
    )


def test_a_row_slipped_in_with_a_made_up_hash_is_named(log):
    con = raw(log)
    con.execute(
        "INSERT INTO access_audit (id, at, who, role, address, action, outcome, hash) "
        "VALUES (6, '2026-01-01', 'ghost', 'admin', '-', 'login', 'ok', ?)",
        ("cd" * 32,),
    )
    con.close()
    check = log.verify()
    assert (check.bad, check.problem, check.rows) == (6, "audit.chain.changed", 5)


def test_audit_verify_command_names_the_first_bad_row(log, tmp_path, monkeypatch):
    from cli import cli

    monkeypatch.setenv("SMSREPORTS_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    good = runner.invoke(cli, ["audit", "verify"])
    assert good.exit_code == 0 and "rows checked: 5" in good.output
    con = raw(log)
    con.execute("UPDATE access_audit SET address = '10.6.6.6' WHERE id = 4")
    con.close()
    bad = runner.invoke(cli, ["audit", "verify"])
    assert bad.exit_code == 1 and "row 4" in bad.output and "Traceback" not in bad.output
    assert bad.output.count("\n") == 1


def test_a_download_is_started_then_ended_and_one_never_ended_shows_interrupted(tmp_path):
    log = AccessAudit(store_path(tmp_path))
    whole = log.start(event(1, rows=None, bytes=None, sha256=""))
    killed = log.start(event(2, rows=None, bytes=None, sha256=""))
    log.finish(whole, event(1, outcome="ok"))
    shown = log.audit()
    assert list(shown["who"]) == ["user1", "user2"]  # newest first; the ended download shows as its end row
    assert list(shown["outcome"]) == ["ok", "interrupted"] and int(shown.iloc[0]["ref"]) == whole
    assert [r[6] for r in log.audit_rows()] == ["started", "started", "ok"] and killed == 2
    assert log.verify().ok


def test_each_row_is_also_one_json_line_private_and_whole(log, tmp_path):
    path = tmp_path / JSONL_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    stored = [dict(zip(audit_module.AUDIT_COLUMNS, r, strict=True)) for r in log.audit_rows()]
    assert lines == stored and lines[0]["filter"] == json.dumps({"dispatch": "1", "q": "żółw"}, ensure_ascii=False)


def test_a_full_disk_records_nothing_anywhere(log, tmp_path, monkeypatch):
    path = tmp_path / JSONL_FILE
    size = path.stat().st_size
    real_write = os.write

    def full(fd, data):
        real_write(fd, bytes(data[:10]))  # what fitted
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(audit_module.os, "write", full)
    with pytest.raises(OSError, match="No space"):
        log.record(event(6))
    monkeypatch.undo()
    assert path.stat().st_size == size and len(list(log.audit_rows())) == 5  # no half line, no row
    log.record(event(6))
    assert len(path.read_text().splitlines()) == 6 and log.verify().ok


def test_a_store_made_before_the_chain_gets_one(tmp_path):
    """A store at schema 2 (rows without hashes) is chained when the app opens it; its rows go to the JSON copy."""
    from data.store.sqlite import _statements, migrations

    path = store_path(tmp_path)
    con = sqlite3.connect(path, isolation_level=None)
    for version in (1, 2):
        for script in migrations()[version]:
            for statement in _statements(script):
                con.execute(statement)
    con.execute("PRAGMA user_version = 2")
    for i in range(3):
        con.execute(
            "INSERT INTO access_audit (at, who, role, address, action, outcome) VALUES (?, ?, 'admin', '-', 'login', 'ok')",
            (f"2025-0{i + 1}-01T00:00:00.000+00:00", f"old{i}"),
        )
    con.close()
    log = AccessAudit(path)
    log.record(event(9))
    check = log.verify()
    assert check.ok and check.rows == 4
    lines = (tmp_path / JSONL_FILE).read_text().splitlines()
    assert [json.loads(line)["who"] for line in lines] == ["old0", "old1", "old2", "user9"]


def test_a_check_after_a_good_one_reads_only_the_new_rows_and_still_sees_a_rebuilt_chain(log, monkeypatch):
    first = log.check()
    assert first.ok and first.rows == 5
    log.record(event(6))
    read = []
    real_rows = AccessAudit.audit_rows

    def counted(self, **kwargs):
        for row in real_rows(self, **kwargs):
            read.append(row[0])
            yield row

    monkeypatch.setattr(AccessAudit, "audit_rows", counted)
    assert log.check().rows == 6 and read == [6]  # only the row added since
    monkeypatch.undo()
    # someone rewrites row 2 and rebuilds every hash after it: the rows on file chain again, but not onto
    # what the app checked before, so the next row the app adds shows it
    con = raw(log)
    rows = [dict(zip(audit_module.AUDIT_COLUMNS, r, strict=True)) for r in log.audit_rows()]
    rows[1]["who"] = "someone else"
    previous = rows[0]["hash"]
    for r in rows[1:]:
        r["hash"] = previous = row_hash(previous, r)
        con.execute("UPDATE access_audit SET who = ?, hash = ? WHERE id = ?", (r["who"], r["hash"], r["id"]))
    con.close()
    assert log.verify().ok  # a chain rebuilt by someone who can write the file holds on its own (README says so)
    check = log.check()
    assert not check.ok and check.bad == 6  # but its newest row no longer has the hash the app checked
