"""Rollup build time by engine (README, "Beyond one machine"): DuckDB in this process and
Spark (local mode unless --spark-master), side by side, on an existing lake.

    python -m bench.spark --data-dir var/bench/m10000000 [--engines duckdb,spark] [--repeat 1]

Each build is a full rebuild (every month) in its own lake transaction, as
`python app.py rollup` does. Spark's figures are split into starting the session
(JVM and all, paid once per command) and the build itself. Beside wall-clock seconds
it reports CPU seconds (this process, and Spark's JVM in local mode), which other
work on a shared machine disturbs less. The last line printed is one JSON object
with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import TZ  # noqa: E402
from data.lake import Lake, transaction  # noqa: E402
from data.rollups import build_rollups  # noqa: E402


def count_messages(lake: Lake) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(p).metadata.num_rows for p in lake.messages_dir.glob("month=*/*.parquet"))


def cpu_seconds(pids: list[int]) -> float:
    """Returns the CPU time (user + system) used so far by these processes."""
    import psutil

    total = 0.0
    for pid in pids:
        t = psutil.Process(pid).cpu_times()
        total += t.user + t.system
    return total


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="data directory holding lake/")
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--spark-master", default=None)
    parser.add_argument("--duckdb-threads", type=int, default=int(os.environ.get("SMSREPORTS_DUCKDB_THREADS", 2)))
    args = parser.parse_args(argv)
    lake = Lake(args.data_dir / "lake")
    if not lake.exists():
        parser.error(f"no lake at {lake.root}")
    out: dict[str, object] = {
        "messages": count_messages(lake),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
    }
    for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
        runs = []
        if engine == "duckdb":
            cpu = []
            for _ in range(args.repeat):
                before = cpu_seconds([os.getpid()])
                with transaction(lake) as staging:
                    runs.append(build_rollups(staging, tz=TZ, threads=args.duckdb_threads)["seconds"])
                cpu.append(round(cpu_seconds([os.getpid()]) - before, 1))
            out["duckdb_build_s"] = runs
            out["duckdb_cpu_s"] = cpu
        elif engine == "spark":
            from data.spark import DEFAULT_MASTER, SparkEngine, session

            started = time.perf_counter()
            spark = session(args.spark_master)
            out["spark_master"] = args.spark_master or DEFAULT_MASTER
            out["spark_session_s"] = round(time.perf_counter() - started, 1)
            gateway = getattr(spark.sparkContext, "_gateway", None)
            pids = [os.getpid()] + ([gateway.proc.pid] if gateway is not None and gateway.proc else [])
            cpu = []
            try:
                for _ in range(args.repeat):
                    before = cpu_seconds(pids)
                    with transaction(lake) as staging:
                        runs.append(build_rollups(staging, tz=TZ, engine=SparkEngine(spark))["seconds"])
                    cpu.append(round(cpu_seconds(pids) - before, 1))
            finally:
                spark.stop()
            out["spark_build_s"] = runs
            out["spark_cpu_s"] = cpu
        else:
            parser.error(f"unknown engine {engine!r}")
        print(f"{engine}: {runs}", flush=True)
    try:
        out["load_avg_1m"] = os.getloadavg()[0]
    except OSError:
        pass
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
