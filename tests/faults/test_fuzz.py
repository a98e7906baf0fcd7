"""Bad input at every entry: hypothesis-made requests to every server callback and every route of the app,
sent over HTTP (Flask's test client) as a browser or a forged request would, logged in (as an admin, an
analyst) or not. None may answer 5xx, none may put a traceback in the server's log (anyone could fill the
log with them), and none but the grouping and user actions may change the store (those must leave it whole).

The callbacks and the routes are read from the app itself (its callback map and URL map), so those added
later are fuzzed too. In all, well over 1,000 requests (test_enough_examples).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sqlite3
from urllib.parse import quote, urlencode

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import data.store.users
from app import create_app
from bench.run import payload
from config import Config
from data.store.sqlite import store_path
from data.store.users import UserStore
from tests.conftest import TZ
from tests.faults.conftest import copy_data

pytestmark = pytest.mark.slow

EXAMPLES = 45  # per server callback (16 of them today)
ROUTE_EXAMPLES = 300  # over every rule of the URL map
BODY_EXAMPLES = 150  # callback bodies of any shape
EXPORT_EXAMPLES = 30  # per download route, with parameters close to real ones
PASSWORD = "fuzz-password"


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
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
    "²",  # a digit to str.isdigit, not to int()
    "٣",
    "NaN",
    "null",
    "true",
    "[]",
    "{}",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "1900-01-01",
    "2101-01-01",
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
    "..%2f..%2fetc%2fpasswd",
    "\x00",
    "\r\n",
    "Żółć gęślą jaźń",
    "测试",
    "🙂" * 10,
    "\u202e",
    "\ud800",
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
    "role:admin",
    "disable",
    "end_sessions",
    "x" * 10_000,
]
text = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))
number = st.one_of(
    st.integers(-(2**63), 2**63), st.integers(-3, 3), st.floats(allow_nan=False, allow_infinity=False), st.just(10**40)
)
scalar = st.one_of(st.none(), st.booleans(), number, text)
row = st.fixed_dictionaries(
    {},
    optional={
        "colId": st.one_of(text, st.sampled_from(["details", "toggle", "name", "message_text", "sent"])),
        "rowId": st.one_of(text, st.sampled_from(["1", "2", "c1", "c2", "c0", "²"]), number),
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
        # what the grouping keeps while it asks to confirm a move (camp-pending), forged
        "action": st.sampled_from(["group", "add", "ungroup", "x"]),
        "ids": st.lists(st.sampled_from(["fuzz-a", "made-up-1", "made-up-2"]) | text, max_size=3),
        "name": text,
        "target": scalar,
        "rule": st.one_of(text, st.just('{"text": "x", "start": "9999-99-99"}'), st.just('{"text": "a"}')),
    },
)
json_value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4))
value = st.one_of(
    scalar,
    row,
    st.lists(row, max_size=3),
    st.lists(scalar, max_size=3),
    st.lists(st.sampled_from(["none", "label:x", "label:Black Friday"]) | text, min_size=18, max_size=40),
    json_value,
)

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
    "next",
    "name",
    "password",
    "csrf_token",
]
FORMATS = ["csv", "xml", "docx", "pdf", "csv%00", "..%2f"]


@pytest.fixture(scope="module")
def fuzz_data(demo_dir, tmp_path_factory):
    """The app over a copy of the demo lake with an admin, an analyst and a viewer (not local mode);
    returns (app, store path)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(data.store.users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        data_dir = copy_data(demo_dir, tmp_path_factory.mktemp("fuzz") / "data")
        users = UserStore(store_path(data_dir))
        for name, role in (("adam", "admin"), ("anna", "analyst"), ("vera", "viewer")):
            users.add(name, role=role, password=PASSWORD)
        app = create_app(Config(data_dir=data_dir, timezone=TZ))
        from data.store.campaigns import CampaignStore

        CampaignStore(store_path(data_dir)).group(["fuzz-a", "fuzz-b"], name="Fuzzed", who="test")
        yield app, store_path(data_dir)


@pytest.fixture
def fuzz_app(fuzz_data):
    """(app, {who: test client}, {who: CSRF headers}, store path), each test's clients logged in afresh (a
    fuzzed request may log one out): the admin adam, the analyst anna, and one with no session."""
    app, path = fuzz_data
    clients, headers = {"anonymous": app.server.test_client()}, {"anonymous": {}}
    for name in ("adam", "anna"):
        client = app.server.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        login = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
        assert login.status_code == 302 and client.get("/").status_code == 200
        clients[name], headers[name] = client, {"X-CSRFToken": client.get_cookie("_csrf_token").value}
    return app, clients, headers, path


@pytest.fixture
def server_log(caplog):
    """The server's log as the test runs (every logger, warnings and worse); `check()` asserts no traceback."""
    caplog.set_level(logging.WARNING)

    class Log:
        @staticmethod
        def check() -> None:
            for record in caplog.records:
                message = record.getMessage()
                assert not record.exc_info and "Traceback" not in message, message[:2000]

    return Log


def _rows(path) -> list:
    con = sqlite3.connect(path)
    try:
        return [
            con.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() for table in ("campaigns", "members", "audit")
        ]
    finally:
        con.close()


def _check(response) -> None:
    body = response.get_data().decode("utf-8", "replace")
    assert response.status_code < 500, body[:500]
    assert "Traceback" not in body, body[:500]
    assert response.headers.get("X-Content-Type-Options") == "nosniff", "security headers on every answer"


def _id(text: str) -> str | dict:
    """Returns a component id as the renderer sends it: a pattern-matching one as an object."""
    return json.loads(text) if text.startswith("{") else text


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
            "outputs": [{"id": _id(o.rsplit(".", 1)[0]), "property": o.rsplit(".", 1)[1]} for o in outputs],
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


CALLBACKS = _callback_ids()


def test_enough_examples():
    """CI's run sends well over a thousand made-up requests."""
    assert EXAMPLES * len(CALLBACKS) + ROUTE_EXAMPLES + BODY_EXAMPLES + EXPORT_EXAMPLES * len(EXPORTS) >= 1000


@pytest.mark.parametrize("key", CALLBACKS, ids=lambda key: key.strip(".").split("...")[0].split("@")[0])
def test_callbacks_take_any_input(fuzz_app, frames, server_log, key):
    app, clients, headers, path = fuzz_app
    spec = dict(_server_callbacks(app))[key]
    names = [f"{i['id']}.{i['property']}" for i in spec["inputs"] + spec["state"]]
    inputs = [f"{i['id']}.{i['property']}" for i in spec["inputs"]]
    mutating = any(o["id"] in ("camp-changes", "admin-users") for o in spec["outputs"])
    known = {"fuzz-a", "fuzz-b"} | set(frames["dispatches"]["dispatch_id"])
    statuses = set()

    @fuzz_settings(EXAMPLES)
    @given(
        values=st.fixed_dictionaries({n: value for n in names}),
        changed=st.one_of(
            st.sets(st.sampled_from(inputs), min_size=1, max_size=2).map(sorted),
            st.lists(st.sampled_from(names) | text, max_size=2),  # a State, or no id at all
        ),
    )
    def run(values, changed):
        before = _rows(path)
        body = payload(spec, values, changed)
        response = clients["adam"].post(
            "/_dash-update-component", data=json.dumps(body), headers=headers["adam"], content_type="application/json"
        )
        _check(response)
        server_log.check()
        statuses.add(response.status_code)
        if not mutating:
            assert _rows(path) == before, f"{key} changed the campaign store"
        else:  # the grouping actions: the store stays whole, and holds only dispatches that exist
            con = sqlite3.connect(path)
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            members = {r[0] for r in con.execute("SELECT dispatch_id FROM members")}
            con.close()
            assert members <= known, f"made-up dispatches grouped: {sorted(members - known)[:5]}"

    run()
    assert statuses & {200, 204}, f"no request reached the callback: {statuses}"


def _rules(app) -> list[tuple[str, list[str]]]:
    """Returns (rule, methods) of every route of the app's URL map."""
    return sorted(
        (rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"}) or ["GET"]) for rule in app.server.url_map.iter_rules()
    )


def _fill(rule: str, parts: list[str]) -> str:
    """Returns `rule` with each <converter:name> replaced by one of `parts` (URL-quoted)."""
    pieces = iter(parts)
    return re.sub(r"<[^>]+>", lambda _m: quote(next(pieces, "x").encode("utf-8", "surrogatepass"), safe="/%."), rule)


def test_every_route_takes_any_request(fuzz_app, server_log):
    app, clients, headers, path = fuzz_app
    rules = _rules(app)
    assert {"/export/numbers.<fmt>", "/login", "/admin/audit.csv", "/_dash-update-component"} <= {r for r, _ in rules}
    seen = set()

    @fuzz_settings(ROUTE_EXAMPLES)
    @given(
        rule=st.sampled_from(rules),
        parts=st.lists(st.one_of(text, st.sampled_from(FORMATS), st.sampled_from(["dash", "dash/..%2fx"])), max_size=3),
        params=st.dictionaries(st.sampled_from(ROUTE_KEYS), text, max_size=6),
        who=st.sampled_from(["anonymous", "anna", "adam"]),
        method=st.sampled_from(["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS"]),
        body=st.one_of(st.none(), st.binary(max_size=200), json_value.map(lambda v: json.dumps(v).encode())),
    )
    def run(rule, parts, params, who, method, body):
        route, methods = rule
        seen.add(route)
        url = _fill(route, parts) + "?" + urlencode(params, errors="surrogatepass")
        method = method if method in ("HEAD", "OPTIONS", "PUT", "DELETE") else methods[0]
        response = clients[who].open(url, method=method, data=body, headers=headers[who])
        _check(response)
        server_log.check()

    run()
    assert len(seen) >= len(rules) // 2


demo_day = st.dates(dt.date(2025, 5, 1), dt.date(2026, 11, 20))
period = st.tuples(demo_day, demo_day).map(sorted).map(lambda p: {"from": str(p[0]), "to": str(p[1])})
lang = st.sampled_from(["pl", "en"])
# Each download with parameters it accepts (required, optional): a fuzzed request is one of these with one or
# two parameters damaged, so most reach the report and its query, not only the parser.
EXPORTS = {
    "/export/dispatches.{fmt}": (
        {"lang": lang},
        {
            "q": st.sampled_from(["", "a", "Black"]),
            "since": demo_day.map(str),
            "until": demo_day.map(str),
            "sort": st.sampled_from(["sent", "number", "name", "delivered"]),
            "desc": st.sampled_from(["0", "1"]),
            "per": st.sampled_from(["campaign", "dispatch"]),
        },
    ),
    "/export/transactional.{fmt}": (
        {"lang": lang},
        {"source": st.sampled_from(["test", "api"]), "q": st.sampled_from(["", "a"])},
    ),
    "/export/transactional-messages.csv": (
        {"lang": lang, "campaign": st.sampled_from(["none", "label:x", "label:Black Friday"])},
        {"source": st.sampled_from(["test", "api"])},
    ),
    "/export/numbers.{fmt}": (
        {"lang": lang, "status": st.sampled_from(["delivered", "not_sent", "not_delivered", "pending"])},
        {"reason": st.sampled_from(["none", "expired_validity"])},  # and a dispatch of the lake (the test adds it)
    ),
    "/admin/audit.csv": ({"lang": lang}, {}),
}
damaged = st.one_of(
    text,
    st.sampled_from(["9999-12-31", "0001-01-01", "2100-12-31", "1999-12-31", "2000-01-01", "²", "٣", "9" * 30]),
    st.integers(-5, 10**20).map(str),
)


@pytest.mark.parametrize("route", sorted(EXPORTS))
def test_downloads_take_any_parameter(fuzz_app, server_log, frames, route):
    """The downloads, with real parameters, one or two of them damaged."""
    _app, clients, headers, path = fuzz_app
    required, optional = EXPORTS[route]
    if "numbers" in route:
        required = {**required, "dispatch": st.sampled_from(sorted(str(n) for n in frames["dispatches"]["number"]))}
    who = st.sampled_from(["adam"] if "admin" in route else ["anna", "adam"])
    before = _rows(path)
    statuses = []

    @fuzz_settings(EXPORT_EXAMPLES)
    @given(
        valid=st.fixed_dictionaries(required, optional=optional),
        dates=period,
        damage=st.dictionaries(st.sampled_from([*ROUTE_KEYS[:14]]), damaged, max_size=2),
        fmt=st.sampled_from(["csv", "csv", "xml", "docx", *FORMATS]),
        who=who,
    )
    def run(valid, dates, damage, fmt, who):
        params = {**dates, **valid, **damage}
        url = route.format(fmt=fmt) + "?" + urlencode(params, errors="surrogatepass")
        response = clients[who].get(url, headers=headers[who])
        _check(response)
        statuses.append(response.status_code)
        server_log.check()

    run()
    assert _rows(path) == before
    assert statuses.count(200) >= EXPORT_EXAMPLES // 5, f"too few requests reached a download: {statuses}"


def test_callback_bodies_of_any_shape(fuzz_app, server_log):
    app, clients, headers, path = fuzz_app
    specs = dict(_server_callbacks(app))
    keys = sorted(specs)

    @fuzz_settings(BODY_EXAMPLES)
    @given(
        key=st.sampled_from(keys),
        damage=st.sampled_from(["output", "outputs", "inputs", "state", "changedPropIds", "drop", "whole", "extra"]),
        junk=json_value,
    )
    def run(key, damage, junk):
        body = payload(specs[key], {}, [])
        if damage == "drop":
            body.pop(str(junk)[:1] or "inputs", None)
            body.pop("inputs", None)
        elif damage == "whole":
            body = junk
        elif damage == "extra":
            body["inputs"] = [*body["inputs"], {"id": "x", "property": "y", "value": junk}]
        else:
            body[damage] = junk
        response = clients["adam"].post(
            "/_dash-update-component", data=json.dumps(body), headers=headers["adam"], content_type="application/json"
        )
        _check(response)
        server_log.check()

    run()


def test_the_reported_bad_requests_get_4xx_and_one_line_each(fuzz_app, caplog, frames):
    """The cases of issue 18, point 9 and 10, one by one: a client error with a short message, one log line."""
    app, clients, headers, path = fuzz_app
    caplog.set_level(logging.WARNING)
    admin, anonymous = clients["adam"], clients["anonymous"]
    sms = next(k for k in app.callback_map if "sms-kpis.children" in k)
    rename = next(k for k in app.callback_map if "camp-changes.data" in k)
    specs = dict(_server_callbacks(app))
    cell = {"colId": "name", "value": "New", "data": {"kind": "campaign", "campaign_id": "abc"}}
    renamed = payload(specs[rename], {"sms-grid.cellValueChanged": [cell]}, ["sms-grid.cellValueChanged"])
    state_named = payload(specs[sms], {"sms-period.value": "1m"}, ["shell-lang.data"])
    trx = next(k for k in app.callback_map if "trx-kpis.children" in k)
    made_up = [f"label:made-up-{i}" for i in range(400)]
    many_rows = payload(specs[trx], {"trx-open.data": made_up, "trx-period.value": "all"}, ["trx-open.data"])
    cases = [
        (admin, "GET", "/export/numbers.csv?dispatch=²&status=delivered", None, 400),
        # a range in any year is cut to the days with data, as on the pages (tests/test_routes.py); a date that
        # is none is refused, and a range of days without data is answered 404 saying what the data covers
        (admin, "GET", "/export/dispatches.csv?from=2026-01-01&to=9999-13-31", None, 400),
        (admin, "GET", "/export/transactional.docx?from=1999-12-31&to=2026-01-01&source=sms", None, 400),
        (admin, "GET", "/export/transactional-messages.csv?from=9999-01-01&to=9999-12-31&campaign=none", None, 404),
        (admin, "POST", "/_dash-update-component", json.dumps(state_named), 400),
        (admin, "POST", "/_dash-update-component", "[" * 100_000 + "]" * 100_000, 400),
        (admin, "POST", "/_dash-update-component", json.dumps({**state_named, "inputs": "x"}), 400),
        (admin, "POST", "/_dash-update-component", json.dumps(many_rows), 400),
        (admin, "POST", "/_dash-update-component", b"x" * 2_000_000, 413),
        (anonymous, "GET", "/_dash-component-suites/dash/..%2fx", None, 404),
    ]
    for client, method, url, body, status in cases:
        caplog.clear()
        response = client.open(
            url,
            method=method,
            data=body,
            headers=headers["adam"] if client is admin else {},
            content_type="application/json",
        )
        assert response.status_code == status, (url, response.status_code, response.text[:300])
        assert len(response.text) < 400 and response.headers["X-Frame-Options"] == "DENY"
        lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(lines) <= 1 and not any(r.exc_info for r in lines), [r.getMessage()[:200] for r in lines]
    # a non-numeric campaign id in the rename: nothing renamed, no error
    response = admin.post("/_dash-update-component", json=renamed, headers=headers["adam"])
    assert response.status_code in (200, 204)
