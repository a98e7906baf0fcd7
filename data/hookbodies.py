"""What a provider callback's body means to the ingest: checked with the ingest's own parser, and written as the
ingest's input files for the compactor.

Each hook reads one ingest format (`FORMAT_OF`). A body becomes what a webhook receiver's log holds, the
format the ingest's parsers already read (docs/ingest.md): one line per callback, the time it was received
in front (`2026-12-06T10:00:03.123456+00:00 {"results": [...]}`, or a form body `MessageSid=...&...`).
The canonical hook takes JSON lines of the lake's columns; they become one Parquet file of text columns,
which the canonical parser reads like a CSV. Clicks are JSON lines, as the clicks format reads them.
Replies (inbound SMS) to the twilio, vonage and infobip hooks go to the inbound format, a file per provider.
Lines of an SMPP gateway's log (`ingest --follow`) stay as they are, one input file per provider (named
in the entry's content type, `text/plain; provider=kannel`).
No new parser: a body is good when the format's parser and the ingest's checks (`normalise`) accept it.
"""

from __future__ import annotations

import bisect
import json
import os
import re
import tempfile
import threading
from collections import defaultdict
from itertools import accumulate
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from data.ingest import formats
from data.ingest.core import Issue, Options, normalise
from data.spool import Entry

FORMAT_OF = {
    "canonical": "canonical",
    "clicks": "clicks",
    "twilio": "twilio",
    "vonage": "vonage",
    "infobip": "infobip",
    "smsapi": "smsapi",
    "smpp-dlr": "smpp-dlr",  # lines of a gateway's log (`ingest --follow`), not an HTTP hook
}
INBOUND_PROVIDERS = frozenset({"twilio", "vonage", "infobip"})  # their hooks also take replies (inbound SMS)
_PROVIDER = re.compile(r"provider=([A-Za-z0-9._-]+)")
MAX_LINES = 10_000  # JSON lines of one canonical or clicks callback


class Malformed(ValueError):
    """A body the format's parser or the ingest's checks refuse; the text says why."""


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        raise Malformed("the body is not UTF-8 text") from None


def _json_lines(body: bytes) -> list[dict]:
    out = []
    for number, line in enumerate(_text(body).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            raise Malformed(f"line {number}: invalid JSON ({exc})") from None
        if not isinstance(value, dict):
            raise Malformed(f"line {number}: not a JSON object")
        out.append(value)
    if not out:
        raise Malformed("empty body")
    if len(out) > MAX_LINES:
        raise Malformed(f"more than {MAX_LINES} lines in one callback")
    return out


def log_line(entry: Entry) -> str:
    """Returns the callback as one line of a webhook receiver's log: received time, then the body on one line."""
    text = _text(entry.body).strip()
    if text[:1] in "{[":
        try:
            text = json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))
        except ValueError as exc:
            raise Malformed(f"invalid JSON ({exc.msg})") from None
    elif "\n" in text or "\r" in text or " " in text or "=" not in text:
        raise Malformed("neither JSON nor a form-encoded body")
    return f"{entry.at} {text}"


def provider_of(entry: Entry) -> str | None:
    """Returns the provider an entry's content type names (`provider=...`), or None."""
    found = _PROVIDER.search(entry.content_type or "")
    return found.group(1).lower() if found else None


def write_inputs(
    entries: list[Entry], folder: Path
) -> tuple[list[tuple[Path, str, str | None]], list[tuple[Entry, str]]]:
    """Writes the ingest's input files for `entries` into `folder`; returns ([(path, format, provider the format
    does not name, or None)], [(entry, why)] of the entries no input could hold)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines: dict[str, list[str]] = defaultdict(list)
    gateway: dict[str | None, list[bytes]] = defaultdict(list)
    canonical: list[dict] = []
    inbound: dict[str, list[str]] = defaultdict(list)
    bad: list[tuple[Entry, str]] = []
    for entry in entries:
        fmt = FORMAT_OF.get(entry.provider)
        try:
            if fmt is None:
                raise Malformed(f"no hook named {entry.provider!r}")
            if fmt == "canonical":
                canonical.extend(_json_lines(entry.body))
            elif fmt == "smpp-dlr":
                gateway[provider_of(entry)].append(entry.body if entry.body.endswith(b"\n") else entry.body + b"\n")
            elif fmt == "clicks":
                lines[fmt].extend(json.dumps(v, ensure_ascii=False) for v in _json_lines(entry.body))
            elif fmt in INBOUND_PROVIDERS and formats.looks_inbound(line := log_line(entry)):
                inbound[entry.provider].append(line)  # a reply (issue 20): the inbound format, this provider's
            else:
                lines[fmt].append(log_line(entry))
        except Malformed as exc:
            bad.append((entry, str(exc)))
    out = []
    if canonical:
        path = folder / "hooks-canonical.parquet"
        pq.write_table(_text_table(canonical), path)
        out.append((path, "canonical", None))
    for fmt, values in sorted(lines.items()):
        path = folder / f"hooks-{fmt}.log"
        path.write_text("\n".join(values) + "\n", encoding="utf-8")
        out.append((path, fmt, None))
    for provider, values in sorted(inbound.items()):
        path = folder / f"hooks-inbound-{provider}.log"
        path.write_text("\n".join(values) + "\n", encoding="utf-8")
        out.append((path, "inbound", provider))
    for i, (provider, chunks) in enumerate(sorted(gateway.items(), key=lambda kv: kv[0] or "")):
        path = folder / f"follow-{i}.log"
        path.write_bytes(b"".join(chunks))
        out.append((path, "smpp-dlr", provider))
    return out, bad


def _text_table(rows: list[dict]) -> pa.Table:
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return pa.table(
        {
            name: pa.array([None if r.get(name) is None else _as_text(r.get(name)) for r in rows], pa.string())
            for name in names
        }
    )


def _as_text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def check(entry: Entry, options: Options, workdir: Path) -> None:
    """Raises Malformed when the ingest would not take this callback: its parser or checks refuse a record."""
    folder = _check_folder(Path(workdir))
    try:
        inputs, bad = write_inputs([entry], folder)
        if bad:
            raise Malformed(bad[0][1])
        issues: list[Issue] = []
        rows = 0
        for path, fmt, _provider in inputs:
            parsed = formats.FORMATS[fmt].parse(path, f"hook:{entry.provider}", options)
            issues.extend(parsed.issues)
            rows += parsed.records.num_rows
            if parsed.kind == "clicks":
                from data.ingest import clicks

                issues.extend(clicks.normalise(parsed, options, 0)[1])
            elif parsed.kind == "inbound":
                from data.ingest import inbound

                issues.extend(inbound.normalise(parsed, options, 0)[1])
            else:
                issues.extend(normalise(parsed, options, 0).issues)
        if issues:
            raise Malformed(issues[0].reason)
        if rows == 0:
            raise Malformed("no record in the body")
    finally:
        for p in folder.iterdir():  # the body holds phone numbers: nothing stays behind
            p.unlink(missing_ok=True)


def _lines_of(entry: Entry, fmt: str) -> int:
    """Returns how many lines (rows) of its format's input file `entry` becomes."""
    return len(_json_lines(entry.body)) if fmt in ("canonical", "clicks") else 1


def verdicts(entries: list[Entry], options: Options, workdir: Path) -> list[str | None]:
    """Returns, for each entry, why the ingest would not take it (None when it would): the entries of one format
    are parsed together, one parse for many callbacks; an entry the joint parse finds fault with, or cannot tell
    apart, is checked alone, so each verdict is what `check` would say of it."""
    out: list[str | None] = [None] * len(entries)
    by_format: dict[str | None, list[int]] = defaultdict(list)
    for i, entry in enumerate(entries):
        by_format[FORMAT_OF.get(entry.provider)].append(i)
    alone: set[int] = set()
    for fmt, members in by_format.items():
        if fmt is None or fmt == "smpp-dlr" or len(members) == 1:
            alone.update(members)
            continue
        good: list[int] = []
        for i in members:
            try:
                _lines_of(entries[i], fmt)
                good.append(i)
            except Malformed as exc:
                out[i] = str(exc)
        if good:
            alone.update(_faulted(entries, good, fmt, options, workdir))
    for i in alone:
        try:
            check(entries[i], options, workdir)
        except Malformed as exc:
            out[i] = str(exc)
    return out


def _faulted(entries: list[Entry], members: list[int], fmt: str, options: Options, workdir: Path) -> set[int]:
    """Returns the members (indices into `entries`, all of format `fmt`) a joint parse did not clear: an issue on
    one of their lines, no record, or an issue the parse could not place."""
    ends = list(accumulate(_lines_of(entries[i], fmt) for i in members))  # last line of each member

    def owner(line: int) -> int | None:
        at = bisect.bisect_left(ends, line)
        return members[at] if line >= 1 and at < len(members) else None

    folder = _check_folder(Path(workdir))
    try:
        inputs, bad = write_inputs([entries[i] for i in members], folder)
        if bad or len(inputs) != 1:
            return set(members)
        path, fmt, _provider = inputs[0]
        parsed = formats.FORMATS[fmt].parse(path, "hook:batch", options)
        issues = list(parsed.issues)
        if parsed.kind == "clicks":
            from data.ingest import clicks

            issues.extend(clicks.normalise(parsed, options, 0)[1])
        else:
            issues.extend(normalise(parsed, options, 0).issues)
        seen = {owner(int(line)) for line in parsed.records.column("_line").to_pylist() if line is not None}
        faulted = {i for i in members if i not in seen}
        for issue in issues:
            at = owner(issue.line)
            if at is None:
                return set(members)
            faulted.add(at)
        return faulted
    finally:
        for p in folder.iterdir():  # the bodies hold phone numbers: nothing stays behind
            p.unlink(missing_ok=True)


class Checker:
    """Checks callbacks as `check` does, those arriving while a check runs taken together in the next one (group
    check: one parse for many callbacks, as the spool's group commit shares one fsync). Thread-safe."""

    def __init__(self, options: Options, workdir: Path, max_batch: int = 500):
        self.options, self.workdir, self.max_batch = options, Path(workdir), max_batch
        self._cond = threading.Condition()
        self._pending: list[tuple[int, Entry]] = []
        self._next = 0
        self._results: dict[int, object] = {}  # verdict: None, why (str) or an exception
        self._checking = False

    def check(self, entry: Entry) -> None:
        """Returns when the ingest would take `entry`; Malformed (why) when not, OSError when it cannot be told."""
        with self._cond:
            seq = self._next
            self._next += 1
            self._pending.append((seq, entry))
        while True:
            with self._cond:
                while seq not in self._results and self._checking:
                    self._cond.wait()
                if seq in self._results:
                    return self._raise(self._results.pop(seq))
                self._checking = True  # this thread checks what is waiting (its own entry among the first)
                batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
            try:
                found = verdicts([e for _, e in batch], self.options, self.workdir)
                results: dict[int, object] = dict(zip((s for s, _ in batch), found, strict=True))
            except Exception as exc:  # noqa: BLE001 - every callback of the batch is told (OSError: 503)
                results = {s: exc for s, _ in batch}
            with self._cond:
                self._results.update(results)
                self._checking = False
                self._cond.notify_all()

    @staticmethod
    def _raise(result: object) -> None:
        if isinstance(result, Exception):
            raise result
        if result is not None:
            raise Malformed(result)


_local = threading.local()


def _check_folder(workdir: Path) -> Path:
    """Returns this thread's folder for the parser's input (made once: a folder per callback cost 5 ms)."""
    folder = getattr(_local, "folder", None)
    if folder is None or folder.parent != workdir or os.getpid() != getattr(_local, "pid", None) or not folder.is_dir():
        workdir.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=f".check-{os.getpid()}-", dir=workdir))
        _local.folder, _local.pid = folder, os.getpid()
    return folder
