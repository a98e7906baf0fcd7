"""The benchmark's measure of a request's cost: the server process's CPU time while the app answered it.

Only `SMSREPORTS_CPU_TIMING=on` (set by bench/run.py) installs it. Each answer then carries
`Server-Timing: cpu;dur=<ms>`, the process's CPU time (every thread's: DuckDB's and the query pools' too) from
before the first check of the request to after its body is built (Dash serialises its answer in the view).
It is exact only while the process answers one request at a time, as the benchmark sends them.
"""

from __future__ import annotations

import time

from flask import Flask, Response, g


def install(server: Flask) -> None:
    """Adds the hooks to `server`; call it before any other before_request hook, so they run inside it."""

    def started() -> None:
        g.cpu_started = time.process_time()

    def finished(response: Response) -> Response:
        began = g.get("cpu_started")
        if began is not None:
            response.headers["Server-Timing"] = f"cpu;dur={(time.process_time() - began) * 1000:.2f}"
        return response

    server.before_request(started)
    server.after_request(finished)  # after_request hooks run in reverse: this one last
