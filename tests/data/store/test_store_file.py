"""The store's file (data/store/sqlite.py): its name, the move of a store left under the old name, the schema."""

from __future__ import annotations

import errno
import hashlib
import multiprocessing as mp
import sqlite3
import stat
import subprocess
import sys
import textwrap

import pytest
from argon2 import PasswordHasher

from config import ROOT, Config
from data.store import sqlite as store_sqlite
from data.store.audit import JSONL_FILE, AuditEvent
from data.store.campaigns import CampaignStore
from data.store.sqlite import LEGACY_FILE, STORE_FILE, migrations, store_path
from data.store.users import UserStore
from web import security
from web.context import AppContext

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
SIDE_FILES = ("", "-wal", "-shm")


def old_store(data_dir):
    """Makes a store under the old name with a campaign, a user and an audit event, and one more campaign
    committed only to its WAL (its writer died before a checkpoint); returns the old path."""
    legacy = data_dir / LEGACY_FILE
    CampaignStore(legacy).group(["d1", "d2"], name="Jesień", who="local")
    users = UserStore(legacy, hasher=CHEAP)
    users.add("ala", role="admin", password="longenough")
    users.record(AuditEvent(who="ala", role="admin", address="127.0.0.1", action="export.dispatches", rows=2))
    subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from data.store.campaigns import CampaignStore
        store = CampaignStore({str(legacy)!r})
        held = store._db.connect()  # another connection stays open: the commit below is not checkpointed
        held.execute("SELECT 1").fetchone()
        store.group(["d3"], name="Zima", who="local")
        os._exit(0)
    """),
        ],
        check=True,
    )
    assert (data_dir / (LEGACY_FILE + "-wal")).stat().st_size > 0
    return legacy


def leftovers(data_dir) -> list[str]:
    """Returns what the data directory holds besides the store and the access log's JSON copy."""
    return sorted(p.name for p in data_dir.iterdir() if p.name not in (STORE_FILE, JSONL_FILE))


def test_the_store_is_named_for_what_it_holds(tmp_path):
    assert store_path(tmp_path) == tmp_path / "store.sqlite"
    assert not (tmp_path / "store.sqlite").exists()  # a path, not a store: opening one creates it
    CampaignStore(store_path(tmp_path))
    UserStore(store_path(tmp_path), hasher=CHEAP)
    assert [p.name for p in tmp_path.iterdir()] == ["store.sqlite"]


def test_an_old_named_store_is_moved_whole_when_the_app_opens_it(tmp_path):
    old_store(tmp_path)
    config = Config(data_dir=tmp_path)
    users = security.user_store(config)  # the first caller moves it
    assert users.path == tmp_path / STORE_FILE and leftovers(tmp_path) == []
    assert stat.S_IMODE((tmp_path / STORE_FILE).stat().st_mode) == 0o600
    users.hasher = CHEAP
    assert users.authenticate("ala", "longenough").role == "admin"
    assert list(users.audit()["action"]) == ["export.dispatches"]
    store = AppContext(config=config, db=None).store
    assert sorted(store.campaigns()["name"]) == ["Jesień", "Zima"]  # "Zima" was only in the old WAL
    assert set(store.members()["dispatch_id"]) == {"d1", "d2", "d3"}
    assert store.schema_version() == max(migrations())
    assert store.undo(who="t")["action"] == "group"  # the change log came along too
    assert sorted(store.campaigns()["name"]) == ["Jesień"]


def _open_together(data_dir: str, n: int, barrier, queue) -> None:
    barrier.wait()
    path = store_path(data_dir)
    store = CampaignStore(path)
    names = sorted(store.campaigns()["name"])
    store.group([f"p{n}"], name=f"Proces {n}", who=f"p{n}")
    queue.put((str(path), names))


def test_processes_starting_together_move_it_once_and_lose_nothing(tmp_path):
    old_store(tmp_path)
    ctx = mp.get_context("fork")
    barrier, queue = ctx.Barrier(4), ctx.Queue()
    workers = [ctx.Process(target=_open_together, args=(tmp_path, n, barrier, queue)) for n in range(4)]
    for w in workers:
        w.start()
    results = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    assert {path for path, _names in results} == {str(tmp_path / STORE_FILE)}
    assert all({"Jesień", "Zima"} <= set(names) for _path, names in results), results  # nobody saw an empty store
    final = CampaignStore(store_path(tmp_path))
    assert sorted(final.campaigns()["name"]) == ["Jesień", "Proces 0", "Proces 1", "Proces 2", "Proces 3", "Zima"]
    assert leftovers(tmp_path) == []


def test_a_copy_cut_short_is_made_again(tmp_path):
    old_store(tmp_path)
    (tmp_path / ".store.sqlite.partial").write_bytes(b"half a copy")  # a mover killed mid-copy
    (tmp_path / ".store.sqlite.lock").touch()
    store = CampaignStore(store_path(tmp_path))
    assert sorted(store.campaigns()["name"]) == ["Jesień", "Zima"] and leftovers(tmp_path) == []


def test_a_read_only_data_directory_reads_the_old_store_in_place(tmp_path, monkeypatch):
    legacy = old_store(tmp_path)

    def read_only(*_args):  # what a read-only mount gives (root ignores chmod)
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(store_sqlite, "_move_legacy", read_only)
    assert store_path(tmp_path) == legacy
    assert sorted(CampaignStore(store_path(tmp_path)).campaigns()["name"]) == ["Jesień", "Zima"]


def test_another_failure_to_move_is_raised_not_hidden(tmp_path, monkeypatch):
    old_store(tmp_path)

    def disk_full(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_sqlite, "_move_legacy", disk_full)
    with pytest.raises(OSError, match="No space"):
        store_path(tmp_path)  # an empty new store beside the old one would hide everything in it


def test_a_store_at_the_current_version_opens_unchanged(tmp_path):
    path = store_path(tmp_path)
    CampaignStore(path).group(["d1"], name="Jesień", who="local")
    UserStore(path, hasher=CHEAP).add("ala", role="admin", password="longenough")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    CampaignStore(path)
    UserStore(path, hasher=CHEAP)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_each_store_module_owns_its_tables_migrations():
    """Version numbers are those of the databases already out there: 1 campaigns, 2 users and the access audit,
    3 sessions, 4 the access audit's hash chain (a function: it hashes the rows already there), 5 scheduled
    e-mail reports, 6 the provider hooks, 7 saved views, 8 a schedule's view (columns, no table)."""
    con = sqlite3.connect(":memory:")
    owners = {}
    for module in ("campaigns", "users", "audit", "sessions", "schedules", "hooks", "views"):
        steps = __import__(f"data.store.{module}", fromlist=["MIGRATIONS"]).MIGRATIONS
        for version, script in steps.items():
            before = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            script(con) if callable(script) else con.executescript(script)
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} - before
            owners.update({t: (module, version) for t in tables if not t.startswith("sqlite_")})
    assert owners == {
        "campaigns": ("campaigns", 1),
        "members": ("campaigns", 1),
        "audit": ("campaigns", 1),
        "users": ("users", 2),
        "login_failures": ("users", 2),
        "access_audit": ("audit", 2),
        "sessions": ("sessions", 3),
        "schedules": ("schedules", 5),
        "schedule_runs": ("schedules", 5),
        "scheduler_lease": ("schedules", 5),
        "hooks": ("hooks", 6),
        "views": ("views", 7),
    }
    assert sorted(migrations()) == [1, 2, 3, 4, 5, 6, 7, 8]
    columns = {r[1] for r in con.execute("PRAGMA table_info(schedules)")}
    assert {"view_query", "view_name"} <= columns
