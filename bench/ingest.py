"""Ingest speed (`make bench-ingest [INGEST_MESSAGES=N]`): `app.py ingest`'s work against the
time DuckDB alone needs to read the same file, in the same run.

The target is relative: the import's CPU time over DuckDB's own read of the same file
(one thread each, measured in the same run) at most 2.5x for the canonical CSV and
Parquet files and 12x for the receipt log. The last line says each ratio and whether
it is met (and by how much it is missed).

Inputs are made once under var/bench-ingest/ (git-ignored) from a demo lake of N
messages: the messages as one canonical Parquet file and as canonical CSV, and a
Kannel access log with one SMPP delivery receipt per message (`Receive DLR` lines,
recipient and receipt as SMSCs write them: numbers without "+", YYMMDDhhmm dates).
Each is imported into an empty data directory (`data.ingest.ingest`, rollups not
built: they are timed once, separately) and read by DuckDB (`CREATE TABLE AS SELECT
* FROM read_parquet / read_csv`, the receipt log as one text column). Every figure is
the best of `--repeat` runs; "per core" divides by the CPU time of the process (all
its threads), so it does not depend on how many cores the machine lends. The import
runs with `--threads` Arrow threads (default 1: the per-core figure without thread
overhead); DuckDB's read is timed on 1 thread (its per-core figure) and on all
cores (wall time). The load average before each figure is printed beside it (other
work on the machine slows both sides alike: compare the ratios). The last line
printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import pyarrow.csv as pcsv  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from bench import TZ  # noqa: E402
from data import schema  # noqa: E402
from data.demo import build_demo  # noqa: E402
from data.ingest import Options, ingest  # noqa: E402
from data.lake import Lake, transaction  # noqa: E402
from data.rollups import build_rollups  # noqa: E402

UNTIL = dt.date(2026, 10, 31)
# the import's CPU time / DuckDB's read of the same file on one thread, at most
TARGETS = {"canonical_parquet": 2.5, "canonical_csv": 2.5, "smpp_dlr": 12.0}

# status -> (stat, err) of an SMPP receipt
SMPP_OF = {
    "delivered": ("DELIVRD", "000"),
    "undelivered": ("UNDELIV", "027"),
    "expired": ("EXPIRED", "000"),
    "rejected": ("REJECTD", "069"),
    "not_sent": ("REJECTD", "00B"),
    "failed": ("UNDELIV", "034"),
    "unknown": ("UNKNOWN", "000"),
    "pending": ("ENROUTE", "000"),
}


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed(fn) -> tuple[float, float, object]:
    c, w = cpu(), time.perf_counter()
    out = fn()
    return time.perf_counter() - w, cpu() - c, out


def make_inputs(folder: Path, messages: int) -> dict[str, Path]:
    marker = folder / f"inputs-{messages}.json"
    if marker.exists():
        return {k: Path(v) for k, v in json.loads(marker.read_text()).items()}
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"making inputs from a {messages:,}-message demo lake in {folder} ...", flush=True)
    lake = Lake(folder / "source" / "lake")
    build_demo(lake, messages=messages, seed=3, until=UNTIL, tz=TZ, with_rollups=False)
    files = sorted(lake.messages_dir.glob("month=*/*.parquet"))
    table = pa.concat_tables([pq.read_table(f, schema=schema.MESSAGES) for f in files])
    out = {
        "canonical_parquet": folder / "messages.parquet",
        "canonical_csv": folder / "messages.csv",
        "smpp_dlr": folder / "kannel-access.log",
    }
    pq.write_table(table, out["canonical_parquet"], compression="zstd")
    pcsv.write_csv(table, out["canonical_csv"])
    write_kannel_log(table, out["smpp_dlr"])
    shutil.rmtree(folder / "source")
    marker.write_text(json.dumps({k: str(v) for k, v in out.items()}))
    return out


def write_kannel_log(table: pa.Table, path: Path) -> None:
    """One `Receive DLR` line per message, as Kannel's bearerbox logs them."""
    local = pa.timestamp("s", tz=TZ)  # whole seconds, as Kannel logs them
    created = table["created_at"].cast(local, safe=False)
    done = pc.coalesce(table["done_at"], table["created_at"]).cast(local, safe=False)
    stat = pa.array([SMPP_OF[s][0] for s in SMPP_OF], pa.string())
    err = pa.array([SMPP_OF[s][1] for s in SMPP_OF], pa.string())
    which = pc.index_in(table["status"], value_set=pa.array(list(SMPP_OF), pa.string()))
    raw_smpp = pc.equal(table["provider"], "smsapi")  # the demo's SMSAPI rows carry real receipt codes
    stat = pc.if_else(raw_smpp, pc.coalesce(table["raw_status"], stat.take(which)), stat.take(which))
    err = pc.if_else(raw_smpp, pc.coalesce(table["raw_error"], err.take(which)), err.take(which))
    pmid = table["provider_message_id"]
    number = pc.utf8_slice_codeunits(table["msisdn"], 1)  # SMSCs write 48600100200
    parts = [
        pc.strftime(done, format="%Y-%m-%d %H:%M:%S"),
        " Receive DLR [SMSC:smsapi] [SVC:sklep] [ACT:] [BINF:] [FID:",
        pmid,
        "] [META:?smpp?dlr_err=",
        err,
        "&] [from:",
        number,
        "] [to:",
        table["sender"],
        "] [flags:-1:-1:-1:-1:1] [msg:104:id:",
        pmid,
        " sub:001 dlvrd:001 submit date:",
        pc.strftime(created, format="%y%m%d%H%M"),
        " done date:",
        pc.strftime(done, format="%y%m%d%H%M"),
        " stat:",
        stat,
        " err:",
        err,
        " text:Promocja jesienna -20%] [udh:0:]\n",
    ]
    lines = pc.binary_join_element_wise(*parts, "")
    with open(path, "wb") as fh:
        for chunk in lines.chunks if isinstance(lines, pa.ChunkedArray) else [lines]:
            fh.write(b"".join(v.encode("utf-8") for v in chunk.to_pylist()))


def load() -> float:
    return round(os.getloadavg()[0], 2)


def duckdb_read(kind: str, path: Path, threads: int | None) -> tuple[float, float, int]:
    con = duckdb.connect(":memory:", config={"threads": threads} if threads else {})
    if kind == "canonical_parquet":
        sql = f"CREATE TABLE t AS SELECT * FROM read_parquet('{path}')"
    elif kind == "canonical_csv":
        sql = f"CREATE TABLE t AS SELECT * FROM read_csv('{path}')"
    else:
        sql = (
            f"CREATE TABLE t AS SELECT * FROM read_csv('{path}', header=false, delim='\\t', quote='', "
            "escape='', columns={'line': 'VARCHAR'})"
        )
    wall, used, _ = timed(lambda: con.execute(sql))
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()
    return wall, used, rows


def ingest_once(kind: str, path: Path, work: Path) -> tuple[float, float, object]:
    shutil.rmtree(work, ignore_errors=True)
    opts = Options(
        provider="smsapi" if kind == "smpp_dlr" else None, tz=TZ, now=dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    )
    fmt = "smpp-dlr" if kind == "smpp_dlr" else "canonical"
    return timed(lambda: ingest([path], data_dir=work, fmt=fmt, options=opts, report_tz=TZ, rollups="never"))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--data", type=Path, default=ROOT / "var" / "bench-ingest")
    parser.add_argument("--threads", type=int, default=1, help="Arrow threads of the import (0: one per core)")
    args = parser.parse_args(argv)
    threads = args.threads or os.cpu_count() or 1
    pa.set_cpu_count(threads)
    pa.set_io_thread_count(threads)
    inputs = make_inputs(args.data, args.messages)
    work = args.data / "work"
    results: dict[str, dict] = {}
    for kind, path in inputs.items():
        best = None
        load_before = load()
        for _ in range(args.repeat):
            wall, used, summary = ingest_once(kind, path, work)
            if best is None or used < best[1]:
                best = (wall, used, summary)
        wall, used, summary = best
        duck_load = load()
        duck1 = min((duckdb_read(kind, path, 1) for _ in range(args.repeat)), key=lambda r: r[1])
        duck = min((duckdb_read(kind, path, None) for _ in range(args.repeat)), key=lambda r: r[0])
        rows = summary.rows_read
        r = {
            "rows": rows,
            "bytes": path.stat().st_size,
            "messages": summary.messages_new,
            "quarantined": summary.quarantined,
            "ingest_wall_s": round(wall, 3),
            "ingest_cpu_s": round(used, 3),
            "rows_per_s": round(rows / wall),
            "rows_per_s_per_core": round(rows / used),
            "ingest_arrow_threads": threads,
            "ingest_load_average": load_before,
            "duckdb_read_wall_s": round(duck[0], 3),
            "duckdb_read_cpu_s": round(duck[1], 3),
            "duckdb_read_1_thread_s": round(duck1[0], 3),
            "duckdb_read_1_thread_cpu_s": round(duck1[1], 3),
            "duckdb_rows_per_s_per_core": round(duck1[2] / duck1[1]) if duck1[1] else None,
            "duckdb_load_average": duck_load,
            "ingest_over_duckdb_cpu": round(used / duck1[1], 2) if duck1[1] else None,
            "target_ingest_over_duckdb": TARGETS[kind],
        }
        ratio = r["ingest_over_duckdb_cpu"]
        r["target_met"] = ratio is not None and ratio <= TARGETS[kind]
        r["target_missed_by"] = None if r["target_met"] or ratio is None else round(ratio / TARGETS[kind], 2)
        results[kind] = r
        verdict = "met" if r["target_met"] else f"missed: {r['target_missed_by']}x the target"
        print(
            f"{kind:18s} {rows:>10,} rows  ingest ({threads} Arrow thread{'s' * (threads > 1)}, load {load_before}) "
            f"{wall:6.2f} s wall {used:6.2f} s cpu = {r['rows_per_s_per_core']:>9,} rows/s/core  |  "
            f"DuckDB read (load {duck_load}) 1 thread {duck1[1]:5.2f} s cpu = "
            f"{r['duckdb_rows_per_s_per_core']:>9,} rows/s/core, all cores {duck[0]:5.2f} s wall  |  "
            f"ingest/DuckDB cpu {ratio}x (target <= {TARGETS[kind]}x: {verdict})",
            flush=True,
        )
    # the rollups an import of the canonical Parquet file would build
    ingest_once("canonical_parquet", inputs["canonical_parquet"], work)
    lake = Lake(work / "lake")
    with transaction(lake) as staging:
        rwall, rused, _ = timed(lambda: build_rollups(staging, tz=TZ))
    print(f"rollups of the canonical import (all months): {rwall:.2f} s wall {rused:.2f} s cpu")
    shutil.rmtree(work, ignore_errors=True)
    report = {
        "benchmark": "ingest",
        "messages": args.messages,
        "repeat": args.repeat,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "results": results,
        "rollups_wall_s": round(rwall, 3),
        "rollups_cpu_s": round(rused, 3),
        "targets": {
            kind: {
                "ingest_over_duckdb_cpu": r["ingest_over_duckdb_cpu"],
                "target": r["target_ingest_over_duckdb"],
                "met": r["target_met"],
                "missed_by": r["target_missed_by"],
            }
            for kind, r in results.items()
        },
        "all_targets_met": all(r["target_met"] for r in results.values()),
    }
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
