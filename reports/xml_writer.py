"""Streaming XML export, written incrementally as ``bytes`` chunks (one per ~1000 records).

Schema
======

One flat list of records under one root element; no namespace, no DTD::

    <?xml version="1.0" encoding="UTF-8"?>
    <ROOT name="value" ...>
      <RECORD><FIELD1>text</FIELD1><FIELD2>text</FIELD2>...</RECORD>
      ...
    </ROOT>

* Encoding UTF-8, XML 1.0. Element and attribute names are ASCII
  (``[A-Za-z_][A-Za-z0-9_.-]*``), chosen by the export.
* **Root element** -- names the export. Its attributes describe the export (the
  filters it was made with); all are optional strings. Usual ones:
  ``dispatch`` (dispatch number), ``campaign``, ``status``, ``reason``,
  ``period_from`` / ``period_to`` (``YYYY-MM-DD``), ``timezone`` (IANA name),
  ``generated_at`` (ISO 8601 with UTC offset). There is no record count: the file
  is written before the count is known; count the record elements.
* **Record element** -- one per row, in the export's order.
* **Field elements** -- one child per field, always present and always in the same
  order. An empty element (``<reason/>``) means "no value" (``None``, NaN or an
  empty string).
* **Values** -- text as given by the export. Unformatted values are written in
  XML Schema lexical form: integers ``-12``, decimals ``1.5`` (no grouping, ``.`` as
  the decimal point), ``INF``/``-INF``, booleans ``true``/``false``, dates
  ``2026-11-25``, date-times ``2026-11-25T14:05:00+01:00``.
* Text is escaped (``&amp; &lt; &gt;``; ``&quot;`` etc. in attributes); a carriage
  return is written as ``&#13;`` so it survives parsing. Characters not allowed in
  XML 1.0 (C0 control characters other than tab/LF/CR, lone surrogates, U+FFFE,
  U+FFFF) are removed. Leading and trailing spaces of a value are kept.
* Whitespace between elements is not significant.

Phone numbers
-------------

The numbers export (recipients of a dispatch, filtered by status / reason)::

    <?xml version="1.0" encoding="UTF-8"?>
    <numbers dispatch="2026/11/0042" status="delivered" generated_at="2026-11-25T14:05:00+01:00">
      <recipient><msisdn>48600100200</msisdn></recipient>
      <recipient><msisdn>48600100201</msisdn></recipient>
    </numbers>

``msisdn`` is the number as digits with the country code and no ``+`` (the same
form as in the CSV export).

The same text lives in ``docs/export-xml.md``. This module shares its name with the
standard library's ``xml`` package; inside the package ``xml.sax`` still means the
standard library (absolute imports), but never put ``reports/`` itself on ``sys.path``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import numbers
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from reports.csv_writer import ROWS_PER_CHUNK, batch_rows, is_missing

__all__ = ["strip_xml_illegal", "xml_batches", "xml_chunks", "xml_value"]

_ILLEGAL = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
_TEXT_ENTITIES = {"\r": "&#13;"}


def strip_xml_illegal(text: str) -> str:
    """Returns `text` without the characters XML 1.0 does not allow (control chars etc.)."""
    return _ILLEGAL.sub("", text)


def xml_value(value: object) -> str | None:
    """Returns the text a value is written as, or ``None`` for "no value" (an empty element)."""
    if is_missing(value):
        return None
    if isinstance(value, str):
        return strip_xml_illegal(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        if value.is_nan():
            return None
        if value.is_infinite():
            return "INF" if value > 0 else "-INF"
        return format(value, "f")
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return None
        if math.isinf(number):
            return "INF" if number > 0 else "-INF"
        return repr(number)
    if isinstance(value, (dt.date, dt.time)):  # datetime is a date
        return value.isoformat()
    return strip_xml_illegal(str(value))


def _check_name(name: str, what: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"bad XML {what} name: {name!r}")
    return name


def _element(name: str, value: object) -> str:
    text = xml_value(value)
    if not text:
        return f"<{name}/>"
    return f"<{name}>{escape(text, _TEXT_ENTITIES)}</{name}>"


def xml_prologue(root: str, attrs: Mapping[str, str] | None = None) -> str:
    """Returns the XML declaration and the opening root tag with `attrs`."""
    opening = [f"<{_check_name(root, 'root')}"]
    for key, value in (attrs or {}).items():
        text = xml_value(value)
        opening.append(f" {_check_name(key, 'attribute')}={quoteattr(text or '')}")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + "".join(opening) + ">\n"


def xml_chunks(
    root: str,
    record: str,
    fields: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    attrs: Mapping[str, str] | None = None,
    rows_per_chunk: int = ROWS_PER_CHUNK,
) -> Iterator[bytes]:
    """Yields an XML document (see the module's schema) as UTF-8 chunks.

    The first chunk holds the declaration and the opening root tag with `attrs`; then
    one ``<record>`` per row with one child per field (``fields[i]`` <- ``row[i]``);
    the last chunk ends with the closing root tag. Rows are consumed lazily.
    """
    _check_name(root, "root")
    _check_name(record, "record")
    names = [_check_name(name, "field") for name in fields]
    if rows_per_chunk < 1:
        raise ValueError("rows_per_chunk must be at least 1")
    parts = [xml_prologue(root, attrs)]
    pending = 0
    for row in rows:
        if len(row) != len(names):
            raise ValueError(f"row has {len(row)} values for {len(names)} fields")
        cells = "".join(_element(name, value) for name, value in zip(names, row))
        parts.append(f"  <{record}>{cells}</{record}>\n")
        pending += 1
        if pending >= rows_per_chunk:
            yield "".join(parts).encode("utf-8")
            parts = []
            pending = 0
    parts.append(f"</{root}>\n")
    yield "".join(parts).encode("utf-8")


def xml_batches(
    root: str,
    record: str,
    fields: Sequence[str],
    batches: Iterable[Any],
    *,
    attrs: Mapping[str, str] | None = None,
    rows_per_chunk: int = ROWS_PER_CHUNK,
) -> Iterator[bytes]:
    """Like :func:`xml_chunks`, over batches (lists of rows or pyarrow RecordBatches)."""
    yield from xml_chunks(root, record, fields, batch_rows(batches), attrs=attrs, rows_per_chunk=rows_per_chunk)
