"""Atomicity: an import killed (SIGKILL) at a random moment leaves the lake as it was before
or as it is after, never half; a new import then succeeds."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from config import ROOT
from data.lake import Lake
from data.rollups import NAMES, rollup_status
from tests.data.ingest.conftest import SAMPLES, TZ, run

# where in the import the kill lands, as a share of an unkilled import's time (start-up included)
MOMENTS = (0.3, 0.6, 0.85, 0.95, 1.02)


def state(data_dir: Path) -> dict:
    """What a reader sees: every file of the current version (rollups by their rows, the rest by bytes)."""
    root = (data_dir / "lake").resolve()
    out: dict = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_file() and not rel.startswith("rollups/"):
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    for name in NAMES:
        files = sorted((root / "rollups" / name).glob("month=*/*.parquet"))
        if files:
            rows = duckdb.sql(
                f"SELECT * FROM read_parquet({[str(f) for f in files]}, hive_partitioning=true) ORDER BY ALL"
            ).fetchall()
            out[f"rollups/{name}"] = hashlib.sha256(repr(rows).encode()).hexdigest()
    out["rollups fresh"] = rollup_status(Lake(data_dir / "lake"), tz=TZ).fresh
    return out


def big_canonical(path: Path, n: int) -> Path:
    """n messages over three months, in the canonical CSV format."""
    rng = random.Random(1)
    statuses = ["delivered"] * 8 + ["undelivered", "expired"]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(
            "message_id,provider,provider_message_id,source,dispatch_id,sender,msisdn,created_at,done_at,status,reason,text\n"
        )
        for i in range(n):
            month = 7 + i % 3
            status = statuses[rng.randrange(len(statuses))]
            reason = {"undelivered": "absent_subscriber", "expired": "expired_validity"}.get(status, "")
            fh.write(
                f"k-{i:07d},smsapi,K{i:07d},bulk,d-{month}-{i % 7},SKLEP,+4860{rng.randrange(10**7):07d},"
                f"2025-{month:02d}-{1 + i % 27:02d}T10:{i % 60:02d}:00Z,2025-{month:02d}-{1 + i % 27:02d}T10:{i % 60:02d}:09Z,"
                f"{status},{reason},Promocja {i % 7}\n"
            )
    return path


def cli(data_dir: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "SMSREPORTS_DATA_DIR": str(data_dir), "SMSREPORTS_TIMEZONE": TZ}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "ingest", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_before_or_after(tmp_path):
    pristine = tmp_path / "pristine"
    run(pristine, "canonical.csv", rollups="always")  # a lake with messages of October 2025 and its rollups
    source = big_canonical(tmp_path / "big.csv", 20_000)
    clicks = SAMPLES / "clicks.csv"

    reference = tmp_path / "reference"
    shutil.copytree(pristine, reference, symlinks=True)
    started = time.perf_counter()
    proc = cli(reference, str(source), str(clicks))
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
    duration = time.perf_counter() - started
    before, after = state(pristine), state(reference)
    assert before != after and after["rollups fresh"]

    rng = random.Random(7)
    outcomes = []
    for i, moment in enumerate(MOMENTS):
        data_dir = tmp_path / f"round{i}"
        shutil.copytree(pristine, data_dir, symlinks=True)
        proc = cli(data_dir, str(source), str(clicks))
        t0 = time.perf_counter()
        time.sleep(duration * moment * rng.uniform(0.95, 1.05))
        proc.send_signal(signal.SIGKILL)
        code = proc.wait(timeout=60)
        now = state(data_dir)
        assert now in (before, after), f"round {i}: a half-written lake (exit {code})"
        outcomes.append("after" if now == after else "before")
        print(f"round {i}: killed after {time.perf_counter() - t0:.2f} s of {duration:.2f}: {outcomes[-1]}")
        # the next import succeeds and ends in the same state as an import that was never killed
        proc = cli(data_dir, str(source), str(clicks))
        assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
        assert state(data_dir) == after
        shutil.rmtree(data_dir)
    assert "before" in outcomes  # the kills did land before the import's end
