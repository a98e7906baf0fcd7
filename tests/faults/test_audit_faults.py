"""A server process killed in the middle of a download leaves its `started` row in the access log, which
/admin shows as interrupted (a download that was never recorded at its end is still on record)."""

from __future__ import annotations

import re
import signal
import time

import pytest
import requests

from bench.server import worker_processes
from data.store.sqlite import store_path
from data.store.users import UserStore
from tests.faults.conftest import start_server

pytestmark = pytest.mark.slow


def test_a_worker_killed_mid_download_leaves_an_interrupted_row(data_copy, frames):
    stalling = frames["messages"].query("source == 'bulk' and status == 'delivered'")["dispatch_id"].iloc[0]
    number = int(frames["dispatches"].set_index("dispatch_id").loc[stalling, "number"])
    users = UserStore(store_path(data_copy))
    users.add("anna", role="analyst", password="long-password")
    server = start_server(
        data_copy, workers=2, module="tests.faults.faulty_server", env={"SMSREPORTS_FAULT_STALL": stalling}
    )
    try:
        session = requests.Session()
        token = re.search(r'name="csrf_token" value="([^"]+)"', session.get(server.base + "/login").text).group(1)
        logged_in = session.post(
            server.base + "/login", data={"name": "anna", "password": "long-password", "csrf_token": token}
        )
        assert logged_in.ok and session.get(server.base + "/_dash-layout").ok
        response = session.get(
            f"{server.base}/export/numbers.csv?dispatch={number}&status=delivered", stream=True, timeout=30
        )
        assert response.status_code == 200 and next(response.iter_content(64))  # the first bytes arrived
        for worker in worker_processes(server.proc.pid):
            worker.send_signal(signal.SIGKILL)  # the worker sending it dies (gunicorn starts new ones)
        response.close()
        time.sleep(0.5)
    finally:
        server.stop()
    shown = users.audit(action="export")
    assert list(shown["outcome"]) == ["interrupted"] and shown.iloc[0]["who"] == "anna"
    assert users.access.verify().ok
