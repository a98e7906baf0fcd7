"""How `python app.py serve` runs the app: gunicorn with N worker processes, or waitress in one.

Each gunicorn worker builds its own app after the fork (no `preload_app`), so every
process has its own DuckDB connection and its own SQLite connections; `data.db.Db`
also reopens its connection if it ever finds itself in a forked child.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable

from config import Config


def default_workers() -> int:
    """Returns the default number of server processes: the CPU count."""
    return max(1, os.cpu_count() or 1)


def gunicorn_options(*, host: str, port: int, workers: int, threads: int) -> dict[str, object]:
    """Returns the gunicorn settings `serve` uses (threaded workers: a long download does not block a worker)."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": False,  # each worker builds its app, hence its DuckDB connection, after the fork
        "timeout": 120,
        "graceful_timeout": 30,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "smsreports",
        "control_socket_disable": True,  # no gunicornc socket in $HOME
        # Gunicorn believes X-Forwarded-Proto & co. from loopback clients by default, so a forged header made
        # cookies `Secure`: it believes nobody, and the app's own ProxyFix (SMSREPORTS_TRUSTED_PROXIES) decides.
        "forwarded_allow_ips": "",
        "secure_scheme_headers": {},
    }


def _error_page(status: int, reason: str) -> tuple[list[tuple[str, str]], bytes]:
    """Returns (headers, body) of an error page a server writes itself, with every security header of the app's
    own answers (web.security.security_headers): plain text, so nothing in it can run."""
    from web.security import security_headers

    body = f"{status} {reason}\n".encode("latin-1", "replace")
    headers = [
        ("Content-Type", "text/plain; charset=utf-8"),
        *security_headers("default-src 'none'; frame-ancestors 'none'").items(),
    ]
    return headers, body


def headered_gunicorn_errors() -> None:
    """Makes gunicorn's own error pages (a request line too long: 414, headers too large: 431, a 500 before the
    app sent a byte) carry the app's security headers: gunicorn writes them with `gunicorn.util.write_error`,
    which takes no headers, so this process's copy of it is replaced (the workers fork from here)."""
    from gunicorn import util

    def write_error(sock, status_int, reason, mesg):
        headers, body = _error_page(status_int, reason)
        head = f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers)
        util.write_nonblock(sock, head.encode("latin-1") + b"\r\n" + body)

    util.write_error = write_error


def headered_waitress_errors() -> None:
    """Makes waitress's own error pages (431, 400, a 500 before the app sent a byte) carry the app's security
    headers: its channels answer them with `error_task_class`, replaced here by one that adds them."""
    from waitress.channel import HTTPChannel
    from waitress.task import ErrorTask

    class HeaderedErrorTask(ErrorTask):
        def execute(self):
            error = self.request.error
            headers, body = _error_page(error.code, error.reason)
            self.status = f"{error.code} {error.reason}"
            self.response_headers.extend(headers)
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    HTTPChannel.error_task_class = HeaderedErrorTask


def run_gunicorn(build: Callable[[], object], options: dict[str, object]) -> None:
    """Runs gunicorn with `options`; `build()` returns the WSGI app and is called in each worker."""
    from gunicorn.app.base import BaseApplication

    headered_gunicorn_errors()

    class _App(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings and value is not None:
                    self.cfg.set(key, value)

        def load(self):
            return build()

    _App().run()


def run_waitress(app, *, host: str, port: int, threads: int) -> None:
    """Runs `app` in this one process with waitress (`--workers 1`)."""
    from waitress import serve as waitress_serve

    headered_waitress_errors()
    waitress_serve(app, host=host, port=port, threads=threads, ident="smsreports")


def wsgi_server(create: Callable[[Config], object], config: Config):
    """Returns the WSGI server of a new app. What exists by then (modules, layouts, the app) is moved out of
    the garbage collector's sight (gc.freeze): full collections during requests then walk only what
    requests made, which keeps their pauses, and the slowest clicks, short."""
    server = create(config).server
    gc.collect()
    gc.freeze()
    return server


def serve(
    config: Config, *, host: str, port: int, workers: int, threads: int, create: Callable[[Config], object]
) -> None:
    """Serves `create(config).server` on host:port, in `workers` gunicorn processes or, with 1, in this one."""
    if workers <= 1:
        run_waitress(wsgi_server(create, config), host=host, port=port, threads=threads)
        return
    run_gunicorn(
        lambda: wsgi_server(create, config), gunicorn_options(host=host, port=port, workers=workers, threads=threads)
    )
