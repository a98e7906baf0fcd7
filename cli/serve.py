"""`serve`: the dashboard on gunicorn (several processes) or waitress (one)."""

from __future__ import annotations

import typer

from cli.args import config, fail


def serve(
    host: str = typer.Option(None, help="Address to bind (default SMSREPORTS_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default SMSREPORTS_PORT or 8050)."),
    workers: int = typer.Option(
        None, "--workers", help="Server processes (gunicorn); default: the CPU count. 1: one process (waitress)."
    ),
    threads: int = typer.Option(8, help="Threads per process."),
    local: bool = typer.Option(
        False,
        "--local",
        help="While no users exist, serve this computer without log-in (loopback only). Without it, a data "
        "directory with no users does not start.",
    ),
    no_compact: bool = typer.Option(
        False, "--no-compact", help="Start no compactor (provider callbacks then wait in the spool for 'compact')."
    ),
    compact_every: float = typer.Option(10.0, "--compact-every", help="Seconds between the compactor's runs."),
) -> None:
    """Serve the dashboard (gunicorn with --workers processes; --workers 1: waitress in this process)."""
    from app import create_app
    from web import serving
    from web.security import check_serve_allowed

    cfg = config().with_(local_mode=local, run_scheduler=True)  # each process runs the e-mail scheduler
    host, port = host or cfg.host, port or cfg.port
    workers = serving.default_workers() if workers is None else workers
    if workers < 1 or threads < 1:
        fail("--workers and --threads must be positive")
    if compact_every <= 0:
        fail("--compact-every must be positive")
    try:
        check_serve_allowed(cfg, host)  # no users and no --local, or --local on a non-loopback address
    except Exception as exc:  # noqa: BLE001 - its message is the reason not to start
        fail(str(exc))
    typer.echo(
        f"SMS Reports on http://{host}:{port} (data: {cfg.data_dir}; "
        f"{f'{workers} gunicorn workers' if workers > 1 else 'one process, waitress'} x {threads} threads)"
    )
    compactor = None if no_compact else start_compactor(compact_every)
    try:
        serving.serve(cfg, host=host, port=port, workers=workers, threads=threads, create=create_app)
    finally:
        if compactor is not None:
            compactor.terminate()
            compactor.wait(timeout=30)


def start_compactor(every: float):
    """Starts `python app.py compact --every SECONDS` beside the server (one per data directory runs at a time,
    whatever the number of servers: the others wait their turn); it ends with this process, even a killed one."""
    import signal
    import subprocess
    import sys

    from config import ROOT

    def end_with_parent() -> None:  # Linux: the kernel sends SIGTERM when the server dies, even by SIGKILL
        import ctypes

        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except OSError:
            pass

    return subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "compact", "--every", str(every)],
        cwd=ROOT,
        preexec_fn=end_with_parent,
    )
