"""Recipients' numbers of a dispatch's status group or reason, streamed as CSV or XML.

Numbers are written as digits with the country code and no "+" (DESIGN.md,
"Exports"). A batch whose values are all such digit strings is rendered with Arrow
compute in one step (a digit never needs the CSV formula guard nor XML escaping);
a batch holding anything else goes through the general, guarded writers.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from data.db import Db
from data.queries import sms as sms_queries
from data.schema import StatusGroup
from i18n import t
from reports.csv_writer import csv_chunks, csv_line
from reports.xml_writer import xml_chunks, xml_prologue

DIGITS = r"^[0-9]{1,15}$"


def _digits(batch: pa.RecordBatch) -> pa.Array:
    # E.164 "+48600100200" -> "48600100200"; rows without a number are not recipients to export.
    column = pc.drop_null(batch.column(0))
    return pc.replace_substring_regex(column, pattern=r"^\+", replacement="")


def _render(digits: pa.Array, before: str, after: str) -> bytes | None:
    """Returns before+number+after for every value when all are plain digits, else None."""
    if len(digits) == 0:
        return b""
    if not pc.all(pc.match_substring_regex(digits, DIGITS)).as_py():
        return None
    lines = pc.binary_join_element_wise(before, digits, after, "")
    return "".join(lines.to_pylist()).encode("utf-8")


def numbers_csv(
    db: Db,
    *,
    dispatch_id: str | list[str],
    group: StatusGroup,
    reason: str | None,
    lang: str,
    sep: str,
    batch_rows: int,
) -> Iterator[bytes]:
    """Yields a CSV file of the numbers, one per row, under a translated header (MonthsUnreadable before the
    header when a month of the dispatches cannot be read)."""
    batches = sms_queries.numbers_batches(
        db, dispatch_id=dispatch_id, group=group, reason=reason, batch_rows=batch_rows
    )
    yield from batches_csv(batches, lang=lang, sep=sep)


def batches_csv(batches, *, lang: str, sep: str) -> Iterator[bytes]:
    """Yields a CSV file of the numbers of `batches` (column msisdn), one per row, under a translated header."""
    yield from csv_chunks([t(lang, "col.msisdn")], [], sep=sep)
    for batch in batches:
        digits = _digits(batch)
        fast = _render(digits, '"', '"\r\n')
        yield fast if fast is not None else "".join(csv_line([v], sep=sep) for v in digits.to_pylist()).encode("utf-8")


def numbers_xml(
    db: Db,
    *,
    dispatch_id: str | list[str],
    scope: dict[str, str],
    group: StatusGroup,
    reason: str | None,
    generated_at: str,
    batch_rows: int,
) -> Iterator[bytes]:
    """Yields an XML file <numbers dispatch=..|campaign=.. status=.. [reason=..]> of <recipient><msisdn>;
    `scope` names the dispatch ({"dispatch": "42"}) or campaign ({"campaign": "3"})."""
    attrs = {**scope, "status": group.value, "generated_at": generated_at}
    if reason:
        attrs["reason"] = reason
    batches = sms_queries.numbers_batches(
        db, dispatch_id=dispatch_id, group=group, reason=reason, batch_rows=batch_rows
    )
    yield from batches_xml(batches, attrs)


def batches_xml(batches, attrs: dict[str, str]) -> Iterator[bytes]:
    """Yields an XML file <numbers ...attrs> of <recipient><msisdn> of the numbers of `batches`."""
    yield xml_prologue("numbers", attrs).encode("utf-8")
    for batch in batches:
        digits = _digits(batch)
        fast = _render(digits, "  <recipient><msisdn>", "</msisdn></recipient>\n")
        if fast is None:
            # The general writer escapes whatever the value holds; keep only its records.
            whole = b"".join(xml_chunks("numbers", "recipient", ["msisdn"], [[v] for v in digits.to_pylist()]))
            fast = whole[whole.index(b">\n", whole.index(b"<numbers")) + 2 : whole.rindex(b"</numbers>")]
        yield fast
    yield b"</numbers>\n"


def optout_numbers(
    db: Db,
    *,
    dispatch_id: str | list[str],
    fmt: str,
    scope: dict[str, str],
    lang: str,
    sep: str,
    generated_at: str,
    batch_rows: int,
) -> Iterator[bytes]:
    """Yields the numbers that opted out of a dispatch or campaign (data/optouts.py) as CSV or XML (`fmt`; the
    XML root <numbers ... status="optout">)."""
    from data.queries.optouts import optout_numbers_batches

    batches = optout_numbers_batches(db, dispatch_id=dispatch_id, batch_rows=batch_rows)
    if fmt == "csv":
        return batches_csv(batches, lang=lang, sep=sep)
    return batches_xml(batches, {**scope, "status": "optout", "generated_at": generated_at})
