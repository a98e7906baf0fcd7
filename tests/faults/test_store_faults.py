"""Faults in the campaign store: locked by another process, or read-only.

A campaign change then ends in a readable message (nothing changed), and the pages
still render with the campaigns as they are.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import pytest

from callbacks import campaigns as camp_cb
from callbacks import sms as sms_cb
from data.store import sqlite as sqlite_module
from data.store.campaigns import CampaignStore
from data.store.sqlite import store_path
from tests.callbacks.test_sms import texts
from tests.conftest import UNTIL
from web.context import AppContext

pytestmark = pytest.mark.slow

START = "2020-01-01"


def _selection(ctx: AppContext, n: int = 2) -> list[dict]:
    out = sms_cb.report(ctx, preset="custom", start=START, end=UNTIL.isoformat(), lang="en")
    return [r for r in out["rows"] if r.get("kind") == "dispatch"][:n]


def _page_renders(ctx: AppContext) -> None:
    out = sms_cb.report(ctx, preset="custom", start=START, end=UNTIL.isoformat(), lang="en")
    assert out["kpis"] is not None and out["rows"] and out["alert"] is None, texts(out["alert"])


@pytest.fixture
def ctx(copy_config) -> AppContext:
    context = AppContext.create(copy_config)
    context.store.group(["seed-dispatch"], name="Existing", who="test")  # one campaign before the fault
    return context


def test_locked_store(ctx, copy_config):
    path = store_path(copy_config.data_dir)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import sqlite3, sys, time
        con = sqlite3.connect({str(path)!r}, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        con.execute("UPDATE campaigns SET description = 'held' WHERE 0")
        print("locked", flush=True)
        sys.stdin.read()
    """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        ctx._store = CampaignStore(path, timeout_s=0.5)  # the app waits 30 s; the test need not
        before = ctx.store.campaigns()
        selected = _selection(ctx)
        result = camp_cb.grouping_action(ctx, action="group", lang="en", selected=selected)
        message = " ".join(texts(result["message"]))
        assert "being changed by someone else" in message and not result["changed"]
        pl = camp_cb.grouping_action(
            ctx, action="ungroup", lang="pl", selected=[{"kind": "campaign", "campaign_id": int(before["id"][0])}]
        )
        assert "Spróbuj ponownie" in " ".join(texts(pl["message"]))
        _page_renders(ctx)
        assert ctx.store.campaigns().equals(before)
    finally:
        holder.stdin.close()
        holder.wait(10)
    result = camp_cb.grouping_action(ctx, action="group", lang="en", selected=_selection(ctx))
    assert result["changed"], "the lock is gone: the same change works"


def test_read_only_store(ctx, copy_config, monkeypatch):
    path = store_path(copy_config.data_dir)
    before = ctx.store.campaigns()
    real_connect = sqlite3.connect

    def read_only(target, *args, **kwargs):  # what a read-only mount or file gives (root ignores chmod)
        return real_connect(f"file:{target}?mode=ro", *args, uri=True, **kwargs)

    monkeypatch.setattr(sqlite_module.sqlite3, "connect", read_only)
    ctx._store = CampaignStore(path)  # a new process opening the store read-only
    selected = _selection(ctx)
    result = camp_cb.grouping_action(ctx, action="group", lang="en", selected=selected)
    assert "cannot be written" in " ".join(texts(result["message"])) and not result["changed"]
    renamed = camp_cb.rename_in_place(
        ctx,
        lang="en",
        changes=[
            {"colId": "name", "value": "New name", "data": {"kind": "campaign", "campaign_id": int(before["id"][0])}}
        ],
    )
    assert "cannot be written" in " ".join(texts(renamed["message"]))
    _page_renders(ctx)
    assert ctx.store.campaigns().equals(before)
