"""A report page drawn as its link asks, and the link written from what the page's controls hold."""

from __future__ import annotations

import datetime as dt

from callbacks import shell as shell_cb
from callbacks import view_state
from callbacks.view_query import SMS, TRX, View, build, parse
from layouts.ids import Camp, Sms, Trx, view_query
from layouts.ids import View as ViewIds


def components(tree) -> dict:
    """Returns the components of a page by id (dict ids as their JSON-like str)."""
    return {str(node.id): node for node in tree._traverse_ids()}


def sort_of(grid) -> dict[str, str]:
    return {c.get("field"): c["sort"] for c in grid.columnDefs if c.get("sort")}


def test_the_sms_page_is_drawn_as_its_link_asks(ctx):
    search = "?period=6m&q=Black&since=2026-11-01&per=campaign&grain=week&open=3&open=9&sort=name&dispatch=12"
    _nav, page = shell_cb.render(ctx, "/", "en", {"preset": "1m"}, None, search)
    found = components(page)
    assert found[Sms.PERIOD_PRESET].value == "6m"  # the link's period, not the session's
    assert found[Camp.FILTER_TEXT].value == "Black" and found[Camp.FILTER_PANEL].is_open
    assert found[Camp.FILTER_RANGE].start_date == "2026-11-01" and found[Camp.FILTER_RANGE].end_date is None
    assert found[Camp.PER_CAMPAIGN].value is True
    assert (found[Sms.TREND_GRAIN].value, found[Sms.TREND_GRAIN].persistence) == ("week", False)
    assert (found[Camp.EXPANDED].data, found[Camp.EXPANDED].storage_type) == ([3, 9], "memory")
    assert sort_of(found[Sms.GRID]) == {"name": "asc"}
    assert found[ViewIds.SMS_DETAIL_ASKED].data == {"dispatch": 12} == found[ViewIds.SMS_DETAIL].data
    assert found[str(view_query(SMS))].data["drawn"] == "/" + search
    assert ViewIds.NOTICE in found and not found[ViewIds.NOTICE].children  # nothing ignored: no notice
    assert ViewIds.COPY_DIALOG in found  # the dialog covers the page's own button


def test_a_bare_address_draws_the_page_as_before(ctx):
    _nav, page = shell_cb.render(ctx, "/", "en", {"preset": "3m"}, None, "")
    found = components(page)
    assert found[Sms.PERIOD_PRESET].value == "3m"  # the period kept in the session
    assert found[Sms.TREND_GRAIN].persistence is True and found[Camp.EXPANDED].storage_type == "session"
    assert sort_of(found[Sms.GRID]) == {"sent_at": "desc"}


def test_a_hostile_link_draws_the_page_with_a_notice(ctx):
    search = "?period=6m&sort=<script>&open=1&open=x&q=%00&dispatch=1&campaign=2&" + "x" * 300 + "=1"
    _nav, page = shell_cb.render(ctx, "/", "en", None, None, search)
    found = components(page)
    notice = str(found[ViewIds.NOTICE].children)
    assert "could not be read" in notice and all(k in notice for k in ("sort", "open", "q", "dispatch"))
    assert "x" * 41 not in notice  # an unknown name is shown cut short
    assert found[Sms.PERIOD_PRESET].value == "6m" and sort_of(found[Sms.GRID]) == {"sent_at": "desc"}
    assert found[ViewIds.SMS_DETAIL_ASKED].data is None
    _nav, page = shell_cb.render(ctx, "/transactional", "pl", None, None, "?" + "open=none&" * 3000)
    assert "cały link" in str(components(page)[ViewIds.NOTICE].children)


def test_the_transactional_page_is_drawn_as_its_link_asks(ctx):
    search = "?period=all&source=api&q=promo&open=none&open=label%3Aa%26b&sort=-ctr"
    _nav, page = shell_cb.render(ctx, "/transactional", "en", None, None, search)
    found = components(page)
    assert found[Trx.PERIOD_PRESET].value == "all" and found[Trx.FILTER_SOURCE].value == "api"
    assert found[Trx.FILTER_TEXT].value == "promo" and found[Trx.OPEN].data == ["none", "label:a&b"]
    assert sort_of(found[Trx.GRID]) == {"ctr": "desc"}


def test_the_link_is_written_from_what_the_controls_hold():
    state = [
        {"colId": "name", "sort": None},
        {"colId": "sent", "sort": "desc", "sortIndex": 0},
        {"colId": "ctr", "sort": "asc", "sortIndex": 1},
    ]
    view = view_state.sms_view(
        preset="custom",
        start="2026-11-01",
        end="2026-11-30T00:00:00",
        text="  Black\x00 Friday ",
        since="2026-11-02",
        until="nonsense",
        per_campaign=True,
        column_state=state,
        grain="week",
        expanded=[3, 3, "4", True, 5],
        detail={"campaign": 7},
    )
    assert view == View(
        page=SMS,
        preset="custom",
        start=dt.date(2026, 11, 1),
        end=dt.date(2026, 11, 30),
        grain="week",
        text="Black Friday",
        sort="-sent",
        since=dt.date(2026, 11, 2),
        per_campaign=True,
        expanded=(3, 5),
        campaign=7,
    )
    assert parse(build(view), SMS) == (view, [])
    # Whatever a forged request sends is a valid view still.
    junk = view_state.sms_view(preset=["1m"], start=5, text={"a": 1}, column_state="x", grain="hour", detail=[1])
    assert junk == View(page=SMS) and build(junk) == ""
    # The grid not drawn yet: the sort it is drawn with; drawn without a sort: "none".
    assert view_state.grid_sort(None, ["name"], "name") == "name"
    assert view_state.grid_sort([{"colId": "name"}], ["name"], "name") == "none"
    custom_pending = view_state.sms_view(preset="custom", start="2026-11-01")
    assert build(custom_pending) == "?period=custom"
    keys = ["none", "label:", "label:ok", "bad", "label:" + "x" * 300, *[f"label:{i}" for i in range(30)]]
    trx = view_state.trx_view(
        preset="all", source="sms", open_keys=keys, column_state=[{"colId": "ctr", "sort": "asc"}]
    )
    assert trx.source is None and trx.sort == "ctr" and len(trx.open_rows) == 20 and trx.open_rows[-1] == "label:29"
    assert parse(build(trx), TRX) == (trx, [])


def test_a_page_s_first_write_replaces_the_address_and_the_next_ones_add_entries():
    drawn = {"search": None, "sort": "name", "drawn": "/?sort=name"}
    first = view_state.written(View(page=SMS, preset="1m", sort="name"), drawn, triggered=False)
    assert first == {"search": "?period=1m&sort=name", "initial": True, "sort": "name", "drawn": "/?sort=name"}
    assert view_state.written(View(page=SMS, preset="3m"), first, triggered=True)["initial"] is False


class _Account:
    """A PageContext as far as saved views ask: whose request, whether they are an admin, the access log."""

    def __init__(self, data_dir, name: str, admin: bool):
        from types import SimpleNamespace

        self.config = SimpleNamespace(data_dir=data_dir, store_timeout_s=5.0)
        self.name, self.admin, self.records = name, admin, []

    def account_view(self) -> dict:
        return {"name": self.name, "admin": self.admin}

    def can(self, capability: str) -> bool:
        return self.admin and capability == "users"

    def record(self, action: str, **values) -> None:
        self.records.append((action, values))


def test_a_user_removes_their_own_saved_views_and_an_admin_shared_ones_too(tmp_path):
    from data.store.sqlite import store_path
    from data.store.views import ViewStore

    views = ViewStore(store_path(tmp_path))
    mine = views.save("vera", "Mine", "sms", "?period=3m")
    shared = views.save("adam", "For all", "sms", "?period=all", shared=True)
    other = views.save("anna", "Anna's", "sms", "?period=1m")
    vera, adam = _Account(tmp_path, "vera", False), _Account(tmp_path, "adam", True)

    # The menu offers to remove what each may remove: a user their own, an admin the shared ones too.
    removable = lambda acc: {e["name"] for e in view_state.saved_entries(acc, SMS, acc.name) if e["removable"]}  # noqa: E731
    assert removable(vera) == {"Mine"} and removable(adam) == {"For all"}
    entries = str(view_state.view_menu.menu_items("en", view_state.saved_entries(vera, SMS, "vera")))
    assert "Remove \u201cMine\u201d" in entries and "Remove \u201cFor all\u201d" not in entries

    # Checked on the server: a forged click on a view the user may not remove changes nothing.
    message, menu = view_state.remove_view(vera, view_id=shared.id, path="/", lang="en")
    assert message.startswith("You can remove only your own views") and menu is view_state.no_update
    message, _menu = view_state.remove_view(vera, view_id=other.id, path="/", lang="en")  # not even seen
    assert message == "That saved view is not there any more."
    assert message == view_state.remove_view(vera, view_id="1; DROP", path="/", lang="en")[0]
    assert {v.id for v in views.list()} == {mine.id, shared.id, other.id} and vera.records == []

    message, menu = view_state.remove_view(vera, view_id=mine.id, path="/", lang="pl")
    assert message == "Usunięto widok \u201eMine\u201d." and "Mine" not in str(menu)
    assert vera.records == [
        ("view.remove", {"outcome": "ok", "target": "/", "filter": {"name": "Mine", "shared": False}})
    ]
    message, _menu = view_state.remove_view(adam, view_id=shared.id, path="/", lang="en")
    assert message == "View \u201cFor all\u201d removed." and adam.records[0][1]["filter"]["shared"] is True
    assert [v.name for v in views.list()] == ["Anna's"]
