"""SMS Reports: the Dash app factory (`create_app`), `server` for WSGI servers, and the CLI."""
from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import dash
import typer

from config import ROOT, Config, ConfigError
from context import AppContext

BOOTSTRAP_CSS = ["/vendor/bootstrap/css/bootstrap.min.css", "/vendor/bootstrap/css/font/bootstrap-icons.min.css"]


def create_app(config: Config | None = None) -> dash.Dash:
    """Returns a new Dash app over the lake of `config` (the environment's settings by default)."""
    import routes
    from callbacks import shell as shell_callbacks
    from callbacks import sms as sms_callbacks
    from i18n import t
    from layouts.shell import app_layout

    config = config or Config.from_env()
    ctx = AppContext.create(config)
    app = dash.Dash(
        __name__,
        title=t(config.default_lang, "app.title"),
        external_stylesheets=BOOTSTRAP_CSS,
        assets_folder=str(ROOT / "assets"),
        suppress_callback_exceptions=True,
        serve_locally=True,
        update_title=None,
    )
    app.layout = app_layout(config.default_lang)
    app.server.config["SMSREPORTS"] = ctx
    routes.register(app.server, ctx)
    shell_callbacks.register(app, ctx)
    sms_callbacks.register(app, ctx)
    return app


def __getattr__(name: str):
    # `app:server` for WSGI servers, built on first use so importing app.py stays cheap.
    if name == "server":
        return create_app().server
    raise AttributeError(name)


# ---------------------------------------------------------------- command line

cli = typer.Typer(add_completion=False, no_args_is_help=True, help="SMS Reports: dashboard, demo data and exports.")
export_cli = typer.Typer(no_args_is_help=True, help="Write a report to a file.")
cli.add_typer(export_cli, name="export")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _config() -> Config:
    try:
        return Config.from_env()
    except ConfigError as exc:
        _fail(str(exc))
        raise


def _day(value: str, flag: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"{flag}: {value!r} is not a date (YYYY-MM-DD)")
        raise


def _write_atomic(out: Path, chunks: Iterable[bytes]) -> int:
    out = out.expanduser().resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    size = 0
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
                size += len(chunk)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return size


@cli.command()
def demo(
    messages: int = typer.Option(2_000_000, help="How many messages (bulk and transactional)."),
    seed: int = typer.Option(7, help="Random seed: the same arguments give the same lake."),
    until: str = typer.Option("", help="Last day of data, YYYY-MM-DD (default: today)."),
    big_dispatch: int = typer.Option(0, help="Add one dispatch with this many recipients."),
    if_missing: bool = typer.Option(False, "--if-missing", help="Do nothing when a lake exists."),
) -> None:
    """Build a realistic, deterministic demo lake in the data directory."""
    from rich.progress import Progress

    from data.demo import build_demo
    from data.lake import Lake
    from data.period import today_in

    cfg = _config()
    lake = Lake(cfg.lake_dir)
    if if_missing and lake.exists():
        typer.echo(f"lake exists at {lake.root}; keeping it")
        return
    if messages <= 0:
        _fail("--messages must be positive")
    last = _day(until, "--until") if until else today_in(cfg.timezone)
    with Progress(transient=False) as progress:
        tasks: dict[str, int] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        summary = build_demo(lake, messages=messages, seed=seed, until=last, tz=cfg.timezone,
                             big_dispatch=big_dispatch or None, progress=report)
    typer.echo(f"demo lake at {lake.root}: {summary}")


@cli.command()
def serve(
    host: str = typer.Option(None, help="Address to bind (default SMSREPORTS_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default SMSREPORTS_PORT or 8050)."),
    threads: int = typer.Option(8, help="Worker threads."),
) -> None:
    """Serve the dashboard."""
    from waitress import serve as waitress_serve

    cfg = _config()
    app = create_app(cfg)
    host, port = host or cfg.host, port or cfg.port
    typer.echo(f"SMS Reports on http://{host}:{port} (data: {cfg.data_dir})")
    waitress_serve(app.server, host=host, port=port, threads=threads, ident="smsreports")


@cli.command()
def rollup(
    months: str = typer.Option("", help="Only these UTC months, comma-separated YYYY-MM (default: all)."),
) -> None:
    """Rebuild the rollups (after a change of time zone, or when the page says they are stale)."""
    from data.lake import Lake, transaction
    from data.rollups import build_rollups, rollup_status

    cfg = _config()
    lake = Lake(cfg.lake_dir)
    if not lake.exists():
        _fail(f"no lake at {lake.root}: run 'python app.py demo' or 'python app.py ingest' first")
    chosen = [m.strip() for m in months.split(",") if m.strip()] or None
    if chosen and any(len(m) != 7 or m[4] != "-" or not (m[:4] + m[5:]).isdigit() for m in chosen):
        _fail("--months takes YYYY-MM values separated by commas")
    before = rollup_status(lake, tz=cfg.timezone)
    with transaction(lake) as staging:
        figures = build_rollups(staging, tz=cfg.timezone, months=chosen, threads=cfg.duckdb_threads)
    typer.echo(f"rollups rebuilt ({'were: ' + before.reason if before.reason else 'were fresh'}): "
               f"{figures['months']} month(s), {sum(figures['rows'].values()):,} rows in {figures['seconds']} s")


@export_cli.command("dispatches")
def export_dispatches(
    from_: str = typer.Option(..., "--from", help="First day, YYYY-MM-DD."),
    to: str = typer.Option(..., "--to", help="Last day, YYYY-MM-DD."),
    fmt: str = typer.Option(..., "--format", help="csv or docx."),
    out: Path = typer.Option(..., "--out", help="File to write."),
    lang: str = typer.Option("pl", "--lang", help="pl or en."),
) -> None:
    """Write all dispatches of a period as CSV or DOCX."""
    from data.db import LakeUnavailable
    from data.period import Period, PeriodError
    from reports.dispatches import dispatches_csv, dispatches_docx

    cfg = _config()
    if lang not in ("pl", "en"):
        _fail("--lang must be pl or en")
    if fmt not in ("csv", "docx"):
        _fail("--format must be csv or docx")
    start, end = _day(from_, "--from"), _day(to, "--to")
    try:
        period = Period(start, end, cfg.timezone)
    except PeriodError:
        _fail(f"--from {start} is after --to {end}")
    ctx = AppContext.create(cfg)
    try:
        if fmt == "csv":
            size = _write_atomic(out, dispatches_csv(ctx.db, period=period, lang=lang, sep=cfg.csv_separator[lang]))
        else:
            now = dt.datetime.now(cfg.tz).replace(tzinfo=None)
            size = _write_atomic(out, [dispatches_docx(ctx.db, period=period, lang=lang, generated_at=now)])
    except LakeUnavailable as exc:
        _fail(f"no data: {exc}")
    typer.echo(f"wrote {out} ({size} bytes)")


@export_cli.command("numbers")
def export_numbers(
    dispatch: int = typer.Option(..., "--dispatch", help="Dispatch number."),
    status: str = typer.Option(..., "--status", help="delivered, not_sent, not_delivered or pending."),
    reason: str = typer.Option(None, "--reason", help="Only this reason (e.g. expired_validity)."),
    fmt: str = typer.Option(..., "--format", help="csv or xml."),
    out: Path = typer.Option(..., "--out", help="File to write."),
    lang: str = typer.Option("pl", "--lang", help="pl or en (CSV header and separator)."),
) -> None:
    """Write the recipients' numbers of a dispatch's status group (or one reason)."""
    from data import queries
    from data.db import LakeUnavailable
    from data.schema import Reason, StatusGroup
    from reports.numbers import numbers_csv, numbers_xml

    cfg = _config()
    if fmt not in ("csv", "xml"):
        _fail("--format must be csv or xml")
    if lang not in ("pl", "en"):
        _fail("--lang must be pl or en")
    try:
        group = StatusGroup(status)
    except ValueError:
        _fail(f"--status must be one of {', '.join(g.value for g in StatusGroup)}")
    if reason is not None and reason != "none" and reason not in set(Reason):
        _fail(f"--reason must be one of {', '.join(r.value for r in Reason)}")
    ctx = AppContext.create(cfg)
    try:
        info = queries.dispatch_info(ctx.db, number=dispatch, tz=cfg.timezone)
        if info is None:
            _fail(f"unknown dispatch number {dispatch}")
        if fmt == "csv":
            chunks = numbers_csv(ctx.db, dispatch_id=info["dispatch_id"], group=group, reason=reason, lang=lang,
                                 sep=cfg.csv_separator[lang], batch_rows=cfg.export_batch_rows)
        else:
            chunks = numbers_xml(ctx.db, dispatch_id=info["dispatch_id"], number=dispatch, group=group, reason=reason,
                                 generated_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                                 batch_rows=cfg.export_batch_rows)
        size = _write_atomic(out, chunks)
    except LakeUnavailable as exc:
        _fail(f"no data: {exc}")
    typer.echo(f"wrote {out} ({size} bytes)")


if __name__ == "__main__":
    sys.exit(cli())
