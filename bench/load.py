"""Load test (`make loadtest`): N simulated users click through the dashboard for a while against
`app.py serve --workers 2` (gunicorn) on the loopback address, over a demo lake.

Each user is a thread with its own HTTP session. It logs in — as one of three users the
test adds to the data directory, a viewer, an analyst and an admin in turn (mixed roles),
or as SMSREPORTS_LOAD_USER with SMSREPORTS_LOAD_PASSWORD when they are set — opens the
page as a browser does (the page, its layout and callback list), takes the CSRF token the
page carries, then repeats the dashboard's interactions in random order — the same
callback requests the browser posts to /_dash-update-component (bench/run.py's
payloads): period presets and custom ranges on both pages, dispatch details, opening a
transactional row, switching pages, export links; analysts and admins also download a
dispatch's numbers (each download is two rows of the access log) — with a short think
time between clicks. Any answer other than 200/204, and any failed request, is an error.

It prints p50/p95/p99 latency, requests per second, errors, and each worker's resident
memory before and after; the last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import TZ  # noqa: E402
from bench.run import callback_specs, payload  # noqa: E402
from bench.server import Server, worker_processes  # noqa: E402

PRESETS = ["1m", "2m", "3m", "6m", "12m", "all"]
LOAD_USERS = {"load-viewer": "viewer", "load-analyst": "analyst", "load-admin": "admin"}
LOAD_PASSWORD = "load-test-password"  # of the users above, which exist only in the load test's data directory


def ensure_users(data_dir: Path) -> list[tuple[str, str, str]]:
    """Returns (name, password, role) of the accounts the simulated users log in as: SMSREPORTS_LOAD_USER when set,
    else a viewer, an analyst and an admin added to `data_dir` (once)."""
    from data.store.sqlite import store_path
    from data.store.users import UserStore

    name, password = os.environ.get("SMSREPORTS_LOAD_USER"), os.environ.get("SMSREPORTS_LOAD_PASSWORD")
    store = UserStore(store_path(data_dir))
    if name and password:
        user = store.get(name)
        return [(name, password, user.role if user else "viewer")]
    for user, role in LOAD_USERS.items():
        if store.get(user) is None:
            store.add(user, role=role, password=LOAD_PASSWORD)
    return [(user, LOAD_PASSWORD, role) for user, role in LOAD_USERS.items()]


def ensure_lake(data_dir: Path, messages: int) -> None:
    """Builds a demo lake of `messages` messages (with rollups) in `data_dir` unless one is there."""
    from data.demo import build_demo
    from data.lake import Lake
    from data.period import today_in

    lake = Lake(data_dir / "lake")
    if not lake.exists():
        build_demo(lake, messages=messages, seed=3, until=today_in(TZ), tz=TZ)


def lake_choices(data_dir: Path) -> dict[str, list]:
    """Returns what users click on: recent dispatch numbers and transactional campaign keys."""
    import duckdb

    from data.lake import Lake

    lake = Lake(data_dir / "lake")
    con = duckdb.connect()
    numbers = [
        r[0]
        for r in con.execute(
            "SELECT number FROM read_parquet($f) ORDER BY created_at DESC LIMIT 50", {"f": str(lake.dispatches_file)}
        ).fetchall()
    ]
    labels = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT campaign_label FROM read_parquet($g) WHERE source <> 'bulk' AND campaign_label IS NOT NULL LIMIT 20",
            {"g": lake.messages_glob},
        ).fetchall()
    ]
    return {"numbers": [int(n) for n in numbers], "trx_keys": ["none"] + [f"label:{x}" for x in labels]}


def interactions(specs: dict, choices: dict, rng: random.Random, role: str = "viewer") -> list[tuple[str, dict | str]]:
    """Returns (name, callback request body or download path) of one user's clicks, in the (random) order the user
    makes them; analysts and admins download a dispatch's numbers too."""
    sms, details = specs["sms-kpis.children"], specs["sms-details.is_open"]
    links, trx, page = specs["sms-export-csv.href"], specs["trx-kpis.children"], specs["shell-page.children"]
    lang = rng.choice(["pl", "en"])
    out = []
    grid = specs["sms-grid.getRowsResponse"]
    for preset in rng.sample(PRESETS, 3):
        out.append(
            ("sms period", payload(sms, {"sms-period.value": preset, "shell-lang.data": lang}, ["sms-period.value"]))
        )
        # the grid then asks for its first block of rows (sorted as it is: newest first)
        ask = {"startRow": 0, "endRow": 100, "sortModel": [{"colId": "sent_at", "sort": "desc"}], "filterModel": {}}
        values = {"sms-period.value": preset, "sms-grid.getRowsRequest": ask, "shell-lang.data": lang}
        out.append(("sms grid rows", payload(grid, values, ["sms-grid.getRowsRequest"])))
        out.append(
            (
                "sms export links",
                payload(links, {"sms-period.value": preset, "shell-lang.data": lang}, ["sms-period.value"]),
            )
        )
    out.append(
        (
            "sms custom range",
            payload(
                sms,
                {
                    "sms-period.value": "custom",
                    "sms-period-range.start_date": "2026-01-01",
                    "sms-period-range.end_date": "2026-03-31",
                    "shell-lang.data": lang,
                },
                ["sms-period-range.end_date"],
            ),
        )
    )
    for i, number in enumerate(rng.sample(choices["numbers"], min(3, len(choices["numbers"])))):
        cell = {"colId": "details", "rowId": str(number), "value": "", "timestamp": i}
        out.append(
            (
                "sms details",
                payload(details, {"sms-grid.cellClicked": cell, "shell-lang.data": lang}, ["sms-grid.cellClicked"]),
            )
        )
    out.append(
        (
            "page switch",
            payload(page, {"shell-url.pathname": "/transactional", "shell-lang.data": lang}, ["shell-url.pathname"]),
        )
    )
    for preset in rng.sample(PRESETS, 2):
        out.append(
            ("trx period", payload(trx, {"trx-period.value": preset, "shell-lang.data": lang}, ["trx-period.value"]))
        )
    key = rng.choice(choices["trx_keys"])
    out.append(
        (
            "trx open row",
            payload(
                trx, {"trx-period.value": "3m", "trx-open.data": [key], "shell-lang.data": lang}, ["trx-open.data"]
            ),
        )
    )
    out.append(
        ("page switch", payload(page, {"shell-url.pathname": "/", "shell-lang.data": lang}, ["shell-url.pathname"]))
    )
    if role in ("analyst", "admin") and choices["numbers"]:
        number = rng.choice(choices["numbers"])
        out.append(("numbers download", f"/export/numbers.csv?dispatch={number}&status=delivered&lang={lang}"))
    rng.shuffle(out)
    return out


@dataclass
class Tally:
    """Every request's latency (ms) by interaction, and the errors, shared by the user threads."""

    ms: list[float] = field(default_factory=list)
    by_name: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.ms.append(ms)
            self.by_name.setdefault(name, []).append(ms)
            if error:
                self.errors.append(f"{name}: {error}")


def csrf_headers(session: requests.Session, page_html: str) -> dict[str, str]:
    """Returns the header carrying the CSRF token the page gave (a cookie or a meta tag), if any."""
    for cookie in session.cookies:
        if "csrf" in cookie.name.lower():
            return {"X-CSRFToken": cookie.value}
    meta = re.search(r'<meta[^>]+name="csrf[-_]token"[^>]+content="([^"]+)"', page_html)
    return {"X-CSRFToken": meta.group(1)} if meta else {}


def log_in(base: str, account: tuple[str, str, str]) -> requests.Session:
    """Returns a session logged in as `account` (name, password, role). A log-in asked to wait (429: many users log
    in from this one address at once) waits as it is told and tries again, as a person would."""
    session = requests.Session()
    user, password, _role = account
    for _ in range(60):
        form = session.get(base + "/login", timeout=30).text
        token = re.search(r'name="csrf_token" value="([^"]*)"', form)
        answer = session.post(
            base + "/login",
            data={"name": user, "password": password, "next": "/", "csrf_token": token.group(1) if token else ""},
            timeout=30,
            allow_redirects=False,
        )
        if answer.status_code != 429:
            break
        time.sleep(float(answer.headers.get("Retry-After", "1")))
    if answer.status_code != 302:
        raise RuntimeError(f"log-in as {user} failed: HTTP {answer.status_code}")
    return session


def open_page(base: str, session: requests.Session, tally: Tally) -> dict[str, str]:
    """Loads the page as a browser does; returns the headers its callback requests carry."""
    for path in ("/", "/_dash-layout", "/_dash-dependencies"):
        started = time.perf_counter()
        answer = session.get(base + path, timeout=60)
        tally.add(
            "page load",
            (time.perf_counter() - started) * 1000,
            None if answer.status_code == 200 else f"HTTP {answer.status_code} for {path}",
        )
        if path == "/":
            page = answer.text
    return {"Content-Type": "application/json", **csrf_headers(session, page)}


def user(
    base: str,
    steps: list[tuple[str, dict | str]],
    clock: dict[str, float],
    start: threading.Barrier,
    think_s: float,
    tally: Tally,
    seed: int,
    account: tuple[str, str, str],
) -> None:
    """One simulated user: logs in as `account`, waits until every user has (`start`; the load is measured from
    there, until clock["deadline"]), loads the page and clicks through `steps` (callback bodies, or the path of a
    download) over and over."""
    rng = random.Random(seed)
    try:
        session = log_in(base, account)
    except Exception as exc:  # noqa: BLE001 - counted, the others go on
        tally.add("log-in", 0.0, f"{type(exc).__name__}: {exc}")
        start.wait()
        return
    start.wait()
    deadline = clock["deadline"]
    for adapter in session.adapters.values():  # its connection idled past the server's keep-alive while others
        adapter.close()  # logged in: a browser opens a new one, and so does this (the cookies stay)
    try:
        headers = open_page(base, session, tally)
    except Exception as exc:  # noqa: BLE001 - counted, the others go on
        tally.add("page load", 0.0, f"{type(exc).__name__}: {exc}")
        return
    while time.monotonic() < deadline:
        for name, body in steps:
            if time.monotonic() >= deadline:
                break
            started = time.perf_counter()
            error = None
            try:
                if isinstance(body, str):  # a download, read whole
                    answer = session.get(base + body, timeout=60)
                else:
                    answer = session.post(
                        base + "/_dash-update-component", data=json.dumps(body), headers=headers, timeout=60
                    )
                if answer.status_code not in (200, 204):
                    error = f"HTTP {answer.status_code}: {answer.text[:200]}"
            except requests.RequestException as exc:
                error = f"{type(exc).__name__}: {exc}"
            tally.add(name, (time.perf_counter() - started) * 1000, error)
            time.sleep(rng.uniform(0.5, 1.5) * think_s)


def worker_rss(pid: int) -> list[float]:
    """Returns the resident memory (MB) of each worker process of the gunicorn master `pid`."""
    return [round(p.memory_info().rss / 2**20, 1) for p in worker_processes(pid)]


def workers_cpu_s(pid: int) -> float:
    """Returns the CPU seconds (user + system, every thread) the worker processes of the gunicorn master `pid`
    have used so far."""
    used = 0.0
    for worker in worker_processes(pid):
        try:
            used += sum(worker.cpu_times()[:2])
        except psutil.NoSuchProcess:  # a worker restarted meanwhile: its time is gone with it
            continue
    return used


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    return round(ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))], 1)


def run(
    data_dir: Path,
    *,
    users: int = 50,
    duration_s: float = 120,
    workers: int = 2,
    think_s: float = 1.0,
    seed: int = 1,
    env: dict[str, str] | None = None,
) -> dict:
    """Starts the server over `data_dir`, runs the load and returns the figures."""
    from data.lake import Lake

    if not Lake(data_dir / "lake").exists():
        raise SystemExit(f"no lake at {data_dir / 'lake'}")
    specs = callback_specs()
    choices = lake_choices(data_dir)
    accounts = ensure_users(data_dir)
    log = data_dir / "load-server.log"
    with open(log, "w") as err:  # the server's own log, for when something goes wrong
        server = Server.start(data_dir, tz=TZ, workers=workers, env=env, stderr=err)
    assert server.base.startswith("http://127.0.0.1:"), "loopback only"
    tally = Tally()
    try:
        requests.get(server.base + "/ready", timeout=60)
        rss_before = worker_rss(server.proc.pid)
        clock: dict[str, float] = {}
        cpu: dict[str, float] = {}

        def go() -> None:  # every user has logged in: the measured part starts
            cpu["before"] = workers_cpu_s(server.proc.pid)
            clock["logged_in"] = time.perf_counter()
            clock["deadline"] = time.monotonic() + duration_s

        start = threading.Barrier(users, action=go)
        began = time.perf_counter()
        threads = []
        for i in range(users):
            account = accounts[i % len(accounts)]
            steps = interactions(specs, choices, random.Random(seed * 1000 + i), account[2])
            thread = threading.Thread(
                target=user,
                args=(server.base, steps, clock, start, think_s, tally, seed * 1000 + i, account),
                daemon=True,
            )
            thread.start()
            threads.append(thread)
            time.sleep(0.05)  # users arrive over a moment, not all at once
        for thread in threads:
            thread.join(duration_s + 300)
        elapsed = time.perf_counter() - clock.get("logged_in", began)
        cpu_used_s = workers_cpu_s(server.proc.pid) - cpu.get("before", 0.0)
        rss_after = worker_rss(server.proc.pid)
    finally:
        server.stop()
    ordered = sorted(tally.ms)
    return {
        "users": users,
        "roles": sorted({a[2] for a in accounts}),
        "workers": workers,
        "duration_s": round(elapsed, 1),
        "log_in_s": round(clock.get("logged_in", began) - began, 1),  # all users logging in, before the clock
        "think_s": think_s,
        "requests": len(ordered),
        "rps": round(len(ordered) / elapsed, 1),
        "cpu_ms_per_request": round(cpu_used_s * 1000 / max(1, len(ordered)), 1),  # the workers', from log-in on
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "errors": len(tally.errors),
        "error_samples": tally.errors[:5],
        "p50_ms": percentile(ordered, 0.50),
        "p95_ms": percentile(ordered, 0.95),
        "p99_ms": percentile(ordered, 0.99),
        "by_interaction": {
            name: {"n": len(ms), "p50_ms": percentile(sorted(ms), 0.5), "p95_ms": percentile(sorted(ms), 0.95)}
            for name, ms in sorted(tally.by_name.items())
        },
        "worker_rss_mb_before": rss_before,
        "worker_rss_mb_after": rss_after,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=120, help="seconds")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between a user's clicks")
    parser.add_argument(
        "--messages", type=int, default=2_000_000, help="size of the demo lake (built once under var/load/)"
    )
    parser.add_argument("--data-dir", type=Path, default=None, help="use this data directory instead")
    args = parser.parse_args()
    data_dir = args.data_dir or ROOT / "var" / "load" / f"m{args.messages}"
    ensure_lake(data_dir, args.messages)
    figures = run(data_dir, users=args.users, duration_s=args.duration, workers=args.workers, think_s=args.think)
    print(
        f"{figures['users']} users ({', '.join(figures['roles'])}; all logged in after {figures['log_in_s']} s) "
        f"x {figures['duration_s']} s against {figures['workers']} gunicorn workers: "
        f"{figures['requests']:,} requests, {figures['rps']} req/s, {figures['errors']} errors"
    )
    print(f"server CPU {figures['cpu_ms_per_request']} ms per request (both workers, every thread)")
    print(f"latency p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms")
    for name, row in figures["by_interaction"].items():
        print(f"  {name:<18} n={row['n']:<6} p50 {row['p50_ms']:>8} ms  p95 {row['p95_ms']:>8} ms")
    print(f"worker RSS before {figures['worker_rss_mb_before']} MB, after {figures['worker_rss_mb_after']} MB")
    for sample in figures["error_samples"]:
        print("  error:", sample)
    print(json.dumps(figures))
    if figures["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
