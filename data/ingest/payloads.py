"""Webhook bodies and API responses as providers' receivers log them, one per line.

A line may hold a JSON object or array, or a form-encoded body (`a=1&b=2`), possibly
after a timestamp and an HTTP request line, as receivers log them:

    2026-11-02T10:00:03Z POST /twilio/status MessageSid=SM...&MessageStatus=delivered
    GET /vonage/dlr?msisdn=48600100200&messageId=...&status=delivered
    {"results": [{"messageId": "...", "status": {...}}]}

A whole file that is one JSON document (an API response saved to disk,
pretty-printed over many lines) is read as one; each of its items then carries the
line where its id appears. `Payload.time` is the timestamp in front of the body,
if any (when the receiver got it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl

from data.ingest.core import Parsed, binary_issues, build_records, empty_records, line_issue
from data.ingest.textio import Lines, lines_of

_PREFIX_TS = re.compile(r"^\[?(?P<ts>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)\]?\s*")


@dataclass
class Payload:
    line: int
    body: object | None  # dict / list from JSON, or dict from a form body
    time: str | None = None  # timestamp logged in front of the body
    error: str | None = None
    form: bool = False


def parse_form(text: str) -> dict[str, str] | None:
    """`a=1&b=2` -> {"a": "1", "b": "2"} (last value wins); None when it is no form body."""
    text = text.strip()
    if "=" not in text or " " in text:
        return None
    pairs = parse_qsl(text, keep_blank_values=True)
    if not pairs:
        return None
    return {k: v for k, v in pairs}


def _body_of(line: str) -> tuple[str, str | None]:
    s = line.strip()
    ts = None
    m = _PREFIX_TS.match(s)
    if m:
        ts, s = m.group("ts").replace(",", "."), s[m.end() :]
    if s[:1] in "{[":
        return s, ts
    m = re.match(r"^(?:(?:GET|POST|PUT)\s+)?(\S*?\?)?(?P<q>\S*=\S*)$", s)
    if m:
        return m.group("q"), ts
    m = re.match(r"^(?:(?:GET|POST|PUT)\s+\S+\s+)(?P<q>\S*=\S*)$", s)
    if m:
        return m.group("q"), ts
    return s, ts


def payloads(lines: Lines) -> Iterator[Payload]:
    """The payload of every non-blank line (or of the whole file when it is one JSON document)."""
    values = lines.lines.to_pylist()
    whole = _whole_document(values)
    if whole is not None:
        yield whole
        return
    for i, value in enumerate(values, start=1):
        if i in lines.binary:
            continue
        if not value.strip():
            continue
        body, ts = _body_of(value)
        if body[:1] in "{[":
            try:
                yield Payload(i, json.loads(body), ts)
            except ValueError as exc:
                yield Payload(i, None, ts, f"invalid JSON ({exc.msg})")
            continue
        form = parse_form(body)
        if form is None:
            yield Payload(i, None, ts, "neither JSON nor a form-encoded body")
        else:
            yield Payload(i, form, ts, form=True)


def _whole_document(values: list[str]) -> Payload | None:
    first = next((i for i, v in enumerate(values) if v.strip()), None)
    if first is None:
        return None
    start = values[first].lstrip()
    if start[:1] not in "{[":
        return None
    # one JSON value per line (JSON lines) is read line by line
    if start.rstrip().endswith(("}", "]")):
        try:
            json.loads(start)
            return None
        except ValueError:
            pass
    text = "\n".join(values)
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return Payload(first + 1, doc, None)


def line_of(values_text: str, needle: str, start: int = 0) -> tuple[int, int]:
    """(1-based line, offset) of the first `needle` at or after `start` in a document's text; (0, start) if none."""
    pos = values_text.find(needle, start)
    if pos < 0:
        return 0, start
    return values_text.count("\n", 0, pos) + 1, pos + len(needle)


def objects(body, envelopes: tuple[str, ...]) -> tuple[list, str | None]:
    """Returns the objects a JSON body carries and the name its items are numbered under: the list under the first
    of `envelopes` the body has (that key), the body when it is a list (""), else the body alone (None)."""
    if isinstance(body, dict):
        for key in envelopes:
            if isinstance(body.get(key), list):
                return body[key], key
    if isinstance(body, list):
        return body, ""
    return [body], None


def keyed(d: dict) -> dict[str, object]:
    """A dict with keys lower-cased and `_`, `-`, spaces removed (`MessageSid`, `message_sid` -> `messagesid`)."""
    return {re.sub(r"[\s_\-]", "", str(k)).lower(): v for k, v in d.items()}


def as_text(value) -> str | None:
    """A scalar from JSON or a form as text (None, "", "null" -> None; 30003 -> "30003"; 1.0 -> "1")."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    text = str(value).strip()
    return None if text == "" or text.lower() in ("null", "none") else text


class Found:
    """What a payload parser found: row dicts with their line numbers and item paths (None: the whole
    line), and each item's JSON, which the quarantine and raw values show instead of its whole line."""

    def __init__(self, lines: Lines):
        self.rows: list[dict] = []
        self.numbers: list[int] = []
        self.items: list[str | None] = []
        self._raws: dict[tuple[int, str], str] = {}
        self._lines = lines

    def add(self, row: dict, line: int, item: str | None, entry: object) -> None:
        """Adds one row found on `line` (at `item` within it, or the whole line)."""
        self.rows.append(row)
        self.numbers.append(line)
        self.items.append(item)
        if item is not None:
            self._raws[(line, item)] = json.dumps(entry, ensure_ascii=False)

    def raw(self, line: int, item: str | None = None) -> str:
        """Returns the text of an item (its JSON) or of a whole line."""
        return self._raws.get((line, item)) or self._lines.text(line)

    def finish(self, parsed: Parsed, *, tz: str, times: dict[str, str] | None = None) -> Parsed:
        """Returns `parsed` with the rows found as its records (times read as `build_records` reads them), their
        raw text for the quarantine, and "empty file" noted when nothing at all was read."""
        parsed.records = (
            build_records(self.rows, self.numbers, self.items, tz=tz, times=times) if self.rows else empty_records()
        )
        if parsed.rows == 0 and not parsed.issues:
            parsed.notes.append("empty file")
        parsed.raw = self.raw
        return parsed


def start(data: bytes, name: str, fmt: str, records, **kw) -> tuple[Parsed, Found]:
    """The `Parsed` of a payload format's file (`fmt`, `records` and `kw` as `Parsed` takes them; its
    binary lines already issues) and the `Found` its rows go into."""
    lines = lines_of(data, name)
    return Parsed(name, fmt, records, binary_issues(name, lines), lines=lines, **kw), Found(lines)


def readable(parsed: Parsed, *, form: str | None = None) -> Iterator[Payload]:
    """The payloads of `parsed.lines`. One that cannot be read (or a form body, when `form` is the reason
    to refuse one) is quarantined with its line and counted as a row read instead."""
    for p in payloads(parsed.lines):
        why = p.error or (form if p.form else None)
        if why:
            parsed.rows += 1
            parsed.issues.append(line_issue(parsed.name, parsed.lines, p.line, why))
        else:
            yield p
