"""Streaming CSV export: UTF-8 with BOM, every field quoted, formula injection guarded.

The file is produced as an iterator of ``bytes`` chunks (one per ~1000 rows), so a
server route can stream a million phone numbers without ever holding the whole file.

* The first chunk starts with the UTF-8 byte order mark (Excel needs it to read
  Polish diacritics), followed by the header line.
* Every field is quoted (``csv.QUOTE_ALL``); lines end with ``"\\r\\n"`` (RFC 4180).
* Text cells that start with ``= + - @ | %``, tab, CR or NUL get a leading ``'``
  (OWASP "CSV injection"), so a spreadsheet shows them as text instead of running
  them as a formula. Numbers (``int``, ``float``, ``Decimal``, numpy numbers) are
  written as they are, so ``-3`` stays ``-3``. A number the caller has already
  formatted as a *string* ("-3", "-1,5") is text and is guarded like any other.
* ``None``, NaN and ``pandas.NA`` become an empty field.
* Phone numbers are written as digits with the country code and no ``+``
  (:func:`msisdn_digits`), so the guard never has to alter them.

This module shares its name with the standard library's ``csv``; inside the package
``import csv`` still means the standard library (absolute imports), but never put the
``reports/`` directory itself on ``sys.path``.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

__all__ = [
    "BOM",
    "CSV_GUARD_CHARS",
    "ROWS_PER_CHUNK",
    "batch_rows",
    "csv_batches",
    "csv_chunks",
    "guard_cell",
    "is_missing",
    "msisdn_digits",
]

#: The characters that make a spreadsheet treat a cell as a formula (or, for tab,
#: CR and NUL, that some spreadsheets strip before looking at the first character).
CSV_GUARD_CHARS: frozenset[str] = frozenset("=+-@|%\t\r\x00")

#: The UTF-8 byte order mark that starts the first chunk.
BOM = "\ufeff".encode()

#: How many data rows go into one yielded chunk.
ROWS_PER_CHUNK = 1000


def is_missing(value: object) -> bool:
    """Tells whether a value means "no value": None, NaN, pandas.NA or pandas.NaT."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    # pandas.NA / pandas.NaT without importing pandas here.
    return type(value).__name__ in {"NAType", "NaTType"}


def guard_cell(value: object) -> str:
    """Returns `value` as the text of one CSV field, neutralised against formulas.

    ``None`` (and NaN, ``pandas.NA``) -> ``""``; numbers -> ``str(value)`` unchanged
    (a negative number stays ``"-3"``); anything else -> ``str(value)`` with a ``'``
    prepended when its first character is in :data:`CSV_GUARD_CHARS`.
    """
    if is_missing(value):
        return ""
    if isinstance(value, numbers.Number):
        return str(value)
    text = value if isinstance(value, str) else str(value)
    if text and text[0] in CSV_GUARD_CHARS:
        return "'" + text
    return text


def msisdn_digits(e164: str) -> str:
    """Returns an E.164 number as the digits SMS platforms import: "+48600100200" -> "48600100200".

    Raises ``ValueError`` when `e164` is not a ``+`` followed by 1 to 15 digits (a
    number already without ``+`` is accepted as it is).
    """
    digits = e164.strip()
    if digits.startswith("+"):
        digits = digits[1:]
    if not (1 <= len(digits) <= 15 and digits.isascii() and digits.isdigit()):
        raise ValueError(f"not an E.164 phone number: {e164!r}")
    return digits


def csv_chunks(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    sep: str,
    rows_per_chunk: int = ROWS_PER_CHUNK,
) -> Iterator[bytes]:
    """Yields a CSV file as UTF-8 chunks: BOM + header first, then ~`rows_per_chunk` rows each.

    `sep` is the one-character field separator (";" for Polish, "," for English).
    Every value goes through :func:`guard_cell`; rows are consumed lazily.
    """
    if len(sep) != 1 or sep in '"\r\n':
        raise ValueError(f"bad CSV separator: {sep!r}")
    if rows_per_chunk < 1:
        raise ValueError("rows_per_chunk must be at least 1")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=sep, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([guard_cell(name) for name in header])
    prefix = BOM
    pending = 0
    for row in rows:
        writer.writerow([guard_cell(value) for value in row])
        pending += 1
        if pending >= rows_per_chunk:
            yield prefix + buffer.getvalue().encode("utf-8")
            prefix = b""
            buffer.seek(0)
            buffer.truncate(0)
            pending = 0
    if prefix or pending:
        yield prefix + buffer.getvalue().encode("utf-8")


def csv_line(row: Sequence[object], *, sep: str) -> str:
    """Returns one CSV record (quoted, guarded, CRLF-terminated) as text."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=sep, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerow(
        [guard_cell(v) for v in row]
    )
    return buffer.getvalue()


def batch_rows(batches: Iterable[Any]) -> Iterator[Sequence[object]]:
    """Yields the rows of `batches`, one tuple or sequence per row, lazily.

    A batch is a sequence of rows, a ``pyarrow.RecordBatch`` or ``pyarrow.Table``
    (columns in the header's order), or a ``pandas.DataFrame`` (likewise).
    """
    for batch in batches:
        if hasattr(batch, "num_columns") and hasattr(batch, "column"):  # pyarrow
            columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            yield from zip(*columns)
        elif hasattr(batch, "itertuples"):  # pandas.DataFrame
            yield from batch.itertuples(index=False, name=None)
        else:
            yield from batch


def csv_batches(
    header: Sequence[str],
    batches: Iterable[Any],
    *,
    sep: str,
    rows_per_chunk: int = ROWS_PER_CHUNK,
) -> Iterator[bytes]:
    """Like :func:`csv_chunks`, over batches of rows (lists of rows or pyarrow RecordBatches).

    Used to stream DuckDB results (``fetch_record_batch``) batch by batch; chunks are
    still cut every `rows_per_chunk` rows, whatever the size of the batches.
    """
    yield from csv_chunks(header, batch_rows(batches), sep=sep, rows_per_chunk=rows_per_chunk)
