"""Find one message over HTTP, as the browser sends it: full numbers for analysts, masked for viewers,
and every search on the access record with the number masked."""

from __future__ import annotations

import json

from data.pii import mask_msisdn
from layouts.ids import Search
from tests import test_access
from tests.test_access import FULL_NUMBER, callback_body, csrf, last_audit, login

# The access tests' users (vera, anna, adam) over the demo lake, with their own store and access record.
access_dir, app, store = test_access.access_dir, test_access.app, test_access.store


def searched(app, client, text: str, lang: str = "en") -> dict:
    """Posts a search as the page does (Enter in the box) and returns the callback's answer."""
    body = callback_body(
        app,
        f"{Search.MODAL}.is_open",
        {f"{Search.TEXT}.value": text, f"{Search.TEXT}.n_submit": 1, "shell-lang.data": lang},
        f"{Search.TEXT}.n_submit",
    )
    response = client.post("/_dash-update-component", json=body, headers=csrf(client))
    assert response.status_code == 200, response.text
    return response.json["response"]


def test_a_viewer_gets_masked_numbers_and_the_search_is_on_record(app, store, frames):
    number = frames["messages"]["msisdn"].value_counts().index[0]
    count = int((frames["messages"]["msisdn"] == number).sum())
    client = login(app, "vera")
    answer = json.dumps(searched(app, client, number.removeprefix("+48")))
    assert mask_msisdn(number) in answer and f"Messages found: {count}" in answer
    assert not FULL_NUMBER.search(answer)
    row = last_audit(store, "search")
    assert (row["who"], row["role"], row["outcome"], row["rows"]) == ("vera", "viewer", "ok", count)
    assert json.loads(row["filter"]) == {"number": mask_msisdn(number), "by": "number"}
    assert number not in row.to_json() and number.removeprefix("+48") not in row.to_json()


def test_an_analyst_sees_full_numbers_and_the_record_still_masks_them(app, store, frames):
    number = frames["messages"]["msisdn"].value_counts().index[1]
    client = login(app, "anna")
    answer = json.dumps(searched(app, client, number, lang="pl"))
    assert number in answer and "Znalezione wiadomo" in answer
    row = last_audit(store, "search")
    assert (row["who"], row["role"]) == ("anna", "analyst")
    assert json.loads(row["filter"])["number"] == mask_msisdn(number) and number not in row.to_json()


def test_searches_by_id_and_bad_input_are_on_record_too(app, store, frames):
    client = login(app, "adam")
    message_id = frames["messages"]["message_id"].iloc[42]
    assert message_id in json.dumps(searched(app, client, message_id))
    row = last_audit(store, "search")
    assert json.loads(row["filter"]) == {"message_id": message_id, "by": "id"} and row["rows"] == 1
    answer = json.dumps(searched(app, client, "Jan Kowalski 600"))
    assert "neither a phone number nor a message id" in answer
    row = last_audit(store, "search")
    assert (row["outcome"], row["filter"], row["detail"]) == ("invalid", "", "search.error.bad")
