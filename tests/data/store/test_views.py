"""Saved views: a user's own and the shared ones, one name per owner and page, nothing malformed kept; and
`views list` on the command line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli import cli
from data.store.sqlite import store_path
from data.store.views import MAX_NAME, ViewError, ViewStore


def test_a_user_sees_their_own_views_and_the_shared_ones(tmp_path):
    store = ViewStore(store_path(tmp_path))
    mine = store.save("ania", "Black Friday", "sms", "?period=3m&q=BF")
    store.save("ania", "API only", "transactional", "?source=api")
    shared = store.save("root", "Last quarter", "sms", "?period=3m", shared=True)
    store.save("bolek", "Private", "sms", "?period=all")
    assert [v.name for v in store.visible("ania", "sms")] == ["Black Friday", "Last quarter"]
    assert [v.name for v in store.visible("ANIA")] == ["API only", "Black Friday", "Last quarter"]  # names: no case
    assert [v.name for v in store.visible("bolek", "sms")] == ["Last quarter", "Private"]
    again = store.save("ania", "Black Friday", "sms", "?period=6m")  # the same name: replaced, not doubled
    assert again.id == mine.id and [v.query for v in store.visible("ania", "sms")][0] == "?period=6m"
    assert shared.shared and not again.shared
    assert not store.remove(shared.id, owner="ania") and store.remove(shared.id)
    assert [v.name for v in store.visible("bolek", "sms")] == ["Private"]


@pytest.mark.parametrize(
    ("name", "page", "query", "key"),
    [
        ("  ", "sms", "", "views.error.name_missing"),
        ("x" * (MAX_NAME + 1), "sms", "", "views.error.name_bad"),
        ("a\nb", "sms", "", "views.error.name_bad"),
        ("ok", "admin", "", "views.error.bad_view"),
        ("ok", "sms", "?" + "q" * 5000, "views.error.bad_view"),
    ],
)
def test_a_malformed_view_is_refused_and_nothing_kept(tmp_path, name, page, query, key):
    store = ViewStore(store_path(tmp_path))
    with pytest.raises(ViewError) as caught:
        store.save("ania", name, page, query)
    assert caught.value.key == key and store.list() == []


def test_views_list_prints_each_view_with_its_address(tmp_path, monkeypatch):
    monkeypatch.setenv("SMSREPORTS_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(cli, ["views", "list"]).output.strip() == "no saved views"
    store = ViewStore(store_path(tmp_path))
    store.save("ania", "BF", "sms", "?period=3m&q=BF")
    store.save("root", "API", "transactional", "?source=api", shared=True)
    store.save("bolek", "Mine", "sms", "")
    out = runner.invoke(cli, ["views", "list"])
    assert out.exit_code == 0
    lines = [line.split("\t") for line in out.output.strip().splitlines()]
    assert lines[0] == ["id", "owner", "page", "shared", "name", "address"]
    assert [(r[1], r[4], r[5]) for r in lines[1:]] == [
        ("ania", "BF", "/?period=3m&q=BF"),
        ("bolek", "Mine", "/"),
        ("root", "API", "/transactional?source=api"),
    ]
    out = runner.invoke(cli, ["views", "list", "--user", "ania"])
    assert [line.split("\t")[4] for line in out.output.strip().splitlines()[1:]] == ["API", "BF"]
    out = runner.invoke(cli, ["views", "remove", lines[1][0]])
    assert out.exit_code == 0 and [v.name for v in store.list()] == ["Mine", "API"]
    out = runner.invoke(cli, ["views", "remove", lines[1][0]])
    assert out.exit_code == 2 and "no saved view" in out.output
