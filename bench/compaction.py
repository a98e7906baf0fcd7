"""Compaction speed (`make bench-compact [COMPACT_MESSAGES=N]`): 10,000 spooled callbacks into a lake of N messages.

A demo lake of N messages is made once under var/bench-compact/<N>/ (git-ignored) and copied (hard links:
the lake's files are never changed in place) for each run. The callbacks are what a live day sends: status
updates of the newest month's pending and sent messages (a provider's final report, found by its own id),
new API messages with their final report, and clicks, as canonical and clicks callbacks of one to three
lines. Each run spools them (`data.spool.Spool.append`, fsync'd) and times one `data.compactor.compact`:
seal, read, the ingest's parse, checks and merge, the rewrite of the touched day files (the month, the first
time), their days' rollup rows, the publication; in wall and CPU seconds (every thread's). The load average is
printed beside each figure. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from config import ROOT
from data.compactor import compact
from data.demo import build_demo
from data.ingest.core import Options
from data.lake import Lake
from data.spool import Entry, Spool, now_iso

TZ = "Europe/Warsaw"


def base_lake(messages: int) -> Path:
    """Returns a data directory holding a demo lake of `messages` (made once)."""
    folder = ROOT / "var" / "bench-compact" / str(messages)
    if not (folder / "lake").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        build_demo(Lake(folder / "lake"), messages=messages, seed=3, until=dt.date(2026, 11, 20), tz=TZ)
    return folder


def copy(src: Path, dst: Path) -> Path:
    """Copies a data directory's lake as hard links (the lake's files are only ever replaced, never changed)."""
    shutil.rmtree(dst, ignore_errors=True)
    dst.mkdir(parents=True)
    shutil.copytree(src / "lake.d", dst / "lake.d", symlinks=True, copy_function=os.link)
    os.symlink(os.readlink(src / "lake"), dst / "lake")
    return dst


def callbacks(data_dir: Path, count: int, seed: int) -> list[Entry]:
    """Returns `count` callbacks: updates of the newest month's open messages, new API messages, clicks."""
    rnd = random.Random(seed)
    lake = Lake(data_dir / "lake")
    newest = lake.month_dirs()[-1]
    table = pq.read_table(newest, columns=["message_id", "provider", "provider_message_id", "status", "created_at"])
    open_ = table.filter(pc.is_in(table["status"], value_set=pa.array(["pending", "delivered"])))
    open_ = open_.sort_by([("created_at", "descending")])  # a live day reports on what was sent last
    rows = open_.slice(0, min(open_.num_rows, count)).to_pylist()
    out: list[Entry] = []
    i = 0
    while len(out) < count:
        kind = rnd.random()
        if kind < 0.6 and i < len(rows):
            m = rows[i]
            i += 1
            done = m["created_at"] + dt.timedelta(seconds=rnd.randint(5, 3600))
            status = rnd.choice(["delivered", "undelivered", "expired"])
            body = {
                "provider": m["provider"],
                "provider_message_id": m["provider_message_id"],
                "status": status,
                "raw_status": {"delivered": "DELIVRD", "undelivered": "UNDELIV", "expired": "EXPIRED"}[status],
                "done_at": done.isoformat(),
            }
            out.append(Entry(now_iso(), "canonical", (json.dumps(body) + "\n").encode()))
            if status == "delivered" and rnd.random() < 0.2 and len(out) < count:
                click = {"message_id": m["message_id"], "clicked_at": (done + dt.timedelta(minutes=3)).isoformat()}
                out.append(Entry(now_iso(), "clicks", (json.dumps(click) + "\n").encode()))
        else:
            n = len(out)
            created = dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC) + dt.timedelta(seconds=n)
            base = {"message_id": f"bench-{seed}-{n}", "provider": "smsapi", "campaign_label": f"live-{n % 7}"}
            lines = [
                {**base, "source": "api", "msisdn": f"+48601{n % 10**6:06d}", "created_at": created.isoformat(),
                 "status": "pending"},
                {**base, "status": "delivered", "done_at": (created + dt.timedelta(seconds=9)).isoformat()},
            ]  # fmt: skip
            out.append(Entry(now_iso(), "canonical", "".join(json.dumps(x) + "\n" for x in lines).encode()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2_000_000)
    parser.add_argument("--callbacks", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    started = time.perf_counter()
    base = base_lake(args.messages)
    made = time.perf_counter() - started
    runs = []
    for r in range(args.repeat):
        work = copy(base, ROOT / "var" / "bench-compact" / f"run-{args.messages}")
        # three compactions: the first after the lake was written (a batch import, the demo: it rebuilds the
        # touched month's search index, and splits the month into day files and indexes its ids), the next
        # (within data.compactor.INDEX_EVERY_S) not the search index, as the compactor runs between its index
        # builds, the third the search index again (as every INDEX_EVERY_S)
        for step, label, every in (
            (0, "first after the lake was written", None),
            (1, "between index builds", None),
            (2, "with the search index", 0.0),
        ):
            entries = callbacks(work, args.callbacks, seed=r * 10 + step)
            spool = Spool(work)
            t0 = time.perf_counter()
            for e in entries:
                spool.append(e)
            spooled = time.perf_counter() - t0
            load = os.getloadavg()[0]
            more = {} if every is None else {"index_every_s": every}
            cpu = time.process_time()
            done = compact(work, options=Options(tz=TZ), report_tz=TZ, **more)
            cpu = time.process_time() - cpu  # every thread's: steadier than the wall time on a shared machine
            s = done.summary
            runs.append(
                {
                    "run": r + 1,
                    "kind": label,
                    "callbacks": done.callbacks,
                    "seconds": round(done.seconds, 2),
                    "cpu_seconds": round(cpu, 2),
                    "spool_append_ms_each": round(spooled / len(entries) * 1000, 3),
                    "months": done.months,
                    "messages_new": s.messages_new,
                    "messages_updated": s.messages_updated,
                    "clicks_new": s.clicks_new,
                    "quarantined": s.quarantined + done.quarantined,
                    "load": round(load, 2),
                }
            )
            print(
                f"run {r + 1} ({label}): {done.callbacks:,} callbacks compacted in {done.seconds:.2f} s ({cpu:.2f} CPU-s) into a "
                f"{args.messages:,}-message lake (months {', '.join(done.months)}; new {s.messages_new:,}, updated "
                f"{s.messages_updated:,}, clicks {s.clicks_new:,}); spool append {spooled / len(entries) * 1000:.2f} ms "
                f"each (fsync); load {load:.1f}",
                flush=True,
            )
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"messages": args.messages, "lake_made_s": round(made, 1), "runs": runs}))


if __name__ == "__main__":
    main()
