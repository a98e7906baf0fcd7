"""Bad input at every entry: hypothesis-made values for every server callback's inputs and every
export route's parameters, sent over HTTP (Flask's test client) as a browser or a forged request
would. None may answer 500 or show a traceback, and none but the grouping actions may change a
row of the campaign store (those must leave it whole).

The callbacks are read from the app's own callback map, so callbacks added later are fuzzed too.
"""

from __future__ import annotations

import json
import sqlite3
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from bench.run import payload
from config import Config
from tests.conftest import TZ
from tests.faults.conftest import copy_data

pytestmark = pytest.mark.slow

EXAMPLES = 20  # per callback and per route (~40 s in all)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)

NASTY = [
    "",
    " ",
    "0",
    "-1",
    "1e309",
    "9" * 40,
    "NaN",
    "null",
    "true",
    "[]",
    "{}",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "9999-12-31",
    "1900-01-01",
    "2026-11-20T25:00",
    "20261120",
    "yesterday",
    "1m",
    "all",
    "custom",
    "12m",
    "pl",
    "en",
    "de",
    "PL",
    "xx-YY",
    "'; DROP TABLE campaigns; --",
    "1 OR 1=1",
    '" OR ""="',
    "$start",
    "?",
    "%",
    "_",
    "\\",
    "month=2026-11",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "{{7*7}}",
    "${7*7}",
    "../../etc/passwd",
    "\x00",
    "\r\n",
    "Żółć gęślą jaźń",
    "测试",
    "🙂" * 10,
    "\u202e",
    "label:",
    "label:x",
    "none",
    "c1",
    "c-1",
    "c999999999999",
    "delivered",
    "not_delivered",
    "pending",
    "expired_validity",
    "asc",
    "desc",
    "sent",
    "number",
    "details",
    "toggle",
    "dispatch",
    "campaign",
    "x" * 10_000,
]
text = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))
number = st.one_of(st.integers(-(2**63), 2**63), st.integers(-3, 3), st.floats(allow_nan=False, allow_infinity=False))
scalar = st.one_of(st.none(), st.booleans(), number, text)
row = st.fixed_dictionaries(
    {},
    optional={
        "colId": st.one_of(text, st.sampled_from(["details", "toggle", "name", "message_text", "sent"])),
        "rowId": st.one_of(text, st.sampled_from(["1", "2", "c1", "c2", "c0"]), number),
        "sort": st.one_of(st.sampled_from(["asc", "desc", None]), text),
        "sortIndex": st.one_of(number, st.none()),
        "value": scalar,
        "kind": st.sampled_from(["dispatch", "campaign", "x"]),
        "campaign_id": scalar,
        "dispatch_id": text,
        "number": scalar,
        "data": st.fixed_dictionaries(
            {}, optional={"kind": st.sampled_from(["dispatch", "campaign"]), "campaign_id": scalar, "dispatch_id": text}
        ),
    },
)
value = st.one_of(scalar, row, st.lists(row, max_size=3), st.lists(scalar, max_size=3))

ROUTE_KEYS = [
    "from",
    "to",
    "lang",
    "q",
    "since",
    "until",
    "sort",
    "desc",
    "per",
    "source",
    "campaign",
    "dispatch",
    "status",
    "reason",
]
ROUTES = [
    "/export/dispatches.{fmt}",
    "/export/transactional.{fmt}",
    "/export/transactional-messages.csv",
    "/export/numbers.{fmt}",
]
FORMATS = ["csv", "csv", "csv", "xml", "xml", "docx", "pdf", "csv%00", "..%2f"]


@pytest.fixture(scope="module")
def fuzz_app(demo_dir, tmp_path_factory):
    data_dir = copy_data(demo_dir, tmp_path_factory.mktemp("fuzz") / "data")
    app = create_app(Config(data_dir=data_dir, timezone=TZ, local_mode=True))
    from data.store.campaigns import CampaignStore
    from data.store.sqlite import store_path

    path = store_path(data_dir)
    store = CampaignStore(path)
    store.group(["fuzz-a", "fuzz-b"], name="Fuzzed", who="test")
    client = app.server.test_client()
    page = client.get("/")
    assert page.status_code == 200
    token = client.get_cookie("_csrf_token")
    headers = {"X-CSRFToken": token.value} if token is not None else {}
    return app, client, headers, path


def _rows(path) -> list:
    con = sqlite3.connect(path)
    try:
        return [
            con.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() for table in ("campaigns", "members", "audit")
        ]
    finally:
        con.close()


def _check(response) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code != 500, body[:500]
    assert "Traceback" not in body, body[:500]


def _server_callbacks(app) -> list[tuple[str, dict]]:
    out = []
    for key, cb in app.callback_map.items():
        if cb.get("callback") is None:  # clientside: the server never runs it
            continue
        outputs = [o.strip(".") for o in key.strip(".").split("...")]
        spec = {
            "output": key,
            "inputs": cb["inputs"],
            "state": cb["state"],
            "outputs": [{"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1].split("@")[0]} for o in outputs],
        }
        out.append((key, spec))
    return out


def _callback_ids() -> list[str]:
    import shutil
    import tempfile
    from pathlib import Path

    scratch = Path(tempfile.mkdtemp(prefix="fuzz-ids-"))
    try:
        return [key for key, _spec in _server_callbacks(create_app(Config(data_dir=scratch, timezone=TZ)))]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.mark.parametrize("key", _callback_ids(), ids=lambda key: key.strip(".").split("...")[0].split("@")[0])
def test_callbacks_take_any_input(fuzz_app, frames, key):
    app, client, headers, store_path = fuzz_app
    spec = dict(_server_callbacks(app))[key]
    names = [f"{i['id']}.{i['property']}" for i in spec["inputs"] + spec["state"]]
    mutating = any(o["id"] == "camp-changes" for o in spec["outputs"])
    known = {"fuzz-a", "fuzz-b"} | set(frames["dispatches"]["dispatch_id"])
    statuses = set()

    @FUZZ
    @given(
        values=st.fixed_dictionaries({n: value for n in names}),
        changed=st.sets(
            st.sampled_from([f"{i['id']}.{i['property']}" for i in spec["inputs"]]), min_size=1, max_size=2
        ),
    )
    def run(values, changed):
        before = _rows(store_path)
        body = payload(spec, values, sorted(changed))
        response = client.post(
            "/_dash-update-component", data=json.dumps(body), headers=headers, content_type="application/json"
        )
        _check(response)
        statuses.add(response.status_code)
        if not mutating:
            assert _rows(store_path) == before, f"{key} changed the campaign store"
        else:  # the grouping actions: the store stays whole, and holds only dispatches that exist
            con = sqlite3.connect(store_path)
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            members = {r[0] for r in con.execute("SELECT dispatch_id FROM members")}
            con.close()
            assert members <= known, f"made-up dispatches grouped: {sorted(members - known)[:5]}"

    run()
    assert statuses & {200, 204}, f"no request reached the callback: {statuses}"


@pytest.mark.parametrize("route", ROUTES)
def test_routes_take_any_parameter(fuzz_app, route):
    _app, client, headers, store_path = fuzz_app
    before = _rows(store_path)

    @FUZZ
    @given(params=st.dictionaries(st.sampled_from(ROUTE_KEYS), text, max_size=6), fmt=st.sampled_from(FORMATS))
    def run(params, fmt):
        url = route.format(fmt=fmt) + "?" + urlencode(params)
        _check(client.get(url, headers=headers))

    run()
    assert _rows(store_path) == before


def test_malformed_callback_requests(fuzz_app):
    """Forged requests that are not even shaped like a callback: a client error, never a 500."""
    _app, client, headers, _store = fuzz_app
    bodies = [
        "",
        "not json",
        "[]",
        "{}",
        '{"output": 1}',
        '{"output": "sms-kpis.children", "inputs": "x"}',
        '{"output": "nope.children", "outputs": {"id": "nope", "property": "children"}, "inputs": [], '
        '"changedPropIds": []}',
        json.dumps({"output": "x" * 100_000}),
    ]
    for body in bodies:
        _check(client.post("/_dash-update-component", data=body, headers=headers, content_type="application/json"))
