"""Fault-test fixtures: a private copy of the session's demo data directory, and a real server over one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from config import Config
from tests.conftest import TZ


def copy_data(src: Path, dst: Path) -> Path:
    """Copies a data directory's lake (its version folders and the `lake` link) to `dst`; returns `dst`."""
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src / "lake.d", dst / "lake.d", symlinks=True)
    os.symlink(os.readlink(src / "lake"), dst / "lake")
    return dst


@pytest.fixture
def data_copy(demo_dir, tmp_path) -> Path:
    """A data directory of its own (a copy of the demo lake, no campaign store yet)."""
    return copy_data(demo_dir, tmp_path / "data")


@pytest.fixture
def copy_config(data_copy) -> Config:
    """The settings over the copy, in local mode (no users: this computer without log-in)."""
    return Config(data_dir=data_copy, timezone=TZ, local_mode=True)


class RunningServer:
    """A server process started by `start_server`; `base` is its address."""

    def __init__(self, proc, base: str, log: Path):
        self.proc, self.base, self.log = proc, base, log

    def stop(self) -> str:
        """Stops the server (SIGTERM, then SIGKILL) and returns what it wrote to stderr."""
        import subprocess

        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return self.log.read_text(errors="replace")


def start_server(
    data_dir: Path, *, workers: int, module: str = "app", env: dict[str, str] | None = None, local: bool = False
) -> RunningServer:
    """Starts `python -m <module> serve --workers N` over `data_dir` on a free loopback port (`local`: with
    --local, for a data directory without users); returns once /health answers."""
    import subprocess
    import sys
    import time

    import requests

    from bench.server import free_port
    from config import ROOT

    port = free_port()
    full_env = {**os.environ, "SMSREPORTS_DATA_DIR": str(data_dir), "SMSREPORTS_TIMEZONE": TZ, **(env or {})}
    log = data_dir.parent / f"server-{port}.log"
    with open(log, "w") as err:  # a file, not a pipe: a chatty server never blocks on a full pipe
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                module,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--threads",
                "4",
                *(["--local"] if local else []),
            ],
            cwd=ROOT,
            env=full_env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    server = RunningServer(proc, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("the server stopped: " + log.read_text(errors="replace"))
            try:
                if requests.get(server.base + "/health", timeout=1).ok:
                    return server
            except requests.RequestException:  # not listening yet, or its workers still starting
                time.sleep(0.1)
        raise RuntimeError("the server did not start")
    except BaseException:
        server.stop()  # never leave a server behind
        raise
