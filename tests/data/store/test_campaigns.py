"""The campaign store: grouping rules, audit, undo, names, and four processes writing at once."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import random
import sqlite3
import stat
import time

import pandas as pd
import pytest

from data.store.campaigns import CampaignError, CampaignStore, Rule, fold
from data.store.sqlite import store_path


@pytest.fixture
def store(tmp_path):
    return CampaignStore(store_path(tmp_path))


def membership(store):
    return dict(zip(store.members()["dispatch_id"], store.members()["campaign_id"]))


def test_group_names_members_and_audit(store):
    a = store.group(["d1", "d2", "d3"], name="Nowa kampania", who="local")
    b = store.group(["d4"], name="  Nowa   kampania ", who="local")
    names = dict(zip(store.campaigns()["id"], store.campaigns()["name"]))
    assert names == {a: "Nowa kampania", b: "Nowa kampania 2"}
    assert membership(store) == {"d1": a, "d2": a, "d3": a, "d4": b}
    log = store.audit()
    assert list(log["action"]) == ["group", "group"] and set(log["who"]) == {"local"}
    assert json.loads(log.iloc[0]["summary"]) == {"campaign": b, "name": "Nowa kampania 2", "dispatches": 1}


def test_a_dispatch_is_in_one_campaign_enforced_by_the_database(store):
    a = store.group(["d1"], name="A", who="t")
    b = store.group(["d2"], name="B", who="t")
    con = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("INSERT INTO members (dispatch_id, campaign_id, via_rule, added_at) VALUES ('d1', ?, 0, 'x')", (b,))
    con.close()
    with pytest.raises(CampaignError) as err:
        store.add(b, ["d1"], who="t")
    assert err.value.key == "campaign.error.would_move" and "d1 (A)" in err.value.values["dispatches"]
    assert membership(store) == {"d1": a, "d2": b}  # nothing changed
    store.add(b, ["d1"], who="t", move=True)
    assert membership(store) == {"d1": b, "d2": b}
    assert a not in set(store.campaigns()["id"])  # emptied by the move, so gone


def test_names_are_checked_and_stored_as_text(store):
    with pytest.raises(CampaignError):
        store.group(["d1"], name="   ", who="t")
    with pytest.raises(CampaignError):
        store.group(["d1"], name="x" * 121, who="t")
    cid = store.group(["d1"], name="<img src=x onerror=alert(1)>", who="t")
    store.rename(cid, name="x" * 120, description="<script>alert(1)</script>", who="t")
    row = store.campaigns().iloc[0]
    assert row["name"] == "x" * 120 and row["description"] == "<script>alert(1)</script>"


def test_unknown_ids_change_nothing(store):
    store.group(["d1"], name="A", who="t")
    before = (store.campaigns().to_dict(), membership(store), len(store.audit()))
    for change in (
        lambda: store.ungroup([999], who="t"),
        lambda: store.rename(999, name="X", who="t"),
        lambda: store.add(999, ["d2"], who="t"),
        lambda: store.remove(["nope"], who="t"),
    ):
        with pytest.raises(CampaignError):
            change()
    assert (store.campaigns().to_dict(), membership(store), len(store.audit())) == before


def test_ungroup_remove_and_undo_restore_exactly(store):
    a = store.group(["d1", "d2"], name="A", who="t")
    b = store.group(["d3", "d4"], name="B", who="t")
    snapshot = (store.campaigns().to_dict(), membership(store))
    store.ungroup([a, b], who="t")
    assert membership(store) == {} and store.campaigns().empty
    assert store.undo(who="t")["action"] == "ungroup"
    assert (store.campaigns().to_dict(), membership(store)) == snapshot
    store.remove(["d3"], who="t")
    assert membership(store) == {"d1": a, "d2": a, "d4": b}
    store.add(a, ["d4"], who="t", move=True)  # B emptied and gone
    assert store.undo(who="t")["action"] == "add"
    assert membership(store) == {"d1": a, "d2": a, "d4": b}
    assert store.undo(who="t")["action"] == "remove"
    assert (store.campaigns().to_dict(), membership(store)) == snapshot
    assert list(store.audit()["action"])[:4] == ["undo", "undo", "add", "remove"]


def test_rules_match_folded_text_and_dates(store):
    assert fold("Żółw ŁĄKA") == "zolw laka"
    dispatches = pd.DataFrame(
        {
            "dispatch_id": ["d1", "d2", "d3", "d4"],
            "name": ["Promocja żółw", "Inna", "ZOLW fala 2", "Żółw"],
            "description": ["", "o żółwiach: zolwie", None, ""],
            "sent_on": [dt.date(2026, 1, 5), dt.date(2026, 2, 1), dt.date(2026, 3, 1), dt.date(2025, 1, 1)],
        }
    )
    rule = Rule("zolw", dt.date(2026, 1, 1), None)
    assert list(rule.matches(dispatches)) == [True, True, True, False]
    cid = store.group(["d1"], name="Żółw", who="t", rule=rule)
    store.group(["d2"], name="Other", who="t")
    assert store.apply_rules(dispatches) == 1  # d3 joins; d2 is already elsewhere; d4 is too old
    members = store.members().set_index("dispatch_id")
    assert members.loc["d3", "campaign_id"] == cid and members.loc["d3", "via_rule"] == 1
    assert store.apply_rules(dispatches) == 0  # idempotent


def _worker(path: str, seed: int, ops: int, queue) -> None:
    store = CampaignStore(path)
    rng = random.Random(seed)
    done = failed = 0
    for _ in range(ops):
        try:
            action = rng.choice(["group", "group", "ungroup", "add", "remove"])
            ids = [f"d{rng.randrange(60)}" for _ in range(rng.randint(1, 4))]
            campaigns = list(store.campaigns()["id"])
            if action == "group":
                store.group(ids, name="Nowa kampania", who=f"w{seed}", move=True)
            elif action == "ungroup" and campaigns:
                store.ungroup([rng.choice(campaigns)], who=f"w{seed}")
            elif action == "add" and campaigns:
                store.add(rng.choice(campaigns), ids, who=f"w{seed}", move=True)
            elif action == "remove":
                members = list(store.members()["dispatch_id"])
                if members:
                    store.remove([rng.choice(members)], who=f"w{seed}")
            done += 1
        except CampaignError:
            failed += 1  # a campaign another process just dissolved: refused cleanly, nothing changed
    queue.put((done, failed, store.retries))


@pytest.mark.slow
def test_four_processes_500_operations_each_keep_every_invariant(tmp_path):
    path = store_path(tmp_path)
    CampaignStore(path)
    queue = mp.get_context("fork").Queue()
    started = time.perf_counter()
    workers = [mp.get_context("fork").Process(target=_worker, args=(str(path), seed, 500, queue)) for seed in range(4)]
    for w in workers:
        w.start()
    results = [queue.get(timeout=300) for _ in workers]
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    seconds = time.perf_counter() - started
    con = sqlite3.connect(path)
    # Every membership points at an existing campaign, no campaign is empty, names are unique.
    assert (
        con.execute(
            "SELECT count(*) FROM members m LEFT JOIN campaigns c ON c.id = m.campaign_id WHERE c.id IS NULL"
        ).fetchone()[0]
        == 0
    )
    assert (
        con.execute("SELECT count(*) FROM campaigns WHERE id NOT IN (SELECT campaign_id FROM members)").fetchone()[0]
        == 0
    )
    assert con.execute("SELECT count(*) - count(DISTINCT name) FROM campaigns").fetchone()[0] == 0
    # Every committed change is in the audit log, and replaying the log's "after" states gives today's membership.
    changes = sum(r[0] for r in results)
    logged = con.execute("SELECT count(*) FROM audit").fetchone()[0]
    assert logged <= changes and logged > 0
    members = {}
    for after_json, before_json in con.execute("SELECT after, before FROM audit ORDER BY id"):
        before, after = json.loads(before_json), json.loads(after_json)
        for m in before["members"]:
            members.pop(m["dispatch_id"], None)
        for m in after["members"]:
            members[m["dispatch_id"]] = m["campaign_id"]
    assert members == dict(con.execute("SELECT dispatch_id, campaign_id FROM members").fetchall())
    con.close()
    print(
        f"\n4 processes x 500 operations: {changes} changes, {sum(r[1] for r in results)} refused, "
        f"{sum(r[2] for r in results)} busy retries, {seconds:.1f} s"
    )


def test_store_files_are_readable_by_their_owner_only(tmp_path):
    """The store holds password hashes: new files are 0600, an older 0644 store is narrowed when opened."""
    path = store_path(tmp_path)
    store = CampaignStore(path)
    store.group(["d1"], name="Jesień", who="t")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if extra.exists():
            assert stat.S_IMODE(extra.stat().st_mode) == 0o600
    path.chmod(0o644)
    again = CampaignStore(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(again.campaigns()["name"]) == ["Jesień"]
    path.chmod(0o444)  # made read-only on purpose: it stays read-only for its owner
    CampaignStore(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o400
