"""Speed of the bot-click rule (`python -m bench.bot_rule [--clicks N]`): clicks classified per second
by `data.clicks.bot_click_mask`, the call the import makes, on N user agents (default 200,000).

Two inputs of N clicks each, made here from fixed seeds: "distinct", every click with its own user
agent (browser templates of tests/samples/mobile_browsers.txt with random versions and models, one in
ten a crawler's sample with a random version: the worst case), and "repeated", the same clicks drawn
from 2,000 of those user agents (as in a real click log, where a few thousand agents make most
clicks). Each figure is the best of `--repeat` runs, per CPU second of this process (the matching runs
on one thread) and per second of wall time, with the load average before it; the last line printed is
one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data.clicks import bot_click_mask  # noqa: E402

BROWSERS = ROOT / "tests" / "samples" / "mobile_browsers.txt"
BOTS = (
    "Mozilla/5.0 (compatible; Googlebot/{v}; +http://www.google.com/bot.html)",
    "facebookexternalhit/{v} (+http://www.facebook.com/externalhit_uatext.php)",
    "WhatsApp/{v} A",
    "Slackbot-LinkExpanding {v} (+https://api.slack.com/robots)",
    "python-requests/{v}",
    "Mozilla/5.0 (compatible; bingbot/{v}; +http://www.bing.com/bingbot.htm)",
    "Microsoft Office/{v} (Windows NT 10.0; Microsoft Outlook 16.0.12026; Pro)",
)


def user_agents(n: int, seed: int = 17) -> list[str]:
    """Returns n user agents, nearly all different: browsers with random versions, one in ten a bot."""
    rng = random.Random(seed)
    browsers = [line for line in BROWSERS.read_text().splitlines() if line and not line.startswith("#")]
    out = []
    for _ in range(n):
        version = f"{rng.randint(1, 140)}.0.{rng.randint(0, 9999)}.{rng.randint(0, 999)}"
        if rng.random() < 0.1:
            out.append(rng.choice(BOTS).format(v=version))
        else:
            ua = rng.choice(browsers)
            out.append(ua.replace("Chrome/", f"Chrome/{version} X/", 1).replace("Android 1", f"Android {version} ", 1))
    return out


def timed(values: pa.Array, repeat: int) -> tuple[float, float, float, int]:
    """Returns (best CPU seconds, best wall seconds, load average before the best, bot count) over `repeat` runs
    of bot_click_mask. CPU time (of this process) depends less on what else the machine runs than wall time."""
    best_cpu, best_wall, load, bots = float("inf"), float("inf"), 0.0, 0
    for _ in range(repeat):
        before = os.getloadavg()[0]
        cpu, wall = time.process_time(), time.perf_counter()
        mask = bot_click_mask(values)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if cpu < best_cpu:
            best_cpu, load, bots = cpu, before, int(mask.sum())
        best_wall = min(best_wall, wall)
    return best_cpu, best_wall, load, bots


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    distinct = user_agents(args.clicks)
    rng = random.Random(18)
    pool = distinct[:2000]
    repeated = [rng.choice(pool) for _ in range(args.clicks)]
    figures = {"clicks": args.clicks}
    for name, uas in (("distinct", distinct), ("repeated", repeated)):
        cpu, wall, load, bots = timed(pa.array(uas, pa.string()), args.repeat)
        rate, wall_rate = args.clicks / cpu, args.clicks / wall
        print(
            f"{name:9} {rate:>12,.0f} clicks per CPU second, {wall_rate:>12,.0f} per second "
            f"({bots} bots, load {load:.2f})"
        )
        figures[name] = {
            "clicks_per_cpu_s": round(rate),
            "clicks_per_s": round(wall_rate),
            "cpu_seconds": round(cpu, 4),
            "bots": bots,
            "load": round(load, 2),
        }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
