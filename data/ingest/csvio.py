"""Reading CSV exports into columns of text, with the line number of every record.

Fast path: pyarrow's CSV reader, for a UTF-8 file whose records are one line each
(the usual machine export). Anything else — another encoding, quoted line breaks,
a record with too few or too many fields, stray bytes — goes through Python's csv
module line by line, so every bad record is quarantined with its own line number and
raw text and the rest is read. A record on several lines is quarantined with all of them;
one whose later lines are whole records of their own (a stray quote opened a field that
only a later quote closes) is quarantined as such, rather than read with records in a value.

The separator is guessed from the header line: `,` `;` tab or `|` (Polish Excel
writes `;`). Header names are compared lower-cased with spaces, dashes and
underscores removed, so `Date Sent`, `date_sent` and `DateSent` are one column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from data.ingest.core import TRUNCATED, Issue, Parsed, binary_issues, line_issue
from data.ingest.textio import Lines, lines_of

csv.field_size_limit(1 << 24)
SEPARATORS = (",", ";", "\t", "|")


def header_key(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", name.strip().strip('"').lstrip("\ufeff").lower())


@dataclass
class CsvColumns:
    """The text of every column (by header key) and each record's first line number."""

    header: list[str]
    columns: dict[str, pa.Array]
    lines: pa.Array  # int64
    issues: list[Issue] = field(default_factory=list)
    rows: int = 0
    blank: int = 0
    encoding: str = "utf-8"
    text_lines: Callable[[], Lines] | None = None
    cut: int | None = None  # the last line's number when the file does not end with a newline
    header_line: int = 1
    spans: dict[int, int] = field(default_factory=dict)  # first line -> last line of a record on several lines

    def raw(self, line: int) -> str:
        """Returns the text of the record that begins on `line`: all its physical lines."""
        text = self.text_lines()
        return "\n".join(text.text(i) for i in range(line, self.spans.get(line, line) + 1))

    def header_issue(self, name: str, reason: str) -> Issue:
        """An issue for a header line that does not name the columns the format needs."""
        raw = self.text_lines().text(self.header_line) if self.text_lines else ",".join(self.header)
        return Issue(name, self.header_line, reason, raw)


def sniff_separator(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda s: (counts[s], -SEPARATORS.index(s)))
    return best if counts[best] else ","


def read_csv_columns(data: bytes, name: str) -> CsvColumns:
    """Reads CSV bytes (see the module's docstring); an empty file gives no columns."""
    if not data[:4096].strip(b"\xef\xbb\xbf \t\r\n") and not data.strip(b"\xef\xbb\xbf \t\r\n"):  # (no copy)
        return CsvColumns([], {}, pa.array([], pa.int64()))
    cols = _fast(data, name)
    if cols is None:
        cols = _slow(lines_of(data, name), name)
    if not data.endswith(b"\n"):
        cols.cut = data.count(b"\n") + 1
    return cols


def parsed_csv(data: bytes, name: str, fmt: str, records: pa.Table, **kw) -> tuple[Parsed, CsvColumns]:
    """Reads CSV bytes into their columns and the `Parsed` of a format (`fmt`, `records` and `kw` as
    `Parsed` takes them): lines counted, unreadable lines as issues, each line's text for the
    quarantine, and "empty file" noted when there is no header (the caller then has nothing to read)."""
    cols = read_csv_columns(data, name)
    parsed = Parsed(name, fmt, records, list(cols.issues), rows=cols.rows, **kw)
    parsed.cut = cols.cut
    if cols.text_lines is not None:
        parsed.raw = lambda line, item=None: cols.raw(line)
    if not cols.header:
        parsed.notes.append("empty file")
    return parsed, cols


def _is_utf8(data: bytes) -> bool:
    """True when `data` is valid UTF-8 (Arrow's check on the bytes where they are: 35 ms for 250 MB)."""
    offsets = pa.array([0, len(data)], pa.int64()).buffers()[1]
    whole = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        whole.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _fast(data: bytes, name: str) -> CsvColumns | None:
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if b"\x00" in body or (b"\r" in body and body.count(b"\r") != body.count(b"\r\n")):  # a CR of its own
        return None
    try:
        first_nl = body.index(b"\n")
    except ValueError:
        return None
    if not _is_utf8(body):
        # cp1250, say: the slow path decodes it line by line. (pyarrow would refuse such a value too, and
        # on a row with a wrong number of fields it fails to show us the row and prints a traceback.)
        return None
    header_line = body[:first_nl].decode("utf-8").rstrip("\r")
    sep = sniff_separator(header_line)
    invalid: list[int] = []

    def on_invalid(row) -> str:
        invalid.append(1)
        return "skip"

    try:
        table = pcsv.read_csv(
            io.BytesIO(body),
            parse_options=pcsv.ParseOptions(
                delimiter=sep, newlines_in_values=False, invalid_row_handler=on_invalid, ignore_empty_lines=True
            ),
            # empty fields, quoted or not, are null
            convert_options=pcsv.ConvertOptions(
                column_types=_all_text(header_line, sep),
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):
        return None
    if invalid:
        return None
    # one physical line per record, no blank lines: record i is on line i + 2
    physical = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    if physical != table.num_rows + 1:
        return None
    header = list(table.column_names)
    cols = {}
    for col_name, col in zip(header, table.columns):
        arr = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
        arr = arr.cast(pa.string()) if not pa.types.is_string(arr.type) else arr
        cols.setdefault(header_key(col_name), arr)
    lines = pa.array(np.arange(2, table.num_rows + 2, dtype=np.int64))
    cached: list[Lines] = []

    def text_lines() -> Lines:
        if not cached:
            cached.append(lines_of(data, name))
        return cached[0]

    return CsvColumns(header, cols, lines, rows=table.num_rows, text_lines=text_lines)


def _all_text(header_line: str, sep: str) -> dict[str, pa.DataType]:
    names = next(csv.reader([header_line], delimiter=sep), [])
    return {n: pa.string() for n in names}


def _slow(text: Lines, name: str) -> CsvColumns:
    issues = binary_issues(name, text)
    values = text.lines.to_pylist()
    header_no = next((i for i, v in enumerate(values) if v.strip() and (i + 1) not in text.binary), None)
    if header_no is None:
        return CsvColumns(
            [], {}, pa.array([], pa.int64()), issues=issues, encoding=text.encoding, text_lines=lambda: text
        )
    sep = sniff_separator(values[header_no])
    try:
        header = next(csv.reader([values[header_no]], delimiter=sep))
    except csv.Error:  # a stray CR in the header line: its names as plain separated text
        header = values[header_no].split(sep)
    keys = [header_key(h) for h in header]
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in header]
    line_numbers: list[int] = []
    spans: dict[int, int] = {}
    blank = 0
    rows = 0

    state = {"line": header_no + 1}

    def feed():
        for i in range(header_no + 1, len(values)):
            state["line"] = i + 1
            yield values[i] + "\n"

    reader = csv.reader(feed(), delimiter=sep, strict=False)
    start = header_no + 2
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            issues.append(line_issue(name, text, state["line"], f"CSV error: {exc}"))
            start = state["line"] + 1
            continue
        end = state["line"]
        first = start
        start = end + 1
        if (not record or all(not f.strip() for f in record)) and all(
            not values[i - 1].strip() for i in range(first, end + 1)
        ):  # (a lone quote is no blank line)
            if first not in text.binary:
                blank += 1
            continue
        rows += 1
        if len(record) != width:
            issues.append(_record_issue(name, text, first, end, f"expected {width} fields, found {len(record)}"))
            continue
        if any("\x00" in f for f in record):
            issues.append(_record_issue(name, text, first, end, "binary data in a field"))
            continue
        if end > first and _swallows_records(values[first:end], sep, width):
            issues.append(
                _record_issue(name, text, first, end, f"a stray quote joins lines {first}-{end} into one record")
            )
            continue
        if end > first:
            spans[first] = end
        line_numbers.append(first)
        for j, value in enumerate(record):
            columns[j].append(value if value != "" else None)
    cols: dict[str, pa.Array] = {}
    for key, vals in zip(keys, columns):
        cols.setdefault(key, pa.array(vals, pa.string()))
    return CsvColumns(
        header,
        cols,
        pa.array(line_numbers, pa.int64()),
        issues=issues,
        rows=rows + len(text.binary),
        blank=blank,
        encoding=text.encoding,
        text_lines=lambda: text,
        header_line=header_no + 1,
        spans=spans,
    )


def _swallows_records(inner: list[str], sep: str, width: int) -> bool:
    """Tells whether a record's lines after its first hold a whole record of their own: a quoted field that
    goes on over such a line was opened by a stray quote, not by a value with a line break in it."""
    for value in inner:
        try:
            fields = next(csv.reader([value], delimiter=sep, strict=False), [])
        except csv.Error:
            continue
        if len(fields) == width:
            return True
    return False


def _record_issue(name: str, text: Lines, first: int, last: int, reason: str) -> Issue:
    if last == len(text) and not text.ends_with_newline:
        reason += TRUNCATED
    return Issue(name, first, reason, "\n".join(text.text(i) for i in range(first, last + 1)))
