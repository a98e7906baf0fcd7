"""The project's benchmark (`make bench [MESSAGES=N]`): dashboard server time with rollups and
by raw scan, server memory, rollup build time, and the numbers download.

It builds (or reuses) a demo lake of N messages plus one big dispatch under
var/bench/, starts two server processes over it (`app.py serve`, one with
SMSREPORTS_ROLLUPS=off as the raw-scan baseline), and times each dashboard
interaction as the browser sends it (every one with rollups first, then each by raw scan, so
a raw scan's aftermath is never timed as the other's): a POST to /_dash-update-component (period presets,
the trend's day / week / month switch over all time, custom ranges (a century, a month before the lake
began), dispatch and campaign details (with their operator and country tables, time to delivery, cost and opt-outs;
"details big": those of the big dispatch; "operators 1m/all": the period's operators and time to delivery),
opening a
campaign's "+" row on both pages (the transactional one with its operator and country tables), finding one message by number and by id). Figures are
min / median / p95 in milliseconds; ratio = raw median / rollup median. Opening a row
is timed over different campaigns and periods, so no cache answers it. The dispatch grid asks for
its rows a block at a time ("grid 1m/all by sent_at/name": the first block, in that order). The last line printed is one
JSON object with every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import TZ  # noqa: E402
from bench.download import measure as measure_download  # noqa: E402
from bench.server import PeakRss, Server  # noqa: E402
from config import Config  # noqa: E402
from data.demo import build_demo  # noqa: E402
from data.lake import Lake, transaction  # noqa: E402
from data.rollups import build_rollups, rollup_status  # noqa: E402

PRESETS = ["1m", "2m", "3m", "6m", "12m", "all"]
# Custom ranges as a user may type them: a century (cut to the lake's days: must cost what "all" costs)
# and a month long before the lake began (nothing to read: must cost less than a preset).
CUSTOM = {"century": ("1990-01-01", "2099-12-31"), "2020-03": ("2020-03-01", "2020-03-31")}


def ensure_lake(
    data_dir: Path, messages: int, big: int, dispatches: int | None = None, labels: int | None = None
) -> dict:
    """Builds the bench lake unless the marker says it is there; returns its description."""
    marker = data_dir / f"bench-{messages}-{big}.json"
    if marker.exists():
        return json.loads(marker.read_text())
    started = time.perf_counter()
    summary = build_demo(
        Lake(data_dir / "lake"),
        messages=messages,
        seed=1,
        until=dt.datetime.now(ZoneInfo(TZ)),  # built now: nothing after this moment
        tz=TZ,
        big_dispatch=big,
        with_rollups=False,
        dispatches=dispatches,
        labels=labels,
    )
    import duckdb

    lake = Lake(data_dir / "lake")
    number = (
        duckdb.connect()
        .execute(f"SELECT number FROM read_parquet('{lake.dispatches_file}') ORDER BY created_at DESC LIMIT 200")
        .fetchall()
    )
    info = {
        "messages": summary.messages,
        "dispatches": summary.dispatches,
        "labels": summary.labels,
        "build_s": round(time.perf_counter() - started, 1),
        "recent_dispatches": [int(n[0]) for n in number],
    }
    marker.write_text(json.dumps(info))
    return info


def rollup_figures(lake: Lake) -> dict:
    """Times a from-scratch rollup build and a one-month rebuild (the newest month)."""
    with transaction(lake) as staging:
        full = build_rollups(staging, tz=TZ)
    newest = sorted(p.name.removeprefix("month=") for p in lake.month_dirs())[-1]
    with transaction(lake) as staging:
        one = build_rollups(staging, tz=TZ, months=[newest])
    index = lake.root / "search"
    import pyarrow.parquet as pq

    rows = {p.name: sum(pq.ParquetFile(f).metadata.num_rows for f in p.glob("*.parquet")) for p in lake.month_dirs()}
    return {
        "rollup_full_s": full["seconds"],
        "rollup_full_cpu_s": full["cpu_seconds"],
        "rollup_rows": sum(full["rows"].values()),
        "rollup_one_month_s": one["seconds"],
        "rollup_one_month_cpu_s": one["cpu_seconds"],
        "rollup_one_month": newest,
        # the month's share of the messages: what its rebuild should cost of a full build at most
        "rollup_one_month_share": round(rows[f"month={newest}"] / max(1, sum(rows.values())), 3),
        "search_index_full_s": full["search_index_seconds"],
        "search_index_one_month_s": one["search_index_seconds"],
        "search_index_mb": round(sum(f.stat().st_size for f in index.rglob("*.parquet")) / 2**20, 1),
    }


def callback_specs() -> dict[str, dict]:
    """Returns the app's callbacks keyed by one of their output ids (as the browser addresses them)."""
    from app import create_app

    app = create_app(Config(data_dir=ROOT / "var" / "bench" / "_specs", timezone=TZ))
    specs = {}
    for key, cb in app.callback_map.items():
        outputs = [o.strip(".") for o in key.strip(".").split("...")]
        for out in outputs:
            specs[out] = {
                "output": key,
                "outputs": [{"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1]} for o in outputs],
                "inputs": cb["inputs"],
                "state": cb["state"],
            }
    return specs


def payload(spec: dict, values: dict[str, object], changed: list[str]) -> dict:
    def fill(items):
        return [
            {"id": str(i["id"]), "property": i["property"], "value": values.get(f"{i['id']}.{i['property']}")}
            for i in items
        ]

    outputs = spec["outputs"] if len(spec["outputs"]) > 1 else spec["outputs"][0]
    return {
        "output": spec["output"],
        "outputs": outputs,
        "inputs": fill(spec["inputs"]),
        "state": fill(spec["state"]),
        "changedPropIds": changed,
    }


def bench_campaigns(data_dir: Path) -> list[int]:
    """Groups the lake's newest dispatches into campaigns of five (once) and returns the campaign ids."""
    import duckdb

    from data.store.campaigns import CampaignStore
    from data.store.sqlite import store_path

    store = CampaignStore(store_path(data_dir))
    found = store.campaigns()
    if len(found):
        return [int(i) for i in found["id"]]
    newest = (
        duckdb.connect()
        .execute(
            "SELECT dispatch_id FROM read_parquet($f) ORDER BY created_at DESC LIMIT 20",
            {"f": str(Lake(data_dir / "lake").dispatches_file)},
        )
        .fetchall()
    )
    ids = [r[0] for r in newest]
    return [store.group(ids[i : i + 5], name=f"Kampania {i // 5 + 1}", who="bench") for i in range(0, len(ids), 5)]


def trx_keys(data_dir: Path) -> list[str]:
    """Returns the transactional campaigns' keys (as the page's +/- sends them), most sent first."""
    import duckdb

    from data.queries.transactional import Campaign

    rows = (
        duckdb.connect()
        .execute(
            "SELECT campaign_label, sum(messages) FROM read_parquet($g) GROUP BY 1 ORDER BY 2 DESC, 1",
            {"g": str(Lake(data_dir / "lake").rollups_dir / "transactional_daily" / "month=*" / "*.parquet")},
        )
        .fetchall()
    )
    return [Campaign(r[0]).key for r in rows]


def search_samples(data_dir: Path, count: int = 20) -> tuple[list[str], list[str]]:
    """Returns `count` phone numbers and `count` message ids to search for, taken at fixed places of the
    lake's months (newest first; the numbers as users type them, in national form without the country code)."""
    import pyarrow.parquet as pq

    lake = Lake(data_dir / "lake")
    numbers, ids = [], []
    months = list(reversed(lake.month_dirs()))
    for i in range(count):
        path = sorted(months[i % len(months)].glob("*.parquet"))[0]
        with pq.ParquetFile(path) as f:
            group = f.read_row_group((i * 7) % f.metadata.num_row_groups, columns=["msisdn", "message_id"])
        row = (i * 7919) % group.num_rows
        numbers.append(group["msisdn"][row].as_py().removeprefix("+48"))
        ids.append(group["message_id"][(row + 1) % group.num_rows].as_py())
    return numbers, ids


def search_warm_up(body: dict) -> dict:
    """Returns a search request like `body` for a number nobody has (answered from the index all the same)."""
    warm = json.loads(json.dumps(body))
    for item in warm["state"]:
        if item["id"] == "search-text":
            item["value"] = "+48 500 000 000"
    return warm


def interactions(
    specs: dict,
    dispatches: list[int],
    campaigns: list[int],
    keys: list[str],
    searches: tuple[list[str], list[str]] = ([], []),
    big: int | None = None,
) -> list[tuple[str, list[dict]]]:
    """Returns (name, request bodies) of every dashboard interaction that reaches the server. An
    interaction with several bodies sends each once, in turn: each is a different question (no cache helps)."""
    report = specs["sms-kpis.children"]
    details = specs["sms-details.is_open"]
    trx = specs["trx-kpis.children"]
    lang = {"shell-lang.data": "pl"}
    out = []
    for preset in PRESETS:
        out.append((f"period {preset}", [payload(report, {"sms-period.value": preset, **lang}, ["sms-period.value"])]))
    # The dispatch grid's first block of rows, and the same sorted by name (issue 19: the grid asks the server
    # for its rows, a block at a time, sorted and filtered there; each period change and sort sends one).
    grid = specs["sms-grid.getRowsResponse"]
    for preset in ("1m", "all"):
        for column, direction in (("sent_at", "desc"), ("name", "asc")):
            ask = {"startRow": 0, "endRow": 100, "sortModel": [{"colId": column, "sort": direction}], "filterModel": {}}
            values = {"sms-period.value": preset, "sms-grid.getRowsRequest": ask, **lang}
            out.append((f"grid {preset} by {column}", [payload(grid, values, ["sms-grid.getRowsRequest"])]))
    # The period's operators, countries and time to delivery (issue 20): a callback of its own beside the report.
    views = specs["sms-period-views.children"]
    for preset in ("1m", "all"):
        out.append(
            (f"operators {preset}", [payload(views, {"sms-period.value": preset, **lang}, ["sms-period.value"])])
        )
    # The trend's switch (a bar a day / week / month): only the chart is answered, summed from the daily rollup rows.
    for grain in ("day", "week", "month"):
        values = {"sms-period.value": "all", "sms-trend-grain.value": grain, **lang}
        out.append((f"trend {grain}", [payload(report, values, ["sms-trend-grain.value"])]))
    for name, (start, end) in CUSTOM.items():
        chosen = {"sms-period.value": "custom", "sms-period-range.start_date": start, "sms-period-range.end_date": end}
        out.append((f"custom {name}", [payload(report, {**chosen, **lang}, ["sms-period-range.end_date"])]))
    for i, number in enumerate(dispatches[:3]):
        cell = {"colId": "details", "rowId": str(number), "value": "Szczegóły", "timestamp": i}
        out.append(
            (f"details #{i + 1}", [payload(details, {"sms-grid.cellClicked": cell, **lang}, ["sms-grid.cellClicked"])])
        )
    if big is not None:  # the biggest dispatch's operators, countries, time to delivery and cost (issue 20)
        cell = {"colId": "details", "rowId": str(big), "value": "Szczegóły", "timestamp": 99}
        out.append(
            ("details big", [payload(details, {"sms-grid.cellClicked": cell, **lang}, ["sms-grid.cellClicked"])])
        )
    for i, cid in enumerate(campaigns[:2]):
        cell = {"colId": "details", "rowId": f"c{cid}", "value": "Szczegóły", "timestamp": i}
        out.append(
            (f"campaign #{i + 1}", [payload(details, {"sms-grid.cellClicked": cell, **lang}, ["sms-grid.cellClicked"])])
        )
    out.append(
        (
            "campaign +",
            [
                payload(
                    report, {"sms-period.value": preset, "camp-expanded.data": [cid], **lang}, ["camp-expanded.data"]
                )
                for preset in PRESETS
                for cid in campaigns
            ],
        )
    )
    for preset in PRESETS:
        out.append((f"trx {preset}", [payload(trx, {"trx-period.value": preset, **lang}, ["trx-period.value"])]))
    for grain in ("day", "week", "month"):
        values = {"trx-period.value": "all", "trx-trend-grain.value": grain, **lang}
        out.append((f"trx trend {grain}", [payload(trx, values, ["trx-trend-grain.value"])]))
    for name, (start, end) in CUSTOM.items():
        chosen = {"trx-period.value": "custom", "trx-period-range.start_date": start, "trx-period-range.end_date": end}
        out.append((f"trx {name}", [payload(trx, {**chosen, **lang}, ["trx-period-range.end_date"])]))
    out.append(
        (
            "trx row +",
            [
                payload(trx, {"trx-period.value": preset, "trx-open.data": [key], **lang}, ["trx-open.data"])
                for preset in PRESETS
                for key in keys
            ],
        )
    )
    search = specs["search-modal.is_open"]
    for name, texts in (("search number", searches[0]), ("search id", searches[1])):
        if texts:
            out.append(
                (
                    name,
                    [
                        payload(
                            search,
                            {"search-text.value": text, "search-text.n_submit": 1, **lang},
                            ["search-text.n_submit"],
                        )
                        for text in texts
                    ],
                )
            )
    return out


def browser_session(server: Server) -> requests.Session:
    """Returns an HTTP session that has loaded the page, as a browser has: its cookies, and the
    CSRF token the page hands out (if any) in the header Dash's renderer sends it in."""
    session = requests.Session()
    session.get(server.base + "/", timeout=60).raise_for_status()
    token = session.cookies.get("_csrf_token")
    if token:
        session.headers["X-CSRFToken"] = token
    return session


def timed(server: Server, bodies: list[dict], repeat: int) -> tuple[list[float], list[float]]:
    """Returns the wall time and the server's CPU time (ms) of `repeat` requests, cycling through `bodies` (the CPU
    time from the answer's Server-Timing header: a server started with SMSREPORTS_CPU_TIMING=on)."""
    if not hasattr(server, "session"):
        server.session = browser_session(server)
    times, cpu = [], []
    for i in range(repeat):
        started = time.perf_counter()
        response = server.session.post(
            server.base + "/_dash-update-component", json=bodies[i % len(bodies)], timeout=1800
        )
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        cpu.append(server_cpu_ms(response))
    return times, cpu


def server_cpu_ms(response: requests.Response) -> float:
    """Returns the CPU ms a `Server-Timing: cpu;dur=N` header gives (web/timing.py)."""
    for metric in response.headers.get("Server-Timing", "").split(","):
        name, _, rest = metric.strip().partition(";")
        if name == "cpu" and rest.startswith("dur="):
            return float(rest.removeprefix("dur="))
    raise RuntimeError("the answer has no Server-Timing cpu figure: start the server with SMSREPORTS_CPU_TIMING=on")


def stats(ms: list[float]) -> dict:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"min": round(ordered[0], 1), "median": round(statistics.median(ordered), 1), "p95": round(p95, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2_000_000)
    parser.add_argument(
        "--big-dispatch", type=int, default=None, help="recipients of the big dispatch (default min(1M, N/2))"
    )
    parser.add_argument("--repeat", type=int, default=20, help="requests per interaction with rollups")
    parser.add_argument(
        "--raw-repeat",
        type=int,
        default=5,
        help="requests per interaction by raw scan (0: no raw-scan server, no ratios)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="time only the interactions whose name starts with NAME (repeatable)",
    )
    parser.add_argument(
        "--reuse-rollups",
        action="store_true",
        help="time the interactions over the rollups and search index the lake has (when fresh): no build figures",
    )
    parser.add_argument(
        "--baseline-src",
        type=Path,
        default=None,
        help="also time a server run from this source tree (another commit's), request by request in turn with this "
        "one's: cpu_ratio = its CPU median / this one's",
    )
    parser.add_argument("--no-download", action="store_true", help="skip the numbers download")
    parser.add_argument("--dispatches", type=int, default=None, help="bulk dispatches of the demo (default 20-300)")
    parser.add_argument("--labels", type=int, default=None, help="named transactional labels of the demo (default 4)")
    args = parser.parse_args()
    big = args.big_dispatch if args.big_dispatch is not None else min(1_000_000, max(1000, args.messages // 2))
    sizes = "".join(f"-{k[0]}{v}" for k, v in (("dispatches", args.dispatches), ("labels", args.labels)) if v)
    data_dir = ROOT / "var" / "bench" / f"m{args.messages}{sizes}"
    lake_info = ensure_lake(data_dir, args.messages, big, args.dispatches, args.labels)
    figures: dict[str, object] = {
        "messages": lake_info["messages"],
        "dispatches": lake_info.get("dispatches"),
        "labels": lake_info.get("labels"),
        "lake_build_s": lake_info["build_s"],
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {round(psutil.virtual_memory().total / 2**30)} GiB",
        "load_average_at_start": round(os.getloadavg()[0], 1),
    }
    if args.reuse_rollups and rollup_status(Lake(data_dir / "lake"), tz=TZ).fresh:
        print(f"lake: {lake_info['messages']:,} messages; rollups and search index reused (not timed)")
    else:
        figures.update(rollup_figures(Lake(data_dir / "lake")))
        print(
            f"lake: {lake_info['messages']:,} messages; rollups from scratch {figures['rollup_full_s']} s "
            f"({figures['rollup_full_cpu_s']} CPU-s, {figures['rollup_rows']:,} rows), one month "
            f"({figures['rollup_one_month']}, {figures['rollup_one_month_share']:.1%} of the messages) "
            f"{figures['rollup_one_month_s']} s ({figures['rollup_one_month_cpu_s']} CPU-s); search index {figures['search_index_full_s']} s from scratch, "
            f"{figures['search_index_one_month_s']} s one month, {figures['search_index_mb']} MB"
        )

    specs = callback_specs()
    steps = interactions(
        specs,
        lake_info["recent_dispatches"],
        bench_campaigns(data_dir),
        trx_keys(data_dir),
        search_samples(data_dir),
        lake_big_dispatch(data_dir, big),
    )
    if args.only:
        steps = [(name, bodies) for name, bodies in steps if name.startswith(tuple(args.only))]
    timing = {"SMSREPORTS_CPU_TIMING": "on"}
    fast = Server.start(data_dir, tz=TZ, env={"SMSREPORTS_ROLLUPS": "on", **timing}, local=True)
    raw = baseline = None  # the raw-scan server starts once the rollup side is timed: nothing else runs meanwhile
    rows = []
    try:
        if args.baseline_src:
            baseline = Server.start(
                data_dir, tz=TZ, env={"SMSREPORTS_ROLLUPS": "on", **timing}, local=True, root=args.baseline_src
            )
        sides = [fast] + ([baseline] if baseline else [])
        # Every interaction with rollups first, then each by raw scan: a long raw scan keeps the machine
        # busy after it answers, and that must not be timed as the rollup side's.
        with PeakRss(fast.proc.pid) as rss:
            for name, bodies in steps:
                for server in sides:
                    if len(bodies) == 1:  # the first call warms caches, as any page view does
                        timed(server, bodies, 1)
                    elif name.startswith("search"):  # an untimed search first: the index's ranges, once per version
                        timed(server, [search_warm_up(bodies[0])], 1)
                # Several bodies: each a different question, asked once (a second round could be answered by a cache).
                count = args.repeat if len(bodies) == 1 else min(args.repeat, len(bodies))
                (wall, cpu), *others = alternate(sides, bodies, count)
                row = {
                    "interaction": name,
                    "requests": count,
                    "rollups_ms": stats(wall),
                    "cpu_ms": stats(cpu),
                    "raw_ms": None,
                    "ratio": None,
                }
                if others:
                    row["baseline_rollups_ms"], row["baseline_cpu_ms"] = stats(others[0][0]), stats(others[0][1])
                    row["cpu_ratio"] = round(row["baseline_cpu_ms"]["median"] / max(row["cpu_ms"]["median"], 0.1), 2)
                rows.append(row)
                print(f"  {_row_text(rows[-1])}", file=sys.stderr, flush=True)
        peak = rss.peak
        if args.raw_repeat > 0:
            raw = Server.start(data_dir, tz=TZ, env={"SMSREPORTS_ROLLUPS": "off", **timing}, local=True)
        for row, (_name, bodies) in zip(rows, steps) if raw else ():
            row["raw_ms"] = stats(timed(raw, bodies, args.raw_repeat)[0])
            row["ratio"] = round(row["raw_ms"]["median"] / max(row["rollups_ms"]["median"], 0.1), 1)
            print(f"  {_row_text(row)}", file=sys.stderr, flush=True)  # progress: raw scans of a big lake are slow
    finally:
        for server in (fast, baseline, raw):
            if server:
                server.stop()
    figures["interactions"] = rows
    figures["load_average_at_end"] = round(os.getloadavg()[0], 1)
    figures["server_peak_rss_mb"] = round(peak / 2**20, 1)
    if not args.no_download:
        figures["download"] = measure_download(data_dir, lake_big_dispatch(data_dir, big))

    print(
        f"{'interaction':<14} {'rollups min/med/p95 ms':>24} {'cpu min/med/p95 ms':>20} "
        f"{'raw scan min/med/p95 ms':>26} {'ratio':>7}" + ("  baseline cpu med, ratio" if baseline else "")
    )
    for r in rows:
        print(_row_text(r))
    print("sort: in the browser (AG Grid, both pages), no server request")
    print(f"server peak RSS {figures['server_peak_rss_mb']} MB")
    if "download" in figures:
        d = figures["download"]
        print(f"download: {d['numbers']:,} numbers in {d['seconds']} s, server RSS +{d['rss_growth_mb']} MB")
    print(json.dumps(figures))


def alternate(servers: list[Server], bodies: list[dict], count: int) -> list[tuple[list[float], list[float]]]:
    """Returns (wall ms, CPU ms) of `count` requests to each server, cycling through `bodies`, each request sent
    to one server and then the next: servers compared under the same load of the machine."""
    figures = [([], []) for _ in servers]
    for i in range(count):
        for server, (wall, cpu) in zip(servers, figures):
            w, c = timed(server, [bodies[i % len(bodies)]], 1)
            wall += w
            cpu += c
    return figures


def _row_text(r: dict) -> str:
    a, c, b = r["rollups_ms"], r["cpu_ms"], r["raw_ms"] or {"min": "-", "median": "-", "p95": "-"}
    ratio = f"{r['ratio']}x" if r["ratio"] is not None else "-"
    text = (
        f"{r['interaction']:<14} {a['min']:>8} {a['median']:>7} {a['p95']:>7} {c['min']:>6} {c['median']:>6} "
        f"{c['p95']:>6} {b['min']:>9} {b['median']:>8} {b['p95']:>8} {ratio:>7}"
    )
    if "baseline_cpu_ms" in r:
        text += f"  {r['baseline_cpu_ms']['median']:>7} {r['cpu_ratio']:>5}x"
    return text


def lake_big_dispatch(data_dir: Path, recipients: int) -> int:
    """Returns the number of the dispatch whose size is nearest `recipients` (the added big dispatch: at
    100M messages some ordinary dispatches are larger still, and the target is about a 1M download)."""
    import duckdb

    lake = Lake(data_dir / "lake")
    return int(
        duckdb.connect()
        .execute(
            "SELECT number FROM read_parquet($r) r JOIN read_parquet($d) d USING (dispatch_id) "
            "GROUP BY number ORDER BY abs(sum(messages) - $n), number LIMIT 1",
            {
                "r": str(lake.rollups_dir / "dispatch_daily" / "*" / "*.parquet"),
                "d": str(lake.dispatches_file),
                "n": recipients,
            },
        )
        .fetchone()[0]
    )


if __name__ == "__main__":
    main()
