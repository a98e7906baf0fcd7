"""One import: files -> records -> message rows and clicks -> the lake, in one transaction.

`ingest(paths, data_dir=..., ...)` reads every file (with its format's parser, or the
one `detect` recognises), normalises the records, and merges them into the lake
inside one `data.lake.transaction`: a new version of the lake is published at the
end in one step, or nothing is. The rollups of the months touched are rebuilt in
the same transaction. Lines that cannot be used are written to
`<data_dir>/quarantine/<import>.jsonl` (file, line, reason, raw text) after the lake
is published, and counted in the returned `Summary`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

import pyarrow as pa

from data.ingest import formats as detection
from data.ingest.core import TRUNCATED, Issue, Normalised, Options, Parsed, concat_rows, normalise
from data.ingest.merge import ensure_dispatches_file, merge_clicks, merge_messages
from data.lake import Lake, transaction
from data.rollups import build_rollup_days, build_rollups, read_state, rollup_status

ProgressFn = Callable[[str, int, int], None]


@dataclass
class FileSummary:
    name: str
    format: str
    rows: int  # lines or items read (blank lines not counted)
    accepted: int  # records that became (part of) a message or a click
    quarantined: int
    notes: list[str] = field(default_factory=list)


@dataclass
class Summary:
    """What an import did."""

    files: list[FileSummary] = field(default_factory=list)
    rows_read: int = 0
    accepted: int = 0
    quarantined: int = 0
    messages_new: int = 0  # "imported"
    messages_updated: int = 0
    messages_unchanged: int = 0
    updates_folded: int = 0  # records that were further updates of a message of the same import
    clicks_new: int = 0
    clicks_unchanged: int = 0
    clicks_duplicates: int = 0
    clicks_bots: int = 0
    inbound_new: int = 0  # replies (inbound messages) added
    inbound_unchanged: int = 0  # replies the lake had already
    optouts_new: int = 0  # new replies that are opt-outs (data/optouts.py)
    dispatches_new: int = 0
    no_number: int = 0
    statuses: dict[str, int] = field(default_factory=dict)  # status of new and updated messages
    providers: dict[str, int] = field(default_factory=dict)  # accepted records per provider
    unknown_codes: list[tuple[str, str | None, str | None, int]] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)  # quarantine reasons
    months: list[str] = field(default_factory=list)  # message partitions rewritten
    rollup_months: list[str] = field(default_factory=list)
    quarantine_file: str | None = None
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0

    @property
    def unknown_total(self) -> int:
        return sum(c for *_, c in self.unknown_codes)

    def as_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "files"}
        out["files"] = [f.__dict__ for f in self.files]
        out["rows_per_second"] = round(self.rows_per_second, 1)
        return out


def merged(summaries: Sequence[Summary]) -> Summary:
    """Returns one summary of several imports: counts added, months joined (a single summary is returned as is)."""
    if len(summaries) == 1:
        return summaries[0]
    out = Summary()
    for s in summaries:
        for f in fields(Summary):
            mine, theirs = getattr(out, f.name), getattr(s, f.name)
            if f.name in ("months", "rollup_months"):
                setattr(out, f.name, sorted(set(mine) | set(theirs)))
            elif isinstance(mine, dict):
                for k, v in theirs.items():
                    mine[k] = mine.get(k, 0) + v
            elif isinstance(mine, list):
                mine.extend(theirs)
            elif f.name == "quarantine_file":
                out.quarantine_file = theirs or mine
            else:
                setattr(out, f.name, mine + theirs)
    return out


class IngestError(ValueError):
    """The import cannot start (a file is missing or of no known format)."""


def ingest(
    paths: Sequence[Path | str],
    *,
    data_dir: Path,
    fmt: str | Sequence[str] = "auto",
    options: Options | Sequence[Options] | None = None,
    report_tz: str,
    links: Path | None = None,
    rollups: str = "auto",
    progress: ProgressFn | None = None,
    names: Sequence[str] | None = None,
    engine=None,
    search_index: bool = True,
    by_day: bool = False,
) -> Summary:
    """Imports `paths` into the lake of `data_dir` (see the module's docstring).

    `report_tz` is the reporting time zone the rollups are built in (config.py's
    `timezone`); `options` (one for all files, or one per file) default to reading times without an offset
    in it too.
    `fmt` is a format name of `formats.FORMATS` or "auto", or one such name per path. `rollups`: "auto" rebuilds
    the touched months when the lake has rollups (and builds them for a lake that
    had no messages yet), "always", or "never". `engine` builds them (`build_rollups`:
    None for DuckDB in this process, or a `data.spark.SparkEngine`); without `search_index` the touched months'
    search index is left stale (rebuilt by a later import or `rollup`). `by_day` (the compactor): the lake's rows are
    found through the id index, only the day files of changed messages are rewritten, and only their days' rollup
    rows rebuilt (docs/design.md, "Live callbacks").
    """
    started = time.perf_counter()
    paths = [Path(p) for p in paths]
    per_file = list(options) if isinstance(options, (list, tuple)) else [options or Options(tz=report_tz)] * len(paths)
    if len(per_file) != len(paths):
        raise IngestError("one set of options per file, or one for all")
    opts = per_file[0] if per_file else Options(tz=report_tz)
    shown = list(names) if names is not None else [str(p) for p in paths]
    for p in paths:
        if not p.is_file():
            raise IngestError(f"no such file: {p}")
    fmts = [fmt] * len(paths) if isinstance(fmt, str) else list(fmt)
    if len(fmts) != len(paths):
        raise IngestError("one format per file, or one for all")
    formats = [detection.detect(p) if f == "auto" else detection.check_format(f) for p, f in zip(paths, fmts)]
    summary = Summary()
    parsed: list[Parsed] = []
    for i, (path, f, shown_name) in enumerate(zip(paths, formats, shown)):
        parsed.append(detection.FORMATS[f].parse(path, shown_name, per_file[i]))
        if progress:
            progress("read files", i + 1, len(paths))

    link_table = None
    if links is not None:
        from data.ingest import clicks as clicks_format

        if not Path(links).is_file():
            raise IngestError(f"no such file: {links}")
        link_table = clicks_format.read_links(Path(links), opts)

    normalised: list[Normalised | None] = []
    click_parts: list[pa.Table] = []
    inbound_parts: list[pa.Table] = []
    issues: list[Issue] = []
    unknown: Counter = Counter()
    for i, p in enumerate(parsed):
        from data.ingest import inbound as inbound_format

        replies = inbound_format.replies_of(p, per_file[i])  # a receipt log's replies: the inbound table
        if replies is not None:
            table, bad = inbound_format.normalise(replies, per_file[i], i)
            issues.extend(bad)
            inbound_parts.append(table)
        issues.extend(p.issues)
        if p.kind == "clicks":
            from data.ingest import clicks as clicks_format

            table, bad = clicks_format.normalise(p, per_file[i], i)
            issues.extend(bad)
            click_parts.append(table)
            normalised.append(None)
        elif p.kind == "inbound":
            table, bad = inbound_format.normalise(p, per_file[i], i)
            issues.extend(bad)
            inbound_parts.append(table)
            normalised.append(None)
        else:
            norm = normalise(p, per_file[i], i)
            issues.extend(norm.issues)
            unknown.update(norm.unknown_codes)
            summary.no_number += norm.no_number
            normalised.append(norm)
        if progress:
            progress("check records", i + 1, len(parsed))
    rows = concat_rows([n.rows for n in normalised if n is not None])
    names_list = [p.name for p in parsed]

    def raw_text(file_index: int, line: int, item: str | None) -> str:
        return parsed[file_index].raw_text(line, item)

    lake = Lake(Path(data_dir) / "lake")
    with transaction(lake) as staging:
        had_messages = bool(staging.month_dirs())
        days_only = by_day and rollups == "auto" and rollup_status(staging, tz=report_tz).fresh
        ensure_dispatches_file(staging)
        merged = merge_messages(staging, rows, names=names_list, raw_text=raw_text, progress=progress, by_day=by_day)
        issues.extend(merged.issues)
        clicked = None
        if click_parts:
            from data.ingest.clicks import concat_clicks

            clicked = merge_clicks(
                staging,
                concat_clicks(click_parts),
                names=names_list,
                raw_text=raw_text,
                links=link_table,
                by_day=by_day,
            )
            issues.extend(clicked.issues)
        touched = set(merged.months) | (clicked.message_months if clicked else set())
        replies = None
        replied: set[str] = set()
        if inbound_parts:
            from data.ingest.inbound import merge_inbound, optout_months

            replies, summary.inbound_unchanged = merge_inbound(staging, pa.concat_tables(inbound_parts))
            summary.inbound_new = replies.num_rows
            summary.optouts_new = replies.num_rows - replies["keyword"].null_count
            replied = set(optout_months(staging, replies))
            touched |= replied
        state = read_state(staging)
        build = rollups == "always" or (rollups == "auto" and (state is not None or not had_messages))
        if build and touched and staging.month_dirs():
            if progress:
                progress("rollups", 0, 1)
            touched_at = [a for a in (merged.touched_at, clicked.touched_at if clicked else None) if a is not None]
            if days_only and touched_at:
                build_rollup_days(
                    staging,
                    tz=report_tz,
                    touched_at=pa.concat_arrays(touched_at),
                    search_index=search_index,
                    replied=sorted(replied),
                )
                summary.rollup_months = sorted(touched)
            elif state is not None and state.get("tz") == report_tz and rollups != "always":
                build_rollups(staging, tz=report_tz, months=sorted(touched), engine=engine, search_index=search_index)
                summary.rollup_months = sorted(touched)
            else:
                build_rollups(staging, tz=report_tz, engine=engine)
                summary.rollup_months = sorted(m.name.removeprefix("month=") for m in staging.month_dirs())
            if progress:
                progress("rollups", 1, 1)

    cut = {p.name: p.cut_line for p in parsed if p.cut_line is not None}
    for issue in issues:  # whatever stage found it, a problem on an unfinished last line says so
        if cut.get(issue.file) == issue.line and "truncated last line" not in issue.reason:
            issue.reason += TRUNCATED
    if issues:
        summary.quarantine_file = str(write_quarantine(Path(data_dir), shown[0] if shown else "import", issues))

    per_file_bad = Counter(i.file for i in issues)
    for p in parsed:
        bad = per_file_bad.get(p.name, 0)
        summary.files.append(FileSummary(p.name, p.format, p.rows, max(p.rows - bad, 0), bad, list(p.notes)))
    summary.rows_read = sum(f.rows for f in summary.files)
    summary.quarantined = len(issues)
    summary.accepted = max(summary.rows_read - summary.quarantined, 0)
    summary.messages_new, summary.messages_updated = merged.new, merged.updated
    summary.messages_unchanged, summary.updates_folded = merged.unchanged, merged.folded
    summary.dispatches_new = merged.new_dispatches
    if clicked:
        summary.clicks_new, summary.clicks_unchanged = clicked.new, clicked.unchanged
        summary.clicks_duplicates, summary.clicks_bots = clicked.duplicates, clicked.bots
    summary.statuses = dict(sorted(merged.statuses.items()))
    summary.providers = dict(sorted(merged.providers.items()))
    summary.unknown_codes = sorted(((p, s, e, c) for (p, s, e), c in unknown.items()), key=lambda x: -x[3])
    summary.reasons = dict(Counter(_reason_kind(i.reason) for i in issues).most_common())
    summary.months = merged.months
    summary.seconds = time.perf_counter() - started
    return summary


def _reason_kind(reason: str) -> str:
    """The reason without the value it quotes ("date in the future: 2031-..." -> "date in the future")."""
    truncated = "truncated last line" in reason
    kind = reason.split(": ", 1)[0].split(" (truncated", 1)[0]
    return kind + (" (truncated last line)" if truncated else "")


def write_quarantine(data_dir: Path, first_name: str, issues: list[Issue]) -> Path:
    """Writes issues as JSON lines to <data_dir>/quarantine/<time>-<file>.jsonl (atomically)."""
    folder = data_dir / "quarantine"
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(first_name).name)[:60] or "import"
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    path = folder / f"{stamp}-{stem}.jsonl"
    if path.exists():
        path = folder / f"{stamp}-{stem}-{uuid.uuid4().hex[:6]}.jsonl"
    tmp = folder / f".{path.name}.{uuid.uuid4().hex}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        for issue in sorted(issues, key=lambda i: (i.file, i.line, i.item or "")):
            fh.write(issue.to_json() + "\n")
    os.replace(tmp, path)
    return path
