"""A server process of the app for the benchmarks: `app.py serve` on a free port, over a data directory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """Returns a port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running `app.py serve`; `base` is its address."""

    proc: subprocess.Popen
    base: str

    @classmethod
    def start(
        cls,
        data_dir: Path,
        *,
        tz: str,
        env: dict[str, str] | None = None,
        workers: int = 1,
        stderr=subprocess.DEVNULL,
        local: bool = False,
        root: Path = ROOT,
    ) -> Server:
        """Starts the server (one process by default; gunicorn with `workers` > 1; `local`: `serve --local`, for a
        data directory without users; `root`: the source tree whose app.py runs) and returns once /health answers."""
        port = free_port()
        full_env = {**os.environ, "SMSREPORTS_DATA_DIR": str(data_dir), "SMSREPORTS_TIMEZONE": tz, **(env or {})}
        proc = subprocess.Popen(
            [sys.executable, str(root / "app.py"), "serve", "--port", str(port), "--workers", str(workers)]
            + (["--local"] if local else []),
            env=full_env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        server = cls(proc, f"http://127.0.0.1:{port}")
        try:
            server._wait()
        except BaseException:
            server.stop()  # never leave a server behind
            raise
        return server

    def _wait(self) -> None:
        proc = self.proc
        for _ in range(600):
            if proc.poll() is not None:
                raise RuntimeError(f"the server stopped with exit code {proc.returncode}")
            try:
                if requests.get(self.base + "/health", timeout=1).ok:
                    return
            except requests.RequestException:  # not listening yet, or its workers still starting
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)  # gunicorn lets its workers finish their requests first
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def worker_processes(pid: int) -> list:
    """Returns the worker processes (psutil) of the server process `pid`: its children but the compactor `serve`
    starts beside them."""
    import psutil

    found = []
    for child in psutil.Process(pid).children():
        try:
            if "compact" not in child.cmdline():
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


class PeakRss:
    """Samples a process's resident memory every 10 ms while the block runs; `before` and `peak` in bytes."""

    def __init__(self, pid: int):
        import psutil

        self._proc = psutil.Process(pid)
        self.before = self.peak = self._proc.memory_info().rss

    def __enter__(self) -> PeakRss:
        import threading

        self._stop = threading.Event()

        def sample():
            while not self._stop.is_set():
                self.peak = max(self.peak, self._proc.memory_info().rss)
                time.sleep(0.01)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
