"""A link's view and saved views over HTTP: the log-in leads back to the whole link, only an admin shares a
view, and a callback request naming outputs that are not its callback's is bad input."""

from __future__ import annotations

import re
from urllib.parse import unquote

from callbacks.view_query import SMS
from data.store.sqlite import store_path
from data.store.views import ViewStore
from layouts.ids import View
from tests.test_access import (  # noqa: F401 - fixtures
    PASSWORD,
    access_dir,
    app,
    callback_body,
    csrf,
    last_audit,
    login,
    store,
)


def test_the_log_in_leads_back_to_the_whole_link(app):  # noqa: F811
    link = "/?period=3m&sort=name&open=3&q=Black"
    client = app.server.test_client()
    response = client.get(link)
    assert response.status_code == 302
    target = response.headers["Location"]
    assert target.startswith("/login?next=") and unquote(target.split("next=", 1)[1]) == link
    page = client.get(target).text
    hidden = re.search(r'name="next" value="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert hidden == link
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"name": "vera", "password": PASSWORD, "csrf_token": token, "next": hidden})
    assert response.status_code == 302 and response.headers["Location"] == link


def _save(client, app, name: str, share: bool, search: str):  # noqa: F811
    values = {
        f"{View.SAVE}.n_clicks": 1,
        f"{View.NAME}.value": name,
        f"{View.SHARE}.value": share,
        "shell-url.pathname": "/",
        "shell-url.search": search,
        "shell-lang.data": "en",
    }
    body = callback_body(app, f"{View.MESSAGE}.children", values, f"{View.SAVE}.n_clicks")
    response = client.post("/_dash-update-component", json=body, headers=csrf(client))
    assert response.status_code == 200, response.text
    return response.text


def test_each_user_saves_their_views_and_only_an_admin_shares(app, access_dir, store):  # noqa: F811
    viewer, admin = login(app, "vera"), login(app, "adam")
    assert "Saved as" in _save(viewer, app, "Mine", True, "?period=3m&sort=%3Cscript%3E")  # asks to share: cannot
    assert "shared with everyone" in _save(admin, app, "For all", True, "?period=all")
    saved = last_audit(store, "view.save")
    assert saved["who"] == "adam" and "For all" in saved["filter"]  # on the access record, as every change
    assert "Give the view a name" in _save(viewer, app, "   ", False, "?period=all")
    views = ViewStore(store_path(access_dir))
    vera = {v.name: v for v in views.visible("vera", SMS)}
    assert set(vera) == {"Mine", "For all"}
    assert vera["Mine"].query == "?period=3m" and not vera["Mine"].shared  # what the link could not say: left out
    assert vera["For all"].shared and vera["For all"].owner == "adam"
    assert [v.name for v in views.visible("anna", SMS)] == ["For all"]


def test_a_request_naming_other_outputs_is_bad_input(app):  # noqa: F811
    client = login(app, "vera")
    body = callback_body(app, f"{View.MESSAGE}.children", {f"{View.SAVE}.n_clicks": 1}, f"{View.SAVE}.n_clicks")
    body["outputs"] = [{"id": "shell-page", "property": "children"}, {"id": View.MENU, "property": "children"}]
    response = client.post("/_dash-update-component", json=body, headers=csrf(client))
    assert response.status_code == 400


def test_a_saved_view_is_removed_from_the_menu_over_http_on_the_access_record(app, access_dir, store):  # noqa: F811
    import json

    from layouts.ids import Shell

    saved = ViewStore(store_path(access_dir)).save("vera", "Mine", SMS, "?period=3m")
    vera = login(app, "vera")
    values = {f"{Shell.URL}.pathname": "/", f"{Shell.LANG}.data": "en"}
    body = callback_body(app, f"{View.REMOVED}.children", values, "")
    button = {"id": {"type": View.REMOVE, "index": saved.id}, "property": "n_clicks", "value": 1}
    body["inputs"] = [[button]]
    body["changedPropIds"] = [json.dumps({"index": saved.id, "type": View.REMOVE}, separators=(",", ":")) + ".n_clicks"]
    response = vera.post("/_dash-update-component", json=body, headers=csrf(vera))
    assert response.status_code == 200, response.text
    assert response.json["response"][View.REMOVED]["children"] == "View \u201cMine\u201d removed."
    assert saved.id not in {v.id for v in ViewStore(store_path(access_dir)).list()}
    row = last_audit(store, "view.remove")
    assert row["who"] == "vera" and "Mine" in row["filter"]
