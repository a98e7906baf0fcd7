"""The compactor: moves the spool's callbacks into the lake, one data directory at a time.

`compact(data_dir, ...)` seals the open spool segments, turns their callbacks into the
ingest's input files (`data.hookbodies`), and runs one import over them
(`data.ingest.run.ingest` with `by_day`: the ingest's parsers, checks and merge rules, its
quarantine, one lake transaction that rewrites only the day files of the changed messages,
found through the id index, rebuilds only those days' rollup rows and publishes one lake
version: a cost that follows the callbacks, not the lake). Only then are the segments removed. Killed before the publication, the
segments are still there and the lake as it was; killed after it and before the
removal, the next run imports them again, which changes nothing (a message's latest
final status wins whatever the order; a click is one click however often it comes).

A callback the import cannot take (an error that is not the machine's) is found by halving the run's
callbacks and set aside in `spool/failed/` with a quarantine line, so it holds up no other (`_import`).

One compactor runs per data directory (a lock file in the spool folder); a second one
finds it taken and returns at once. The touched months' search index is rebuilt at most every
INDEX_EVERY_S (in between, a search reads those months' raw messages). After every run the time up to which callbacks
are in the lake is written to `spool/compacted.json` (the pages' "data as of").
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from data.hookbodies import write_inputs
from data.ingest.core import Issue, Options
from data.ingest.run import Summary, ingest, merged, write_quarantine
from data.lake import write_text_atomic
from data.spool import Spool, read_segment, spool_dir

LOCK_FILE = ".compactor.lock"
STATE_FILE = "compacted.json"
INDEX_EVERY_S = 300.0  # the touched months' search index is rebuilt at most this often (it costs as much as the
# rest of a run; meanwhile a search reads those months' raw messages, data.search_index.fresh_months)


MACHINE_ERRORS = (OSError, MemoryError, duckdb.IOException, duckdb.OutOfMemoryException)  # not a callback's fault


class CompactorBusy(RuntimeError):
    """Another compactor is working on this data directory."""


@dataclass
class Compaction:
    """What one run did."""

    as_of: str  # every callback acknowledged before this time (ISO 8601, UTC) is in the lake
    segments: int = 0
    callbacks: int = 0
    quarantined: int = 0  # spool lines or callbacks no input file could hold (damaged, not the format)
    failed: int = 0  # callbacks whose import raised an error even alone: set aside in spool/failed/, quarantined
    summary: Summary | None = None
    seconds: float = 0.0
    months: list[str] = field(default_factory=list)


@contextmanager
def compactor_lock(data_dir: Path) -> Iterator[None]:
    """Holds the data directory's compactor lock; CompactorBusy when another process has it."""
    folder = spool_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CompactorBusy(f"another compactor is running on {data_dir}") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def compact(data_dir: Path, *, options: Options, report_tz: str, index_every_s: float = INDEX_EVERY_S) -> Compaction:
    """Moves every callback spooled so far into the lake (see the module's docstring); returns what it did."""
    started = time.perf_counter()
    data_dir = Path(data_dir)
    spool = Spool(data_dir)
    with compactor_lock(data_dir):
        as_of = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
        state = _read_state(data_dir)
        indexed_at = state.get("indexed_at")
        index_now = not isinstance(indexed_at, (int, float)) or time.time() - indexed_at >= index_every_s
        segments = spool.seal()
        result = Compaction(as_of=as_of, segments=len(segments))
        entries, issues = [], []
        for path in segments:
            found, damaged = read_segment(path)
            entries.extend(found)
            issues.extend(
                Issue(f"spool/{path.name}", n, "damaged spool line", raw.decode("utf-8", "replace"))
                for n, raw in damaged
            )
        result.callbacks = len(entries)
        if entries:
            summaries, failed = _import(
                entries,
                work_in=spool.dir,
                issues=issues,
                data_dir=data_dir,
                options=options,
                report_tz=report_tz,
                search_index=index_now,
            )
            if summaries:
                result.summary = merged(summaries)
                if index_now and result.summary.rollup_months:
                    indexed_at = time.time()
                result.months = result.summary.months
            if failed:
                kept = spool.set_aside([e for e, _ in failed])
                result.failed = len(failed)
                issues.extend(
                    Issue(
                        f"hook:{e.provider}",
                        0,
                        f"import failed ({type(exc).__name__}: {exc}); kept in spool/{kept.parent.name}/{kept.name}",
                        e.body.decode("utf-8", "replace"),
                    )
                    for e, exc in failed
                )
        if issues:
            write_quarantine(data_dir, "hooks-spool", issues)
            result.quarantined = len(issues)
        spool.remove(segments)  # only now: their callbacks are in a published lake version (or the quarantine)
        _remove_stale_check_folders(spool.dir)
        state = {"as_of": as_of, "callbacks": result.callbacks, "indexed_at": indexed_at}
        write_text_atomic(spool.dir / STATE_FILE, json.dumps(state))
    result.seconds = time.perf_counter() - started
    return result


def _import(entries: list, *, work_in: Path, issues: list[Issue], **ingest_args) -> tuple[list[Summary], list]:
    """Imports entries (`ingest_args`: the run's data_dir, options, report_tz, search_index); returns the imports'
    summaries and, with its error, each entry whose import raised an error even alone; the callbacks no input file
    could hold go to `issues`.

    An error of the machine (disk, memory) is raised: the spool is kept and the next run tries again. Any other error
    is a callback the import cannot take: the entries are halved until the ones failing alone are found, so one
    such callback neither blocks those after it nor is retried for ever (it is set aside, see `compact`)."""
    work = work_in / f".work-{uuid.uuid4().hex}"
    try:
        inputs, bad = write_inputs(entries, work)
        summaries = [_ingest_inputs(inputs, **ingest_args)] if inputs else []
        issues.extend(Issue(f"hook:{e.provider}", 0, why, e.body.decode("utf-8", "replace")) for e, why in bad)
        return summaries, []
    except MACHINE_ERRORS:
        raise
    except Exception as exc:  # noqa: BLE001 - narrowed down below; re-raised above when it is the machine's
        if len(entries) == 1:
            return [], [(entries[0], exc)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    half = len(entries) // 2
    done_a, failed_a = _import(entries[:half], work_in=work_in, issues=issues, **ingest_args)
    done_b, failed_b = _import(entries[half:], work_in=work_in, issues=issues, **ingest_args)
    return done_a + done_b, failed_a + failed_b


def _ingest_inputs(inputs, *, data_dir: Path, options: Options, report_tz: str, search_index: bool) -> Summary:
    return ingest(
        [p for p, _, _ in inputs],
        data_dir=data_dir,
        fmt=[f for _, f, _ in inputs],
        options=[replace(options, provider=pv) if pv else options for _, _, pv in inputs],
        report_tz=report_tz,
        names=[f"hooks-{f}" + (f"-{pv}" if pv else "") for _, f, pv in inputs],
        search_index=search_index,
        by_day=True,
    )


def _remove_stale_check_folders(folder: Path) -> None:
    # Each server thread keeps a folder for checking bodies (data.hookbodies); a dead process leaves its own.
    for path in folder.glob(".check-*-*"):
        try:
            os.kill(int(path.name.split("-")[1]), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except (ValueError, IndexError, PermissionError):
            pass


def _read_state(data_dir: Path) -> dict:
    try:
        state = json.loads((spool_dir(data_dir) / STATE_FILE).read_text(encoding="utf-8"))
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}


def last_compaction(data_dir: Path) -> dt.datetime | None:
    """Returns the time up to which spooled callbacks are in the lake (the newest compaction), or None."""
    try:
        return dt.datetime.fromisoformat(_read_state(data_dir)["as_of"])
    except (ValueError, KeyError, TypeError):
        return None


def data_as_of(data_dir: Path) -> dt.datetime | None:
    """Returns how current the lake is: the newest compaction, else when its current version was published."""
    found = last_compaction(data_dir)
    if found is not None:
        return found
    try:
        return dt.datetime.fromtimestamp(os.lstat(Path(data_dir) / "lake").st_mtime, dt.UTC)
    except OSError:
        return None
