"""kill -9 of the server and of the compactor at random moments: every acknowledged callback is in the lake after.

Senders post canonical callbacks (one new message each) to a real server (gunicorn, 2 workers, its own
compactor every half second) while a second compactor runs beside it; the server's whole process group
(master, workers, its compactor) and the other compactor are killed with SIGKILL at random moments, then
started again, several times. At the end one compaction runs, and every message whose callback got a 200
must be in the lake, delivered, once.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pyarrow.parquet as pq
import pytest
import requests

from config import ROOT
from data.compactor import CompactorBusy, compact, compactor_lock
from data.ingest.core import Options
from data.lake import Lake
from data.store.hooks import HookStore
from data.store.sqlite import store_path
from tests.conftest import TZ

pytestmark = pytest.mark.slow
TOKEN = "kill-test-token"


def start(args: list[str], data_dir, log) -> subprocess.Popen:
    env = {**os.environ, "SMSREPORTS_DATA_DIR": str(data_dir), "SMSREPORTS_TIMEZONE": TZ}
    return subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,  # its own process group: killed whole, as a crash would
    )


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def wait_up(base: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server stopped"
        try:
            if requests.get(base + "/health", timeout=1).ok:
                return
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def wait_lock_free(data_dir, seconds: float = 60) -> None:
    """Waits until no killed compactor still holds the lock: SIGKILL is sent to a whole process group at once, but
    only the group's leader is waited for, and the server's compactor may take a moment longer to end."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with compactor_lock(data_dir):
                return
        except CompactorBusy:
            assert time.monotonic() < deadline, f"a compactor still holds the lock {seconds:.0f} s after the kill"
            time.sleep(0.1)


def test_acknowledged_callbacks_survive_kill_9_of_server_and_compactor(data_copy, tmp_path):
    from bench.server import free_port

    HookStore(store_path(data_copy)).add("canonical", TOKEN)
    rnd = random.Random(21)
    acked: set[str] = set()
    counter = iter(range(10**9))
    lock = threading.Lock()
    log = open(tmp_path / "processes.log", "w")  # noqa: SIM115 - shared by every process of the test
    try:
        for _round in range(4):
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = start(
                ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--threads", "4",
                 "--local", "--compact-every", "0.5"],
                data_copy,
                log,
            )  # fmt: skip
            other = start(["compact", "--every", "0.2"], data_copy, log)
            wait_up(base, server)
            stop = threading.Event()

            def send(base: str, stop: threading.Event) -> None:
                session = requests.Session()
                while not stop.is_set():
                    with lock:
                        n = next(counter)
                    mid = f"kill-{n:06d}"
                    record = {
                        "message_id": mid,
                        "provider": "smsapi",
                        "source": "api",
                        "msisdn": f"+4860{n % 10**7:07d}",
                        "created_at": f"2026-11-{1 + n % 19:02d}T10:{n % 60:02d}:00+01:00",
                        "done_at": f"2026-11-{1 + n % 19:02d}T10:{n % 60:02d}:30+01:00",
                        "status": "delivered",
                    }
                    try:
                        r = session.post(
                            base + "/hooks/canonical",
                            data=json.dumps(record) + "\n",
                            headers={"Authorization": f"Bearer {TOKEN}"},
                            timeout=5,
                        )
                    except requests.RequestException:
                        continue
                    if r.status_code == 200:
                        with lock:
                            acked.add(mid)
                    else:
                        assert r.status_code == 503, r.text  # never a 4xx or 500 for a good callback

            senders = [threading.Thread(target=send, args=(base, stop)) for _ in range(3)]
            for s in senders:
                s.start()
            end = time.monotonic() + rnd.uniform(2.0, 4.0)
            while time.monotonic() < end:  # the lone compactor dies and comes back meanwhile
                time.sleep(rnd.uniform(0.1, 0.9))
                kill_group(other)
                other = start(["compact", "--every", "0.2"], data_copy, log)
            kill_group(server)  # mid-request, mid-fsync, mid-compaction: wherever it is
            kill_group(other)
            stop.set()
            for s in senders:
                s.join()
    finally:
        log.close()
    assert len(acked) > 50, "too few callbacks got through to test anything"
    wait_lock_free(data_copy)
    compact(data_copy, options=Options(tz=TZ), report_tz=TZ)
    lake = Lake(data_copy / "lake")
    found: dict[str, str] = {}
    for path in lake.messages_dir.glob("month=*/*.parquet"):
        table = pq.read_table(path, columns=["message_id", "status"]).to_pylist()
        for row in table:
            if row["message_id"].startswith("kill-"):
                assert row["message_id"] not in found, "a message twice in the lake"
                found[row["message_id"]] = row["status"]
    missing = acked - set(found)
    assert not missing, f"{len(missing)} acknowledged callbacks lost, e.g. {sorted(missing)[:5]}"
    assert {found[m] for m in acked} == {"delivered"}
    print(f"{len(acked)} acknowledged callbacks, all in the lake")
