"""Measures a numbers download of a big dispatch: time, and the server's resident memory growth.

Usage: python -m bench.download [--recipients 1000000] [--data-dir DIR]
Builds (or reuses) a demo lake with one dispatch of that many recipients, starts
`app.py serve` in its own process, downloads the dispatch's delivered numbers as
CSV through the streaming route, and samples the server's RSS while it streams.
Prints a table and, as its last line, a JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import TZ  # noqa: E402
from bench.server import PeakRss, Server  # noqa: E402
from data.demo import build_demo  # noqa: E402
from data.lake import Lake  # noqa: E402
from data.period import today_in  # noqa: E402


def ensure_lake(data_dir: Path, recipients: int, messages: int) -> int:
    """Builds the lake if its marker does not match; returns the big dispatch's number."""
    marker = data_dir / f"bench-download-{recipients}-{messages}.json"
    if marker.exists():
        return json.loads(marker.read_text())["number"]
    build_demo(Lake(data_dir / "lake"), messages=messages, seed=3, until=today_in(TZ), tz=TZ, big_dispatch=recipients)
    import duckdb

    number = (
        duckdb.connect()
        .execute(
            f"SELECT d.number FROM read_parquet('{data_dir}/lake/messages/*/*.parquet') m "
            f"JOIN read_parquet('{data_dir}/lake/dispatches/dispatches.parquet') d USING (dispatch_id) "
            "GROUP BY d.number ORDER BY count(*) DESC LIMIT 1"
        )
        .fetchone()[0]
    )
    marker.write_text(json.dumps({"number": int(number)}))
    return int(number)


def measure(data_dir: Path, number: int, fmt: str = "csv") -> dict:
    """Serves the app in a subprocess and downloads the delivered numbers; returns the figures."""
    server = Server.start(data_dir, tz=TZ, local=True)
    try:
        base = server.base
        requests.get(base + "/ready", timeout=30)  # warm up: imports, first DuckDB query
        with PeakRss(server.proc.pid) as rss:
            start = time.perf_counter()
            rows = size = 0
            with requests.get(
                f"{base}/export/numbers.{fmt}?dispatch={number}&status=delivered&lang=en", stream=True, timeout=120
            ) as r:
                r.raise_for_status()
                for chunk in r.iter_content(chunk_size=1 << 16):
                    size += len(chunk)
                    rows += chunk.count(b"\n")
            seconds = time.perf_counter() - start
        before, peak = rss.before, rss.peak
        return {
            "format": fmt,
            "numbers": rows - 1 if fmt == "csv" else None,
            "bytes": size,
            "seconds": round(seconds, 3),
            "rss_before_mb": round(before / 2**20, 1),
            "rss_peak_mb": round(peak / 2**20, 1),
            "rss_growth_mb": round((peak - before) / 2**20, 1),
        }
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--messages", type=int, default=20_000, help="demo messages besides the big dispatch")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench-download")
    args = parser.parse_args()
    number = ensure_lake(args.data_dir, args.recipients, args.messages)
    result = {"dispatch": number, "recipients": args.recipients, **measure(args.data_dir, number)}
    print(
        f"numbers download of dispatch {number} ({args.recipients:,} recipients): "
        f"{result['numbers']:,} numbers, {result['bytes'] / 2**20:.1f} MB in {result['seconds']} s; "
        f"server RSS {result['rss_before_mb']} -> peak {result['rss_peak_mb']} MB (+{result['rss_growth_mb']} MB)"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
