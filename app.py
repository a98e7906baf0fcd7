"""SMS Reports: the Dash app factory (`create_app`), `server` for WSGI servers, and the CLI."""
from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

import dash
import typer

from config import ROOT, Config, ConfigError
from context import AppContext

BOOTSTRAP_CSS = ["/vendor/bootstrap/css/bootstrap.min.css", "/vendor/bootstrap/css/font/bootstrap-icons.min.css"]


def create_app(config: Config | None = None) -> dash.Dash:
    """Returns a new Dash app over the lake of `config` (the environment's settings by default)."""
    import routes
    import security
    from callbacks import admin as admin_callbacks
    from callbacks import shell as shell_callbacks
    from callbacks import sms as sms_callbacks
    from callbacks import transactional as transactional_callbacks
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
        csrf_token_name=security.CSRF_COOKIE,  # the renderer sends this cookie's token back in the header
        csrf_header_name=security.CSRF_HEADER,
    )
    app.layout = app_layout(config.default_lang)
    app.server.config["SMSREPORTS"] = ctx
    routes.register(app.server, ctx)
    shell_callbacks.register(app, ctx)
    sms_callbacks.register(app, ctx)
    transactional_callbacks.register(app, ctx)
    admin_callbacks.register(app, ctx)
    security.install(app, config)  # last: the central check reads every route and callback registered above
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
campaigns_cli = typer.Typer(no_args_is_help=True, help="Group dispatches into campaigns (the page's Grouping).")
cli.add_typer(campaigns_cli, name="campaigns")
users_cli = typer.Typer(no_args_is_help=True, help="Users and roles (viewer, analyst, admin) of the dashboard.")
cli.add_typer(users_cli, name="users")


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


def _warn_left_out(ctx: AppContext) -> None:
    """Says on stderr which months an export had to leave out (files that cannot be read)."""
    from data.db import LakeUnavailable

    try:
        left_out = ctx.db.unreadable()
    except LakeUnavailable:
        return
    if left_out:
        typer.echo("warning: left out, cannot be read: " + "; ".join(f"{m} ({why})" for m, why in left_out.items()), err=True)


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
    workers: int = typer.Option(None, "--workers", help="Server processes (gunicorn); default: the CPU count. "
                                                        "1: one process (waitress)."),
    threads: int = typer.Option(8, help="Threads per process."),
) -> None:
    """Serve the dashboard (gunicorn with --workers processes; --workers 1: waitress in this process)."""
    import serving

    cfg = _config()
    host, port = host or cfg.host, port or cfg.port
    workers = serving.default_workers() if workers is None else workers
    if workers < 1 or threads < 1:
        _fail("--workers and --threads must be positive")
    # ACCESS CHECK (issue 6): the one place `serve` refuses an unsafe start (e.g. a
    # non-loopback address while no users exist). Keep every such check here.
    _check_serve_allowed(cfg, host)
    typer.echo(f"SMS Reports on http://{host}:{port} (data: {cfg.data_dir}; "
               f"{f'{workers} gunicorn workers' if workers > 1 else 'one process, waitress'} x {threads} threads)")
    serving.serve(cfg, host=host, port=port, workers=workers, threads=threads, create=create_app)


def _check_serve_allowed(cfg: Config, host: str) -> None:
    """Stops `serve` with a clear message when the access rules forbid starting (see security.py)."""
    try:
        import security
    except ImportError:
        return
    check = getattr(security, "check_serve_allowed", None)
    if check is None:
        return
    try:
        check(cfg, host)
    except Exception as exc:  # noqa: BLE001 - its message is the reason not to start
        _fail(str(exc))


@cli.command()
def rollup(
    months: str = typer.Option("", help="Only these UTC months, comma-separated YYYY-MM (default: all)."),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (in this process) or spark (requirements-spark.txt)."),
    spark_master: str = typer.Option(None, "--spark-master",
                                     help="Spark master: local[*] by default, spark://host:7077, yarn, k8s://..., or sc://host:15002 (Spark Connect)."),
    spark_conf: list[str] = typer.Option(None, "--spark-conf", help="Extra Spark setting KEY=VALUE (repeatable)."),
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
    _check_engine(engine, spark_master, spark_conf)
    before = rollup_status(lake, tz=cfg.timezone)
    with _rollup_engine(engine, spark_master, spark_conf or []) as runner:
        with transaction(lake) as staging:
            figures = build_rollups(staging, tz=cfg.timezone, months=chosen, threads=cfg.duckdb_threads, engine=runner)
    typer.echo(f"rollups rebuilt by {figures['engine']} ({'were: ' + before.reason if before.reason else 'were fresh'}): "
               f"{figures['months']} month(s), {sum(figures['rows'].values()):,} rows in {figures['seconds']} s")


def _check_engine(engine: str, master: str | None, conf: list[str] | None) -> None:
    if engine not in ("duckdb", "spark"):
        _fail("--engine must be duckdb or spark")
    if engine == "duckdb" and (master or conf):
        _fail("--spark-master and --spark-conf need --engine spark")


@contextmanager
def _rollup_engine(engine: str, master: str | None, conf: list[str]):
    # None: build_rollups' own DuckDB. Spark: a session for this command, stopped after it.
    if engine != "spark":
        yield None
        return
    try:
        from pyspark.sql import SparkSession

        from data.spark import SparkEngine, SparkUnavailable, parse_conf, session
    except ImportError as exc:
        _fail(f"--engine spark needs pyspark and sqlglot: pip install -r requirements-spark.txt ({exc})")
    running = SparkSession.getActiveSession()  # e.g. a test's: not this command's to stop
    try:
        spark = session(master, conf=parse_conf(conf))
    except (ValueError, SparkUnavailable) as exc:
        _fail(str(exc))
    try:
        yield SparkEngine(spark)
    finally:
        if running is None:
            spark.stop()


@cli.command()
def ingest(
    files: list[Path] = typer.Argument(None, help="Log files to import (one import, one lake transaction)."),
    fmt: str = typer.Option("auto", "--format", help="auto, canonical, smpp-dlr, twilio, infobip, smsapi, vonage, clicks."),
    provider: str = typer.Option(None, "--provider", help="Provider name where the format does not say it (smpp-dlr)."),
    region: str = typer.Option(None, "--region", help="Region of numbers without a country code (SMSREPORTS_DEFAULT_REGION, PL)."),
    tz: str = typer.Option(None, "--tz", help="Time zone of times written without an offset (SMSREPORTS_TIMEZONE)."),
    links: Path = typer.Option(None, "--links", help="Short-link id -> message id file (CSV/JSON lines) for clicks."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
    engine: str = typer.Option("duckdb", "--engine", help="Engine of the rollup rebuild: duckdb or spark (as for 'rollup')."),
    spark_master: str = typer.Option(None, "--spark-master", help="Spark master (as for 'rollup'); needs --engine spark."),
    spark_conf: list[str] = typer.Option(None, "--spark-conf", help="Extra Spark setting KEY=VALUE (repeatable)."),
) -> None:
    """Import delivery logs and click events of SMS providers into the lake (README, "Importing logs")."""
    from data.ingest.console import run_cli

    cfg = _config()
    _check_engine(engine, spark_master, spark_conf)
    with _rollup_engine(engine, spark_master, spark_conf or []) as runner:
        run_cli(cfg, files or [], fmt=fmt, provider=provider, region=region, tz=tz, links=links, as_json=as_json,
                fail=_fail, engine=runner)


def _choice(value: str, choices: tuple[str, ...], flag: str) -> str:
    if value not in choices:
        _fail(f"{flag} must be {' or '.join(choices)}")
    return value


def _cli_period(cfg: Config, from_: str, to: str):
    from data.period import Period, PeriodError

    start, end = _day(from_, "--from"), _day(to, "--to")
    try:
        return Period(start, end, cfg.timezone)
    except PeriodError:
        _fail(f"--from {start} is after --to {end}")
        raise


def _export(ctx: AppContext, out: Path, chunks, *, action: str, fmt: str, what: dict[str, object]) -> None:
    """Writes what `chunks()` yields to `out` (atomically) and says so; no lake or a full disk ends the command
    with one line, leaving nothing at `out`. Like every download, it goes on the access record: who (the
    account running the command), what (`action`, the options in `what`), rows, bytes and SHA-256 written."""
    import getpass

    import routes
    import security
    from data.db import LakeUnavailable
    from data.store.audit import AuditEvent

    evt = AuditEvent(who=getpass.getuser(), role="cli", address="command line", action=action, target=str(out),
                     filter={k: v for k, v in what.items() if v is not None}, format=fmt)
    try:
        size = _write_atomic(out, routes.audited(chunks(), evt, fmt, security.user_store(ctx.config)))
    except LakeUnavailable as exc:
        _fail(f"no data: {exc}")
    except OSError as exc:  # e.g. a full disk: nothing is left at --out (written through a temporary file)
        _fail(f"could not write {out}: {exc.strerror or exc}")
    _warn_left_out(ctx)
    typer.echo(f"wrote {out} ({size} bytes)")


@export_cli.command("dispatches")
def export_dispatches(
    from_: str = typer.Option(..., "--from", help="First day, YYYY-MM-DD."),
    to: str = typer.Option(..., "--to", help="Last day, YYYY-MM-DD."),
    fmt: str = typer.Option(..., "--format", help="csv or docx."),
    out: Path = typer.Option(..., "--out", help="File to write."),
    lang: str = typer.Option("pl", "--lang", help="pl or en."),
) -> None:
    """Write all dispatches of a period as CSV or DOCX."""
    from reports.dispatches import dispatches_csv, dispatches_docx

    cfg = _config()
    _choice(lang, ("pl", "en"), "--lang")
    _choice(fmt, ("csv", "docx"), "--format")
    period = _cli_period(cfg, from_, to)
    ctx = AppContext.create(cfg)
    what = {"from": from_, "to": to, "lang": lang}
    if fmt == "csv":
        _export(ctx, out, lambda: dispatches_csv(ctx.db, period=period, lang=lang, sep=cfg.csv_separator[lang]),
                action="export.dispatches", fmt=fmt, what=what)
    else:
        now = dt.datetime.now(cfg.tz).replace(tzinfo=None)
        _export(ctx, out, lambda: [dispatches_docx(ctx.db, period=period, lang=lang, generated_at=now)],
                action="export.dispatches", fmt=fmt, what=what)


@export_cli.command("transactional")
def export_transactional(
    from_: str = typer.Option(..., "--from", help="First day, YYYY-MM-DD."),
    to: str = typer.Option(..., "--to", help="Last day, YYYY-MM-DD."),
    fmt: str = typer.Option(..., "--format", help="csv or docx."),
    out: Path = typer.Option(..., "--out", help="File to write."),
    lang: str = typer.Option("pl", "--lang", help="pl or en."),
    source: str = typer.Option(None, "--source", help="Only test sends (test) or API messages (api); both by default."),
) -> None:
    """Write the transactional campaign table of a period as CSV or DOCX."""
    from reports.transactional import check_source, transactional_csv, transactional_docx

    cfg = _config()
    _choice(lang, ("pl", "en"), "--lang")
    _choice(fmt, ("csv", "docx"), "--format")
    try:
        chosen = check_source(source)
    except ValueError:
        _fail(f"--source must be test or api, not {source!r}")
    period = _cli_period(cfg, from_, to)
    ctx = AppContext.create(cfg)
    what = {"from": from_, "to": to, "lang": lang, "source": chosen}
    if fmt == "csv":
        _export(ctx, out, lambda: transactional_csv(ctx.db, period=period, lang=lang, sep=cfg.csv_separator[lang],
                                                    source=chosen), action="export.transactional", fmt=fmt, what=what)
    else:
        now = dt.datetime.now(cfg.tz).replace(tzinfo=None)
        _export(ctx, out, lambda: [transactional_docx(ctx.db, period=period, lang=lang, generated_at=now, source=chosen)],
                action="export.transactional", fmt=fmt, what=what)


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
    from data.schema import Reason, StatusGroup
    from reports.numbers import numbers_csv, numbers_xml

    cfg = _config()
    _choice(fmt, ("csv", "xml"), "--format")
    _choice(lang, ("pl", "en"), "--lang")
    try:
        group = StatusGroup(status)
    except ValueError:
        _fail(f"--status must be one of {', '.join(g.value for g in StatusGroup)}")
    if reason is not None and reason != "none" and reason not in set(Reason):
        _fail(f"--reason must be one of {', '.join(r.value for r in Reason)}")
    ctx = AppContext.create(cfg)

    def chunks():
        info = queries.dispatch_info(ctx.db, number=dispatch, tz=cfg.timezone)
        if info is None:
            _fail(f"unknown dispatch number {dispatch}")
        if fmt == "csv":
            return numbers_csv(ctx.db, dispatch_id=info["dispatch_id"], group=group, reason=reason, lang=lang,
                               sep=cfg.csv_separator[lang], batch_rows=cfg.export_batch_rows)
        return numbers_xml(ctx.db, dispatch_id=info["dispatch_id"], scope={"dispatch": str(dispatch)}, group=group,
                           reason=reason, generated_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                           batch_rows=cfg.export_batch_rows)

    _export(ctx, out, chunks, action="export.numbers", fmt=fmt,
            what={"dispatch": dispatch, "status": status, "reason": reason, "lang": lang})


def _campaign_context():
    cfg = _config()
    return AppContext.create(cfg)


def _dispatch_ids(ctx: AppContext, numbers: list[int]) -> list[str]:
    from data import queries
    from data.db import LakeUnavailable

    try:
        found = queries.dispatch_ids(ctx.db, numbers=numbers)
    except LakeUnavailable as exc:
        _fail(f"no data: {exc}")
    missing = [n for n in numbers if n not in found]
    if missing:
        _fail(f"unknown dispatch number(s): {', '.join(map(str, missing))}")
    return [found[n] for n in numbers]


def _campaign_change(change) -> None:
    from data.store.campaigns import CampaignError
    from i18n import t

    try:
        change()
    except CampaignError as exc:
        _fail(t("en", exc.key, **exc.values))


@campaigns_cli.command("list")
def campaigns_list() -> None:
    """List campaigns with their dispatch numbers."""
    from data import queries

    ctx = _campaign_context()
    campaigns = ctx.store.campaigns()
    members = ctx.store.members()
    numbers = {}
    if not members.empty:
        numbers = queries.dispatch_numbers(ctx.db, dispatch_ids=list(members["dispatch_id"]))
    for row in campaigns.itertuples():
        mine = sorted(numbers.get(d, 0) for d in members.loc[members["campaign_id"] == row.id, "dispatch_id"])
        rule = " [rule]" if row.rule else ""
        typer.echo(f"{row.id}\t{row.name}{rule}\t{', '.join(map(str, mine))}\t{row.description}")


@campaigns_cli.command("group")
def campaigns_group(numbers: list[int] = typer.Argument(..., help="Dispatch numbers."),
                    name: str = typer.Option(..., "--name"), description: str = typer.Option("", "--description"),
                    move: bool = typer.Option(False, "--move", help="Move dispatches that are in another campaign.")) -> None:
    """Group dispatches into a new campaign."""
    ctx = _campaign_context()
    ids = _dispatch_ids(ctx, numbers)
    _campaign_change(lambda: typer.echo(ctx.store.group(ids, name=name, description=description, who="cli", move=move)))


@campaigns_cli.command("ungroup")
def campaigns_ungroup(campaign_ids: list[int] = typer.Argument(...)) -> None:
    """Dissolve campaigns (their dispatches stay)."""
    ctx = _campaign_context()
    _campaign_change(lambda: ctx.store.ungroup(campaign_ids, who="cli"))


@campaigns_cli.command("rename")
def campaigns_rename(campaign_id: int, name: str, description: str = typer.Option(None, "--description")) -> None:
    """Rename a campaign (and set its description)."""
    ctx = _campaign_context()
    _campaign_change(lambda: ctx.store.rename(campaign_id, name=name, description=description, who="cli"))


@campaigns_cli.command("add")
def campaigns_add(campaign_id: int, numbers: list[int] = typer.Argument(...),
                  move: bool = typer.Option(False, "--move", help="Move dispatches that are in another campaign.")) -> None:
    """Add dispatches to a campaign."""
    ctx = _campaign_context()
    ids = _dispatch_ids(ctx, numbers)
    _campaign_change(lambda: ctx.store.add(campaign_id, ids, who="cli", move=move))


@campaigns_cli.command("remove")
def campaigns_remove(numbers: list[int] = typer.Argument(...)) -> None:
    """Take dispatches out of their campaigns."""
    ctx = _campaign_context()
    ids = _dispatch_ids(ctx, numbers)
    _campaign_change(lambda: ctx.store.remove(ids, who="cli"))


# ---------------------------------------------------------------- users (README, "Users and roles")
def _users():
    import security

    return security.user_store(_config())


def _user_change(change):
    from data.store.users import UserError
    from i18n import t

    try:
        return change()
    except UserError as exc:
        _fail(t("en", exc.key, **exc.values))


def _read_password() -> str:
    """Asks twice on a terminal; reads one line from stdin otherwise (scripts: `echo pw | ... users add`)."""
    if sys.stdin.isatty():
        first = typer.prompt("Password", hide_input=True)
        if typer.prompt("Repeat the password", hide_input=True) != first:
            _fail("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


@users_cli.command("add")
def users_add(name: str, role: str = typer.Option(..., "--role", help="viewer, analyst or admin.")) -> None:
    """Add a user (asks for the password, or reads it from stdin)."""
    from data.store.users import check_name, check_role

    store = _users()
    _user_change(lambda: (check_name(name), check_role(role)))
    user = _user_change(lambda: store.add(name, role=role, password=_read_password()))
    typer.echo(f"added {user.name} ({user.role})")


@users_cli.command("list")
def users_list() -> None:
    """List users: name, role, enabled or disabled, last log-in."""
    for user in _users().list():
        typer.echo(f"{user.name}\t{user.role}\t{'enabled' if user.enabled else 'disabled'}\t{user.last_login_at or '-'}")


@users_cli.command("set-role")
def users_set_role(name: str, role: str) -> None:
    """Give a user another role (their sessions end)."""
    user = _user_change(lambda: _users().set_role(name, role))
    typer.echo(f"{user.name} is now {user.role}")


@users_cli.command("disable")
def users_disable(name: str, enable: bool = typer.Option(False, "--enable", help="Enable the user again instead.")) -> None:
    """Disable a user: log-in refused, open sessions end."""
    user = _user_change(lambda: _users().set_enabled(name, enable))
    typer.echo(f"{user.name} {'enabled' if user.enabled else 'disabled'}")


@users_cli.command("reset-password")
def users_reset_password(name: str) -> None:
    """Set a new password (asks for it, or reads it from stdin); open sessions end."""
    store = _users()
    if store.get(name) is None:
        _fail(f"no user called {name}")
    user = _user_change(lambda: store.reset_password(name, _read_password()))
    typer.echo(f"password of {user.name} changed")


if __name__ == "__main__":
    sys.exit(cli())
