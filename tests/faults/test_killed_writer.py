"""A process killed (SIGKILL) in the middle of campaign changes leaves nothing half-written.

A child process changes campaigns as fast as it can (group, rename, add, remove,
ungroup, undo); it is killed at a random moment, several times over. After each
kill the store must be whole: SQLite's own checks pass, every campaign has members,
every change that is in the data is in the audit log (and no audit row describes a
change that is not there), and the next change works.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from config import ROOT
from data.store.campaigns import CampaignStore
from data.store.sqlite import store_path

pytestmark = pytest.mark.slow

CHILD = textwrap.dedent("""
    import itertools, sys
    sys.path.insert(0, sys.argv[2])
    from data.store.campaigns import CampaignError, CampaignStore

    store = CampaignStore(sys.argv[1])
    print("ready", flush=True)
    for i in itertools.count():
        ids = [f"d{(i * 3 + k) % 40:03d}" for k in range(3)]
        try:
            cid = store.group(ids, name=f"c{i}", who=f"w{i}", move=True)
            store.rename(cid, name=f"c{i} renamed", description="x" * (i % 50), who=f"w{i}")
            store.add(cid, [f"d{(i * 7) % 40:03d}"], who=f"w{i}", move=True)
            if i % 3 == 0:
                store.remove(ids[:1], who=f"w{i}")
            if i % 4 == 0:
                store.ungroup([cid], who=f"w{i}")
            if i % 5 == 0:
                store.undo(who=f"w{i}")
        except CampaignError:
            pass
""")


def check_whole(path) -> int:
    """Asserts the store's invariants; returns how many audit rows it has."""
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        assert (
            con.execute("SELECT count(*) FROM campaigns WHERE id NOT IN (SELECT campaign_id FROM members)").fetchone()[
                0
            ]
            == 0
        )
        assert (
            con.execute("SELECT count(*) FROM members WHERE campaign_id NOT IN (SELECT id FROM campaigns)").fetchone()[
                0
            ]
            == 0
        )
        # The audit row and the change it records commit together: each campaign's current state is
        # what the newest audit row touching it says it became.
        newest: dict[int, dict] = {}
        for row in con.execute("SELECT id, before, after FROM audit ORDER BY id"):
            before, after = json.loads(row["before"]), json.loads(row["after"])
            for cid in set(before["campaign_ids"]) | set(after["campaign_ids"]):
                newest[cid] = next((c for c in after["campaigns"] if c["id"] == cid), None)
        for c in con.execute("SELECT id, name, description FROM campaigns"):
            assert c["id"] in newest, f"campaign {c['id']} is not in the audit log"
            recorded = newest[c["id"]]
            assert recorded is not None and (recorded["name"], recorded["description"]) == (c["name"], c["description"])
        for cid, recorded in newest.items():
            exists = con.execute("SELECT count(*) FROM campaigns WHERE id = ?", (cid,)).fetchone()[0]
            assert bool(exists) == (recorded is not None), f"campaign {cid}: the audit log and the data disagree"
        undone = con.execute(
            "SELECT count(*) FROM audit a WHERE undone_by IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM audit u WHERE u.id = a.undone_by AND u.action = 'undo')"
        ).fetchone()[0]
        assert undone == 0
        return con.execute("SELECT count(*) FROM audit").fetchone()[0]
    finally:
        con.close()


def audit_rows(path) -> int:
    """Returns how many audit rows the store has (a reader: it never waits for the writer, WAL)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute("SELECT count(*) FROM audit").fetchone()[0]
    finally:
        con.close()


def test_sigkill_during_campaign_changes_leaves_the_store_whole(tmp_path):
    path = store_path(tmp_path)
    CampaignStore(path)
    rng = random.Random(6)
    audited = 0
    for _round in range(4):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(ROOT)], stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        # Kill it at a random moment after its first change of this round (on a busy machine the
        # child may take a while to make one): waiting on the audit log, not on the clock.
        deadline = time.monotonic() + 60
        while audit_rows(path) <= audited and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.3))
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        count = check_whole(path)
        assert count > audited, "the child made changes before it was killed"
        audited = count
    store = CampaignStore(path)
    store.group(["after-kill"], name="After", who="test")
    assert check_whole(path) == audited + 1
