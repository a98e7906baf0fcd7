"""Recipients' numbers of a dispatch's status group or reason, streamed as CSV or XML."""
from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from data import queries
from data.db import Db
from data.schema import StatusGroup
from i18n import t
from reports.csv import csv_batches
from reports.xml import xml_batches


def _digit_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[list[list[str]]]:
    # E.164 "+48600100200" -> "48600100200", the form SMS platforms import.
    for batch in batches:
        digits = pc.replace_substring_regex(batch.column(0), pattern=r"^\+", replacement="")
        yield [[v] for v in digits.to_pylist() if v is not None]


def numbers_csv(
    db: Db, *, dispatch_id: str, group: StatusGroup, reason: str | None, lang: str, sep: str, batch_rows: int
) -> Iterator[bytes]:
    """Yields a CSV file of the numbers, one per row, under a translated header."""
    batches = queries.numbers_batches(db, dispatch_id=dispatch_id, group=group, reason=reason, batch_rows=batch_rows)
    yield from csv_batches([t(lang, "col.msisdn")], _digit_batches(batches), sep=sep)


def numbers_xml(
    db: Db, *, dispatch_id: str, number: int, group: StatusGroup, reason: str | None, generated_at: str, batch_rows: int
) -> Iterator[bytes]:
    """Yields an XML file <numbers dispatch=.. status=.. [reason=..]> of <recipient><msisdn>."""
    batches = queries.numbers_batches(db, dispatch_id=dispatch_id, group=group, reason=reason, batch_rows=batch_rows)
    attrs = {"dispatch": str(number), "status": group.value, "generated_at": generated_at}
    if reason:
        attrs["reason"] = reason
    yield from xml_batches("numbers", "recipient", ["msisdn"], _digit_batches(batches), attrs=attrs)
