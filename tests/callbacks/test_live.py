"""The "data as of" note and the "live" switch, over HTTP as the page's renderer calls them."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest

from app import create_app
from config import Config
from data.compactor import compact, last_compaction
from data.ingest.core import Options
from data.lake import Lake
from data.spool import Entry, Spool, now_iso
from layouts.ids import Live
from tests.conftest import TZ
from tests.faults.conftest import copy_data
from web import security

PAGES = [
    (Live.SMS_SWITCH, Live.SMS_TIMER, Live.SMS_AS_OF, Live.SMS_VERSION),
    (Live.TRX_SWITCH, Live.TRX_TIMER, Live.TRX_AS_OF, Live.TRX_VERSION),
]


@pytest.fixture
def live(demo_dir, tmp_path):
    data_dir = copy_data(demo_dir, tmp_path / "data")
    app = create_app(Config(data_dir=data_dir, timezone=TZ, local_mode=True))
    client = app.server.test_client()
    assert client.get("/").status_code == 200  # the page hands out the CSRF cookie
    return data_dir, app, client


def call(app, client, output: str, inputs: list[dict], state: list[dict]) -> dict:
    key = next(k for k in app.callback_map if output in k)
    outputs = [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in key.strip(".").split("...")]
    body = {
        "output": key,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": inputs,
        "state": state,
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
    }
    headers = {security.CSRF_HEADER: client.get_cookie(security.CSRF_COOKIE).value}
    response = client.post("/_dash-update-component", json=body, headers=headers)
    assert response.status_code in (200, 204), response.text
    return json.loads(response.data)["response"] if response.status_code == 200 else {}


@pytest.mark.parametrize("switch, timer, as_of, version", PAGES)
def test_live_switch_runs_the_timer_and_a_new_lake_version_refreshes(live, switch, timer, as_of, version):
    data_dir, app, client = live
    for on, disabled in ((True, False), (False, True), (None, True)):
        out = call(app, client, f"{timer}.disabled", [{"id": switch, "property": "value", "value": on}], [])
        assert out[timer]["disabled"] is disabled

    def tick(shown, lang="en"):
        return call(
            app,
            client,
            f"{as_of}.children",
            [{"id": timer, "property": "n_intervals", "value": 1}],
            [
                {"id": version, "property": "data", "value": shown},
                {"id": "shell-lang", "property": "data", "value": lang},
            ],
        )

    first = tick(None)
    snapshot = Lake(data_dir / "lake").snapshot()
    assert first[version]["data"] == snapshot
    assert first[as_of]["children"].startswith("data as of ")
    assert version not in tick(snapshot)  # nothing new: the report is not read again

    Spool(data_dir).append(
        Entry(
            now_iso(),
            "canonical",
            b'{"message_id": "x-1", "status": "delivered", "created_at": "2026-11-19T10:00:00Z"}\n',
        )
    )
    compact(data_dir, options=Options(tz=TZ), report_tz=TZ)
    later = tick(snapshot, lang="pl")
    assert later[version]["data"] == Lake(data_dir / "lake").snapshot() != snapshot
    local = last_compaction(data_dir).astimezone(ZoneInfo(TZ))
    assert later[as_of]["children"] in (
        f"dane z {local:%H:%M:%S}",
        f"dane z {local:%Y-%m-%d %H:%M:%S}",
    )


def test_the_live_switch_is_off_and_on_both_pages():
    from layouts import sms, transactional

    for page in (sms.page("en", TZ), transactional.page("en", TZ)):
        found = json.dumps(page.to_plotly_json(), default=lambda o: o.to_plotly_json())
        assert '"label": "Live"' in found and '"value": false' in found and '"disabled": true' in found
