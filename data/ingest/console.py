"""`python app.py ingest`: arguments checked, a progress bar, and the summary on the terminal."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from config import Config
from data.ingest import phones
from data.ingest.core import Options
from data.ingest.formats import NAMES, check_format
from data.ingest.run import IngestError, Summary, ingest


def check_arguments(files: list[Path], *, fmt: str, provider: str | None, region: str, tz: str,
                    links: Path | None) -> tuple[str, str]:
    """Returns (format, region) or raises ValueError with a one-line message naming the argument."""
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


def run_cli(cfg: Config, files: list[Path], *, fmt: str, provider: str | None, region: str | None, tz: str | None,
            links: Path | None, as_json: bool, fail: Callable[[str], None], engine=None) -> Summary | None:
    region = region or cfg.default_region
    tz = tz or cfg.timezone
    try:
        fmt, region = check_arguments(files, fmt=fmt, provider=provider, region=region, tz=tz, links=links)
    except ValueError as exc:
        fail(str(exc))
        return None
    opts = Options(provider=provider.lower() if provider else None, region=region, tz=tz)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
            tasks: dict[str, int] = {}

            def report(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=total)
                progress.update(tasks[stage], completed=done, total=total)

            summary = ingest(files, data_dir=cfg.data_dir, fmt=fmt, options=opts, report_tz=cfg.timezone, links=links,
                             progress=report, engine=engine)
    except IngestError as exc:
        fail(str(exc))
        return None
    except OSError as exc:  # e.g. a full disk: the transaction was discarded, the lake is as it was
        fail(f"could not write the lake ({exc.strerror or exc}); nothing was imported, the lake is unchanged")
        return None
    if as_json:
        print(json.dumps(summary.as_dict(), ensure_ascii=False, default=str))
    else:
        print("\n".join(summary_lines(summary)))
    sys.stdout.flush()
    return summary


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def summary_lines(s: Summary) -> list[str]:
    """The summary as the CLI prints it."""
    out = [f"imported {len(s.files)} file(s) in {s.seconds:.2f} s ({_n(round(s.rows_per_second))} rows/s)"]
    for f in s.files:
        notes = f" — {'; '.join(f.notes)}" if f.notes else ""
        out.append(f"  {f.name} [{f.format}]: {_n(f.rows)} read, {_n(f.accepted)} accepted, "
                   f"{_n(f.quarantined)} quarantined{notes}")
    out.append(f"rows read {_n(s.rows_read)}, accepted {_n(s.accepted)}, quarantined {_n(s.quarantined)}")
    out.append(f"messages: {_n(s.messages_new)} imported, {_n(s.messages_updated)} updated, "
               f"{_n(s.messages_unchanged)} unchanged; {_n(s.updates_folded)} further updates of the same messages")
    if s.clicks_new or s.clicks_unchanged or s.clicks_duplicates:
        out.append(f"clicks: {_n(s.clicks_new)} imported ({_n(s.clicks_bots)} bots), {_n(s.clicks_unchanged)} "
                   f"already there, {_n(s.clicks_duplicates)} repeated")
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
