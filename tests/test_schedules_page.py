"""The Scheduled reports page over HTTP (Flask test client): analysts and admins add, list and remove
schedules, each change on the access log; viewers neither see the link nor may call its callbacks."""

from __future__ import annotations

import json

from callbacks.shell import render
from data.store.schedules import ScheduleStore
from data.store.sqlite import store_path
from data.store.views import ViewStore
from layouts import shell
from layouts.ids import Sched, Shell
from tests.test_access import access_dir, app, callback_body, csrf, last_audit, login, store  # noqa: F401 - fixtures

FORM = {
    "sched-page.value": "transactional",
    "sched-formats.value": ["csv"],
    "sched-every.value": "monthly",
    "sched-day.value": "0",
    "sched-hour.value": "7",
    "sched-period.value": "last-month",
    "sched-to.value": "boss@example.com, cfo@example.org",
    "sched-lang.value": "en",
}


def _body(app, values: dict, changed: str, removes: list[dict] | None = None) -> dict:  # noqa: F811
    """The list callback's request as the renderer sends it (the remove buttons: an ALL pattern, a list)."""
    key = next(k for k in app.callback_map if f"{Sched.LIST}.children" in k)
    spec = app.callback_map[key]
    inputs = []
    for item in spec["inputs"]:
        if item["id"].startswith("{"):
            inputs.append(removes or [])
        else:
            inputs.append(
                {"id": item["id"], "property": item["property"], "value": values.get(item["id"] + ".n_clicks")}
            )
    state = [
        {"id": i["id"], "property": i["property"], "value": values.get(f"{i['id']}.{i['property']}")}
        for i in spec["state"]
    ]
    outputs = [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in key.strip(".").split("...")]
    return {"output": key, "outputs": outputs, "inputs": inputs, "state": state, "changedPropIds": [changed]}


def _post(client, app, values, changed, removes=None):  # noqa: F811
    response = client.post("/_dash-update-component", json=_body(app, values, changed, removes), headers=csrf(client))
    return response.status_code, (response.json["response"] if response.status_code == 200 else None)


def test_an_analyst_adds_lists_and_removes_a_schedule(app, store, access_dir):  # noqa: F811
    anna = login(app, "anna")
    status, out = _post(anna, app, {**FORM, "shell-lang.data": "en", "sched-add.n_clicks": 1}, "sched-add.n_clicks")
    assert status == 200
    (schedule,) = ScheduleStore(store_path(access_dir)).list()
    assert (schedule.page, schedule.formats, schedule.every, schedule.day, schedule.hour) == (
        "transactional",
        ("csv",),
        "monthly",
        0,
        7,
    )
    assert schedule.recipients == ("boss@example.com", "cfo@example.org") and schedule.owner == "anna"
    page = json.dumps(out)
    assert f"Schedule no. {schedule.id} added." in page
    assert "on the last day of the month at 07:00" in page and "boss@example.com, cfo@example.org" in page
    assert "not yet" in page and "Transactional campaigns" in page
    row = last_audit(store, "schedule")
    assert (row["who"], row["action"], row["target"]) == ("anna", "schedule.add", str(schedule.id))

    status, out = _post(
        anna,
        app,
        {**FORM, "sched-to.value": "boss@example.com, not-an-address", "shell-lang.data": "pl"},
        "sched-add.n_clicks",
    )
    assert "to nie jest adres e-mail: 'not-an-address'" in json.dumps(out, ensure_ascii=False)
    assert len(ScheduleStore(store_path(access_dir)).list()) == 1

    button = {"id": {"type": Sched.REMOVE, "index": schedule.id}, "property": "n_clicks", "value": 1}
    changed = json.dumps({"index": schedule.id, "type": Sched.REMOVE}, separators=(",", ":")) + ".n_clicks"
    status, out = _post(anna, app, {"shell-lang.data": "en"}, changed, [button])
    assert status == 200 and f"Schedule no. {schedule.id} removed." in json.dumps(out)
    assert ScheduleStore(store_path(access_dir)).list() == []
    assert last_audit(store, "schedule")["action"] == "schedule.remove"


def test_a_viewer_neither_sees_nor_calls_the_page(app, store, access_dir):  # noqa: F811
    vera = login(app, "vera")
    status, _ = _post(vera, app, {**FORM, "sched-add.n_clicks": 1}, "sched-add.n_clicks")
    assert status == 403 and ScheduleStore(store_path(access_dir)).list() == []
    viewer = {"role": "viewer", "name": "vera", "pages": {"/schedules": False}}
    navbar, page = render(None, "/schedules", "en", None, viewer)
    assert Shell.NAV_SCHEDULES not in _text(navbar) and "Scheduled reports" not in _text(navbar)
    assert _text(page) == _text(shell.forbidden("en", "/schedules"))
    analyst = {"role": "analyst", "name": "anna", "pages": {"/schedules": True}}
    assert "Raporty zaplanowane" in _text(shell.navbar("pl", "/", analyst))


def _text(component) -> str:
    """Returns a component tree as JSON text (ids and words), as the browser receives it."""
    import plotly.utils

    return json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)


def test_a_schedule_sends_a_saved_view_chosen_among_those_the_user_sees(app, store, access_dir):  # noqa: F811
    views = ViewStore(store_path(access_dir))
    own = views.save("anna", "Moje API", "transactional", "?source=api")
    shared = views.save("adam", "Dla wszystkich", "transactional", "?q=promo", shared=True)
    private = views.save("vera", "Prywatny", "transactional", "?source=test")
    views.save("anna", "SMS", "sms", "?sort=name")  # another page's: not offered
    anna = login(app, "anna")

    asked = {"sched-page.value": "transactional", "shell-lang.data": "en"}
    body = callback_body(app, f"{Sched.VIEW}.options", asked, f"{Sched.PAGE}.value")
    response = anna.post("/_dash-update-component", json=body, headers=csrf(anna))
    assert response.status_code == 200
    options = response.json["response"][Sched.VIEW]["options"]
    assert [(o["label"], o["value"]) for o in options] == [
        ("default view", "default"),
        ("Dla wszystkich", str(shared.id)),
        ("Moje API", str(own.id)),
    ]

    status, out = _post(
        anna, app, {**FORM, "sched-view.value": str(private.id), "shell-lang.data": "en"}, "sched-add.n_clicks"
    )
    assert "choose a saved view of the report's page that you can see" in json.dumps(out)
    assert ScheduleStore(store_path(access_dir)).list() == []  # a forged choice: nothing added

    status, out = _post(
        anna, app, {**FORM, "sched-view.value": str(own.id), "shell-lang.data": "en"}, "sched-add.n_clicks"
    )
    assert status == 200 and "view: Moje API" in json.dumps(out)
    views.remove(own.id)  # the schedule keeps what it was made with
    (schedule,) = ScheduleStore(store_path(access_dir)).list()
    assert (schedule.view_name, schedule.view_query) == ("Moje API", "?source=api")
