"""What every command shares: the settings, argument checks, failing with one line, atomic file writes."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import typer

from config import Config, ConfigError

T = TypeVar("T")


def fail(message: str) -> None:
    """Ends the command with `error: message` on stderr and exit code 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def open_store(opener: Callable[[], T], what: str) -> T:
    """Returns `opener()`'s store; one that cannot even be opened (created, migrated) ends the command in one line."""
    import sqlite3

    try:
        return opener()
    except (sqlite3.OperationalError, OSError) as exc:
        fail(f"{what} cannot be opened ({exc}); nothing was changed")
        raise


def read_secret(label: str, *, repeat: str | None = None) -> str:
    """Returns a secret typed hidden at a terminal (asked again with `repeat`, when given, and refused if the two
    differ), or else the first line of stdin (scripts: `echo secret | ...`)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt(label, hide_input=True)
    if repeat and typer.prompt(repeat, hide_input=True) != first:
        fail(f"the two {label.lower()}s differ")
    return first


def config() -> Config:
    """Returns the environment's settings, or ends the command naming the bad one; the data directory is made
    its owner's only (data.lake.private_data_dir) before anything is written there."""
    from data.lake import private_data_dir

    try:
        cfg = Config.from_env()
    except ConfigError as exc:
        fail(str(exc))
        raise
    try:
        private_data_dir(cfg.data_dir)
    except OSError as exc:
        fail(f"SMSREPORTS_DATA_DIR: cannot use {cfg.data_dir} ({exc.strerror or exc})")
    return cfg


def day(value: str, flag: str) -> dt.date:
    """Returns the date `value` (YYYY-MM-DD, within 2000-01-01..2100-12-31) given for `flag`."""
    from data.period import FIRST_DAY, LAST_DAY, PeriodError, check_day

    try:
        return check_day(dt.date.fromisoformat(value))
    except PeriodError:
        fail(f"{flag}: {value} is outside {FIRST_DAY}..{LAST_DAY}")
        raise
    except ValueError:
        fail(f"{flag}: {value!r} is not a date (YYYY-MM-DD)")
        raise


def moment(value: str, flag: str, tz: str) -> dt.date | dt.datetime:
    """Returns the moment `value` given for `flag`: an aware time (YYYY-MM-DDTHH:MM[:SS], local in `tz`), a date
    (YYYY-MM-DD), or now in `tz` when empty."""
    from zoneinfo import ZoneInfo

    if not value:
        return dt.datetime.now(ZoneInfo(tz))
    if len(value) == 10:
        return day(value, flag)
    try:
        found = dt.datetime.fromisoformat(value)
    except ValueError:
        fail(f"{flag}: {value!r} is neither a date (YYYY-MM-DD) nor a time (YYYY-MM-DDTHH:MM)")
        raise
    return found if found.tzinfo is not None else found.replace(tzinfo=ZoneInfo(tz))


def choice(value: str, choices: tuple[str, ...], flag: str) -> str:
    """Returns `value` when it is one of `choices`."""
    if value not in choices:
        fail(f"{flag} must be {' or '.join(choices)}")
    return value


def write_atomic(out: Path, chunks: Iterable[bytes]) -> int:
    """Writes `chunks` to `out` through a temporary file renamed at the end; returns the bytes written."""
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
