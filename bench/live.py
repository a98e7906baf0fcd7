"""Live callbacks under load (`make bench-live`): a replay of every provider's callbacks against `serve`.

A demo lake of `--messages` (made once, as `make bench-compact` makes it) is copied (hard links) into
var/bench-live/; every hook gets a secret; `serve --workers 2` starts on a free port of 127.0.0.1 with its
compactor (`--compact-every`). Sender threads then replay callbacks at `--rate` a second for `--duration`
seconds (both bounded), to 127.0.0.1 only: Twilio form bodies signed with X-Twilio-Signature, Vonage JSON
with a signed JWT, Infobip JSON with the token in the path, SMSAPI GET query strings, and canonical JSON
lines of new messages. Measured: the callbacks a second acknowledged (200), the p50/p95/max time of an
acknowledgement, the answers other than 200, and for the canonical messages the time from the
acknowledgement to the message being in a published lake version (read by a watcher every 0.5 s). The page
shows it at its next live refresh (every 30 s while "live" is on), so the time to the page is at most that
plus 30 s. The load average is printed. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import duckdb
import jwt
import requests

from bench.compaction import TZ, base_lake, copy
from bench.server import free_port, worker_processes
from config import ROOT
from data.store.hooks import HookStore
from data.store.sqlite import store_path

MAX_DURATION_S = 600
MAX_RATE = 5000
SECRETS = {
    "canonical": "bench-canonical-token",
    "twilio": "bench-twilio-auth-token-0123456789",
    "vonage": "bench-vonage-signature-secret-0123456789",
    "infobip": "bench-infobip-token",
    "smsapi": "bench-smsapi-token",
}


def callback(n: int, base: str) -> tuple[str, str, dict, bytes | None, str | None]:
    """Returns (method, url, headers, body, canonical message id) of the n-th callback (providers in turn)."""
    now = dt.datetime.now(dt.UTC)
    kind = n % 5
    if kind == 0:
        mid = f"bench-live-{n}"
        record = {"message_id": mid, "provider": "smsapi", "source": "api", "campaign_label": f"live-{n % 9}",
                  "msisdn": f"+48601{n % 10**6:06d}", "created_at": (now - dt.timedelta(seconds=20)).isoformat(),
                  "done_at": now.isoformat(), "status": "delivered"}  # fmt: skip
        headers = {"Authorization": f"Bearer {SECRETS['canonical']}"}
        return "POST", f"{base}/hooks/canonical", headers, (json.dumps(record) + "\n").encode(), mid
    if kind == 1:
        url = f"{base}/hooks/twilio"
        form = {"MessageSid": f"SM{n:032d}", "MessageStatus": "delivered", "To": f"+48602{n % 10**6:06d}",
                "From": "+48799000111", "AccountSid": "AC" + "0" * 32, "RawDlrDoneDate": now.strftime("%y%m%d%H%M")}  # fmt: skip
        text = url + "".join(k + form[k] for k in sorted(form))
        sig = base64.b64encode(hmac.new(SECRETS["twilio"].encode(), text.encode(), hashlib.sha1).digest()).decode()
        headers = {"X-Twilio-Signature": sig, "Content-Type": "application/x-www-form-urlencoded"}
        return "POST", url, headers, urlencode(form).encode(), None
    if kind == 2:
        body = json.dumps({"message_uuid": f"00000000-0000-4000-8000-{n:012d}", "to": f"48603{n % 10**6:06d}",
                           "from": "SKLEP", "timestamp": now.isoformat(), "status": "delivered", "channel": "sms"}).encode()  # fmt: skip
        token = jwt.encode(
            {"iat": int(time.time()), "payload_hash": hashlib.sha256(body).hexdigest()}, SECRETS["vonage"], "HS256"
        )
        return "POST", f"{base}/hooks/vonage", {"Authorization": f"Bearer {token}"}, body, None
    if kind == 3:
        stamp = now.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        body = json.dumps({"results": [{"messageId": f"9{n:018d}", "to": f"48604{n % 10**6:06d}", "sender": "SKLEP",
                                        "sentAt": stamp, "doneAt": stamp, "messageCount": 1,
                                        "status": {"groupId": 3, "groupName": "DELIVERED", "id": 5,
                                                   "name": "DELIVERED_TO_HANDSET"},
                                        "error": {"groupId": 0, "groupName": "OK", "id": 0, "name": "NO_ERROR"}}]}).encode()  # fmt: skip
        return "POST", f"{base}/hooks/infobip/{SECRETS['infobip']}", {"Content-Type": "application/json"}, body, None
    query = urlencode({"MsgId": f"{n:024X}", "status": "404", "donedate": str(int(time.time())), "to": f"48605{n % 10**6:06d}"})  # fmt: skip
    return "GET", f"{base}/hooks/smsapi/{SECRETS['smsapi']}?{query}", {}, None, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2_000_000)
    parser.add_argument("--rate", type=float, default=500.0, help="callbacks a second sent (at most 5000)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of sending (at most 600)")
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--compact-every", type=float, default=5.0)
    args = parser.parse_args()
    duration = min(max(args.duration, 1.0), MAX_DURATION_S)
    rate = min(max(args.rate, 1.0), MAX_RATE)
    work = copy(base_lake(args.messages), ROOT / "var" / "bench-live" / "data")
    hooks = HookStore(store_path(work))
    for provider, secret in SECRETS.items():
        hooks.add(provider, secret)
    port = free_port()
    base = f"http://127.0.0.1:{port}"  # loopback only: the replay never leaves this machine
    env = {**os.environ, "SMSREPORTS_DATA_DIR": str(work), "SMSREPORTS_TIMEZONE": TZ}
    log = open(work.parent / "server.log", "w")  # noqa: SIM115 - closed at the end
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers",
         str(args.workers), "--local", "--compact-every", str(args.compact_every)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(base + "/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        results = run(base, rate, duration, args.senders, work, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
    print(json.dumps(results))


def server_cpu_s(pid: int) -> float:
    """Returns the CPU seconds (user + system) the server's workers have used so far (the compactor left out)."""
    total = 0.0
    for proc in worker_processes(pid):
        try:
            times = proc.cpu_times()
        except Exception:  # noqa: BLE001 - a worker gone meanwhile
            continue
        total += times.user + times.system
    return total


def run(base: str, rate: float, duration: float, senders: int, work: Path, server_pid: int) -> dict:
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    acked: dict[str, float] = {}
    seen: dict[str, float] = {}
    counter = iter(range(10**9))
    start = time.monotonic() + 0.5
    stop_sending = start + duration

    def send() -> None:
        session = requests.Session()
        while True:
            with lock:
                n = next(counter)
            due = start + n / rate
            if due >= stop_sending:
                return
            time.sleep(max(0.0, due - time.monotonic()))
            method, url, headers, body, mid = callback(n, base)
            t0 = time.monotonic()
            try:
                r = session.request(method, url, headers=headers, data=body, timeout=30)
                code = str(r.status_code)
            except requests.RequestException as exc:
                code = type(exc).__name__
            t1 = time.monotonic()
            with lock:
                statuses[code] = statuses.get(code, 0) + 1
                if code == "200":
                    latencies.append(t1 - t0)
                    if mid:
                        acked[mid] = t1

    sent_all = threading.Event()

    def watch() -> None:
        # until every acknowledged canonical message is in the lake, or 180 s after the last was sent
        while not sent_all.is_set() or (len(seen) < len(acked) and time.monotonic() < sent_all.at + 180):
            time.sleep(0.5)
            try:
                rows = duckdb.sql(
                    f"SELECT message_id FROM read_parquet('{work / 'lake'}/messages/month=*/*.parquet') "
                    "WHERE message_id LIKE 'bench-live-%'"
                ).fetchall()
            except duckdb.Error:
                continue
            now = time.monotonic()
            with lock:
                for (mid,) in rows:
                    seen.setdefault(mid, now)

    threads = [threading.Thread(target=send) for _ in range(senders)]
    watcher = threading.Thread(target=watch)
    load_before = os.getloadavg()[0]
    cpu_before = server_cpu_s(server_pid)
    for th in [*threads, watcher]:
        th.start()
    for th in threads:
        th.join()
    sent_s = time.monotonic() - start
    cpu_sending = server_cpu_s(server_pid) - cpu_before
    sent_all.at = time.monotonic()
    sent_all.set()
    load_during = os.getloadavg()[0]
    watcher.join()
    delays = sorted(seen[m] - acked[m] for m in acked if m in seen)
    lat = sorted(latencies)

    def pct(values: list[float], p: float) -> float | None:
        return round(values[min(len(values) - 1, int(p * len(values)))], 3) if values else None

    out = {
        "target_rate": rate,
        "acknowledged": len(lat),
        "acknowledged_per_s": round(len(lat) / sent_s, 1),
        "answers": statuses,
        "ack_p50_s": pct(lat, 0.50),
        "ack_p95_s": pct(lat, 0.95),
        "ack_max_s": round(lat[-1], 3) if lat else None,
        "server_cpu_ms_per_callback": round(1000 * cpu_sending / len(lat), 2) if lat else None,
        "to_lake_p50_s": pct(delays, 0.50),
        "to_lake_p95_s": pct(delays, 0.95),
        "to_lake_mean_s": round(statistics.mean(delays), 2) if delays else None,
        "canonical_acked": len(acked),
        "canonical_in_lake": len(delays),
        "load_before": round(load_before, 1),
        "load_end_of_sending": round(load_during, 1),
    }
    print(
        f"{out['acknowledged']:,} callbacks acknowledged in {sent_s:.0f} s ({out['acknowledged_per_s']}/s of "
        f"{rate:g}/s sent); ack p50 {out['ack_p50_s']} s, p95 {out['ack_p95_s']} s; answers {statuses}; "
        f"server CPU {out['server_cpu_ms_per_callback']} ms a callback; "
        f"ack -> lake p50 {out['to_lake_p50_s']} s, p95 {out['to_lake_p95_s']} s ({len(delays)}/{len(acked)} seen); "
        f"load {load_before:.1f} -> {load_during:.1f}",
        flush=True,
    )
    return out


if __name__ == "__main__":
    main()
