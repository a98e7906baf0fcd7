"""Live delivery reports in headless Chromium: a callback sent while the transactional page is open appears on
it with "live" on, and the grid keeps its sort and open row."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import requests

import layouts.live
from app import create_app
from data.compactor import compact
from data.ingest.core import Options
from data.queries import transactional as trx_queries
from data.store.hooks import HookStore
from data.store.sqlite import store_path
from i18n import t
from layouts.ids import Live, Shell, Trx
from reports.transactional import campaign_table
from tests.browser.conftest import TZ, free_port
from tests.browser.test_sms_page import click
from tests.browser.test_transactional_page import DETAILS, GRID, ROWS, pl_int, row_order, text_of, until
from tests.faults.conftest import copy_data
from web.context import AppContext

TOKEN = "browser-live-token"


@pytest.fixture
def live_config(browser_config, tmp_path, monkeypatch):
    monkeypatch.setattr(layouts.live, "REFRESH_MS", 2000)  # the page's 30 s, shortened for the test
    data_dir = copy_data(browser_config.data_dir, tmp_path / "data")
    HookStore(store_path(data_dir)).add("canonical", TOKEN)
    return browser_config.with_(data_dir=data_dir)


def test_a_callback_appears_on_the_open_page_with_live_on(dash_duo, live_config):
    app = create_app(live_config)
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.set_window_size(1400, 1000)
    dash_duo.wait_for_text_to_equal("h1", "Raporty SMS", timeout=15)
    assert dash_duo.find_element(f"#{Live.SMS_AS_OF}").text.startswith("dane z ")
    click(dash_duo, f"#{Shell.NAV_TRANSACTIONAL}")
    dash_duo.wait_for_text_to_equal("h1", "Raporty transakcyjne", timeout=15)
    ctx = AppContext.create(live_config)
    period = ctx.period("1m")
    dash_duo.find_element(f"label[for='_dbcprivate_radioitems_{Trx.PERIOD_PRESET}_input_1m']").click()
    frame = campaign_table(ctx.db, period=period, lang="pl")
    dash_duo.wait_for_text_to_equal(f"#{Trx.TABLE_COUNT}", t("pl", "trx.table.count", n=len(frame)), timeout=15)
    first = frame["key"].iloc[0]
    click(dash_duo, f"{GRID} button[data-key='{first}']")
    dash_duo.wait_for_element(f"{DETAILS} .trx-detail[data-detail-of='{first}']", timeout=15)
    ctr_header = f"{GRID} .ag-header-cell[col-id='ctr']"
    click(dash_duo, f"{ctr_header} .ag-header-cell-label")  # sorted by CTR, ascending
    until(lambda: dash_duo.find_element(ctr_header).get_attribute("aria-sort") == "ascending", what="the sort")
    as_of_before = dash_duo.find_element(f"#{Live.TRX_AS_OF}").text
    assert as_of_before.startswith("dane z ")
    assert not dash_duo.find_element(f"#{Live.TRX_SWITCH}").is_selected()  # off by default
    click(dash_duo, f"#{Live.TRX_SWITCH}")

    now = dt.datetime.now(dt.UTC)
    record = {
        "message_id": "browser-live-1",
        "provider": "smsapi",
        "source": "api",
        "campaign_label": "na-zywo",
        "msisdn": "+48601999001",
        "created_at": (now - dt.timedelta(minutes=2)).isoformat(),
        "done_at": (now - dt.timedelta(minutes=1)).isoformat(),
        "status": "delivered",
    }
    response = requests.post(
        f"{dash_duo.server_url}/hooks/canonical",
        data=json.dumps(record) + "\n",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    )
    assert response.status_code == 200
    compact(live_config.data_dir, options=Options(tz=TZ), report_tz=TZ)  # what the compactor beside serve does

    after = campaign_table(AppContext.create(live_config).db, period=period, lang="pl")
    assert len(after) == len(frame) + 1
    dash_duo.wait_for_text_to_equal(f"#{Trx.TABLE_COUNT}", t("pl", "trx.table.count", n=len(after)), timeout=20)
    until(
        lambda: "na-zywo" in [text_of(r) for r in dash_duo.find_elements(f"{ROWS} [col-id='campaign']")],
        what="the new campaign's row",
    )
    sent = int(trx_queries.trx_kpis(AppContext.create(live_config).db, period=period).iloc[0]["sent"])
    until(lambda: pl_int(sent) in text_of(dash_duo.find_element(f"#{Trx.KPIS}")), what="the new sent count")
    assert dash_duo.find_element(f"{DETAILS} .trx-detail[data-detail-of='{first}']")  # the open row stayed open
    order = row_order(dash_duo)
    assert order[order.index(first) + 1] == "detail:" + first  # ... under its campaign
    assert dash_duo.find_element(ctr_header).get_attribute("aria-sort") == "ascending"  # the sort stayed
    assert dash_duo.find_element(f"#{Live.TRX_AS_OF}").text != as_of_before
