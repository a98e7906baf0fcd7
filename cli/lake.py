"""`demo`, `rollup` and `ingest`: the commands that build and fill the lake."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from cli.args import config, fail, moment


def demo(
    messages: int = typer.Option(2_000_000, help="How many messages (bulk and transactional)."),
    seed: int = typer.Option(7, help="Random seed: the same arguments give the same lake."),
    until: str = typer.Option(
        "",
        help="The moment the demo is built, in the reporting time zone: YYYY-MM-DDTHH:MM, or YYYY-MM-DD for the "
        "end of that day (default: now). Nothing comes after it.",
    ),
    big_dispatch: int = typer.Option(0, help="Add one dispatch with this many recipients."),
    dispatches: int = typer.Option(
        None, help="How many bulk dispatches (default: 20-300, by --messages), besides the --big-dispatch."
    ),
    labels: int = typer.Option(
        None, help="How many named transactional labels (default: 4), besides the traffic without a label."
    ),
    if_missing: bool = typer.Option(False, "--if-missing", help="Do nothing when a lake exists."),
    force: bool = typer.Option(False, "--force", help="Replace a lake that holds imported data (it is lost)."),
) -> None:
    """Build a realistic, deterministic demo lake in the data directory (replacing a demo lake there)."""
    from rich.progress import Progress

    from data.demo import build_demo
    from data.demo.origin import holds_imported_data
    from data.lake import Lake

    cfg = config()
    lake = Lake(cfg.lake_dir)
    if if_missing and lake.exists():
        typer.echo(f"lake exists at {lake.root}; keeping it")
        return
    if messages < 1000:
        fail("--messages must be at least 1000")
    if big_dispatch < 0:
        fail("--big-dispatch must be positive")
    if dispatches is not None and not 5 <= dispatches <= messages * 9 // 100:
        fail(f"--dispatches must be from 5 to {messages * 9 // 100:,} for {messages:,} messages")
    if labels is not None and not 0 <= labels <= messages // 5000:  # the busiest day carries each label once
        fail(f"--labels must be from 0 to {messages // 5000:,} for {messages:,} messages")
    if lake.exists() and not force and holds_imported_data(lake):
        fail(f"the lake at {lake.root} holds imported data; 'demo' would replace it: add --force to do so")
    last = moment(until, "--until", cfg.timezone)
    with Progress(transient=False) as progress:
        tasks: dict[str, int] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        try:
            summary = build_demo(
                lake,
                messages=messages,
                seed=seed,
                until=last,
                tz=cfg.timezone,
                big_dispatch=big_dispatch or None,
                progress=report,
                dispatches=dispatches,
                labels=labels,
            )
        except OSError as exc:  # a full disk: the new version was discarded, the lake is as it was
            fail(f"could not write the demo lake ({exc.strerror or exc}); the lake is unchanged")
        except ValueError as exc:  # sizes the demo cannot make (checked above; the plan has the last word)
            fail(f"{exc}; the lake is unchanged")
    typer.echo(f"demo lake at {lake.root}: {summary}")


def rollup(
    months: str = typer.Option("", help="Only these UTC months, comma-separated YYYY-MM (default: all)."),
    engine: str = typer.Option(
        "duckdb", "--engine", help="duckdb (in this process) or spark (requirements-spark.txt)."
    ),
    spark_master: str = typer.Option(
        None,
        "--spark-master",
        help="Spark master: local[*] by default, spark://host:7077, yarn, k8s://..., or sc://host:15002 (Spark Connect).",
    ),
    spark_conf: list[str] = typer.Option(None, "--spark-conf", help="Extra Spark setting KEY=VALUE (repeatable)."),
) -> None:
    """Rebuild the rollups and the message search index (after a change of time zone, or when the page says they are stale)."""
    import duckdb
    import pyarrow as pa

    from data.lake import Lake, transaction
    from data.rollups import build_rollups, rollup_status

    cfg = config()
    lake = Lake(cfg.lake_dir)
    if not lake.exists():
        fail(f"no lake at {lake.root}: run 'python app.py demo' or 'python app.py ingest' first")
    chosen = [m.strip() for m in months.split(",") if m.strip()] or None
    if chosen and any(len(m) != 7 or m[4] != "-" or not (m[:4] + m[5:]).isdigit() for m in chosen):
        fail("--months takes YYYY-MM values separated by commas")
    _check_engine(engine, spark_master, spark_conf)
    before = rollup_status(lake, tz=cfg.timezone)
    with _rollup_engine(engine, spark_master, spark_conf or []) as runner:
        try:
            with transaction(lake) as staging:
                figures = build_rollups(
                    staging, tz=cfg.timezone, months=chosen, threads=cfg.duckdb_threads, engine=runner
                )
        except OSError as exc:  # a full disk: the new version was discarded, the lake is as it was
            fail(f"could not write the rollups ({exc.strerror or exc}); the lake is unchanged")
        except (duckdb.Error, pa.ArrowException) as exc:  # a file that cannot be read: name its month, in one line
            fail(_unreadable_reason(exc))
    typer.echo(
        f"rollups rebuilt by {figures['engine']} ({'were: ' + before.reason if before.reason else 'were fresh'}): "
        f"{figures['months']} month(s), {sum(figures['rows'].values()):,} rows in {figures['seconds']} s; "
        f"message search index in {figures['search_index_seconds']} s"
    )


def _unreadable_reason(exc: Exception) -> str:
    """Returns the one line `rollup` ends with when building failed reading the lake: the month whose file
    cannot be read, when the error names one, and what to do."""
    import re

    found = re.search(r"month=([0-9]{4}-[0-9]{2})", str(exc))
    where = f"month {found.group(1)}: its file cannot be read" if found else "the lake cannot be read"
    detail = " ".join(str(exc).split())[:200]
    return (
        f"could not build the rollups, {where} ({type(exc).__name__}: {detail}); "
        "restore the file or import the month again, then run rollup; the lake is unchanged"
    )


def _check_engine(engine: str, master: str | None, conf: list[str] | None) -> None:
    if engine not in ("duckdb", "spark"):
        fail("--engine must be duckdb or spark")
    if engine == "duckdb" and (master or conf):
        fail("--spark-master and --spark-conf need --engine spark")


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
        fail(f"--engine spark needs pyspark and sqlglot: pip install -r requirements-spark.txt ({exc})")
    running = SparkSession.getActiveSession()  # e.g. a test's: not this command's to stop
    try:
        spark = session(master, conf=parse_conf(conf))
    except (ValueError, SparkUnavailable) as exc:
        fail(str(exc))
    try:
        yield SparkEngine(spark)
    finally:
        if running is None:
            spark.stop()


def ingest(
    files: list[Path] = typer.Argument(None, help="Log files to import (one import, one lake transaction)."),
    fmt: str = typer.Option(
        "auto", "--format", help="auto, canonical, smpp-dlr, twilio, infobip, smsapi, vonage, clicks."
    ),
    provider: str = typer.Option(None, "--provider", help="Provider name where the format does not say it (smpp-dlr)."),
    region: str = typer.Option(
        None, "--region", help="Region of numbers without a country code (SMSREPORTS_DEFAULT_REGION, PL)."
    ),
    tz: str = typer.Option(None, "--tz", help="Time zone of times written without an offset (SMSREPORTS_TIMEZONE)."),
    links: Path = typer.Option(None, "--links", help="Short-link id -> message id file (CSV/JSON lines) for clicks."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
    engine: str = typer.Option(
        "duckdb", "--engine", help="Engine of the rollup rebuild: duckdb or spark (as for 'rollup')."
    ),
    spark_master: str = typer.Option(
        None, "--spark-master", help="Spark master (as for 'rollup'); needs --engine spark."
    ),
    spark_conf: list[str] = typer.Option(None, "--spark-conf", help="Extra Spark setting KEY=VALUE (repeatable)."),
    follow: bool = typer.Option(
        False, "--follow", help="Tail one growing receipt log (--format smpp-dlr) into the spool until stopped."
    ),
) -> None:
    """Import delivery logs and click events of SMS providers into the lake (README, "Importing logs")."""
    if follow:
        from cli.hooks import follow_log

        return follow_log(files or [], fmt=fmt, provider=provider)
    from data.ingest.core import Options
    from data.ingest.run import IngestError
    from data.ingest.run import ingest as run_ingest

    cfg = config()
    _check_engine(engine, spark_master, spark_conf)
    region = region or cfg.default_region
    tz = tz or cfg.timezone
    try:
        fmt, region = check_arguments(files or [], fmt=fmt, provider=provider, region=region, tz=tz, links=links)
    except ValueError as exc:
        fail(str(exc))
    opts = Options(
        provider=provider.lower() if provider else None, region=region, tz=tz, optout_keywords=cfg.optout_keywords
    )
    with _rollup_engine(engine, spark_master, spark_conf or []) as runner:
        try:
            with _progress() as report:
                summary = run_ingest(
                    files,
                    data_dir=cfg.data_dir,
                    fmt=fmt,
                    options=opts,
                    report_tz=cfg.timezone,
                    links=links,
                    progress=report,
                    engine=runner,
                )
        except IngestError as exc:
            fail(str(exc))
        except OSError as exc:  # e.g. a full disk: the transaction was discarded, the lake is as it was
            fail(f"could not write the lake ({exc.strerror or exc}); nothing was imported, the lake is unchanged")
    if as_json:
        print(json.dumps(summary.as_dict(), ensure_ascii=False, default=str))
    else:
        print("\n".join(summary_lines(summary)))
    sys.stdout.flush()


@contextmanager
def _progress():
    """Yields a progress callback drawing one bar per stage on a terminal's stderr (nothing elsewhere)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        tasks: dict[str, int] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield report


def check_arguments(
    files: list[Path], *, fmt: str, provider: str | None, region: str, tz: str, links: Path | None
) -> tuple[str, str]:
    """Returns (format, region) or raises ValueError with a one-line message naming the argument."""
    from data.ingest import phones
    from data.ingest.formats import NAMES, check_format

    if not files:
        raise ValueError("give at least one file")
    for f in files:
        if not f.is_file():
            raise ValueError(f"no such file: {f}")
    if links is not None and not links.is_file():
        raise ValueError(f"--links: no such file: {links}")
    if fmt != "auto":
        try:
            fmt = check_format(fmt)
        except ValueError:
            raise ValueError(f"--format must be auto or one of {', '.join(NAMES)}") from None
    try:
        region = phones.check_region(region)
    except ValueError:
        raise ValueError(f"--region: unknown region {region!r} (e.g. PL, DE, GB)") from None
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"--tz: unknown time zone {tz!r}") from None
    if provider is not None and (not provider.strip() or any(c in provider for c in ": \t/")):
        raise ValueError("--provider must be a plain name such as smsapi (no spaces, ':' or '/')")
    return fmt, region


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def summary_lines(s) -> list[str]:
    """Returns the lines the command prints for an import's Summary."""
    out = [f"imported {len(s.files)} file(s) in {s.seconds:.2f} s ({_n(round(s.rows_per_second))} rows/s)"]
    for f in s.files:
        notes = f" — {'; '.join(f.notes)}" if f.notes else ""
        out.append(
            f"  {f.name} [{f.format}]: {_n(f.rows)} read, {_n(f.accepted)} accepted, "
            f"{_n(f.quarantined)} quarantined{notes}"
        )
    out.append(f"rows read {_n(s.rows_read)}, accepted {_n(s.accepted)}, quarantined {_n(s.quarantined)}")
    out.append(
        f"messages: {_n(s.messages_new)} imported, {_n(s.messages_updated)} updated, "
        f"{_n(s.messages_unchanged)} unchanged; {_n(s.updates_folded)} further updates of the same messages"
    )
    if s.clicks_new or s.clicks_unchanged or s.clicks_duplicates:
        out.append(
            f"clicks: {_n(s.clicks_new)} imported ({_n(s.clicks_bots)} bots), {_n(s.clicks_unchanged)} "
            f"already there, {_n(s.clicks_duplicates)} repeated"
        )
    if s.inbound_new or s.inbound_unchanged:
        out.append(
            f"replies: {_n(s.inbound_new)} imported ({_n(s.optouts_new)} of them opt-outs), "
            f"{_n(s.inbound_unchanged)} already there"
        )
    if s.dispatches_new:
        out.append(f"dispatches: {_n(s.dispatches_new)} new")
    if s.statuses:
        out.append("by status: " + ", ".join(f"{k} {_n(v)}" for k, v in s.statuses.items()))
    if s.providers:
        out.append("by provider: " + ", ".join(f"{k} {_n(v)}" for k, v in s.providers.items()))
    if s.unknown_codes:
        shown = ", ".join(f"{p}: {st or '-'}/{e or '-'} ×{_n(c)}" for p, st, e, c in s.unknown_codes[:10])
        more = f" (+{len(s.unknown_codes) - 10} more)" if len(s.unknown_codes) > 10 else ""
        out.append(f"unknown status codes (kept as unknown): {_n(s.unknown_total)} — {shown}{more}")
    if s.no_number:
        out.append(f"messages without a recipient number: {_n(s.no_number)}")
    if s.quarantine_file:
        out.append(f"quarantined lines: {s.quarantine_file}")
        out.extend(f"  {_n(c)} × {r}" for r, c in s.reasons.items())
    if s.months:
        out.append(f"months rewritten: {', '.join(s.months)}")
    if s.rollup_months:
        out.append(f"rollups rebuilt: {len(s.rollup_months)} month(s)")
    return out
