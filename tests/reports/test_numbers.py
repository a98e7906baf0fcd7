"""Numbers downloads: the fast path and the guarded path give what the general writers give."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pyarrow as pa

from reports import numbers as numbers_report
from reports.csv_writer import csv_chunks
from reports.xml_writer import xml_chunks


class FakeDb:
    pass


def stream(monkeypatch, values, fn, **kwargs):
    batches = [
        pa.record_batch([pa.array(values[i : i + 3], pa.string())], names=["msisdn"]) for i in range(0, len(values), 3)
    ]
    monkeypatch.setattr(numbers_report.sms_queries, "numbers_batches", lambda *a, **k: iter(batches))
    return b"".join(
        fn(FakeDb(), dispatch_id="d", group=numbers_report.StatusGroup.DELIVERED, reason=None, batch_rows=3, **kwargs)
    )


VALUES = ["+48600100200", "+48600100201", None, "+48500000000", "=cmd|' /C calc'!A0", "+48 7<x>&", "+48700000001"]


def test_csv_equals_the_general_writer(monkeypatch):
    got = stream(monkeypatch, VALUES, numbers_report.numbers_csv, lang="en", sep=",")
    digits = [v.lstrip("+") for v in VALUES if v is not None]
    want = b"".join(csv_chunks(["Phone number"], [[d] for d in digits], sep=","))
    assert got == want
    rows = list(csv.reader(io.StringIO(got.decode("utf-8-sig"))))
    assert rows[1:3] == [["48600100200"], ["48600100201"]] and rows[4] == ["'=cmd|' /C calc'!A0"]


def test_xml_equals_the_general_writer(monkeypatch):
    got = stream(
        monkeypatch,
        VALUES,
        numbers_report.numbers_xml,
        scope={"dispatch": "7"},
        generated_at="2026-11-25T12:00:00+00:00",
    )
    digits = [v.lstrip("+") for v in VALUES if v is not None]
    attrs = {"dispatch": "7", "status": "delivered", "generated_at": "2026-11-25T12:00:00+00:00"}
    want = b"".join(xml_chunks("numbers", "recipient", ["msisdn"], [[d] for d in digits], attrs=attrs))
    assert got == want
    assert [e.findtext("msisdn") for e in ET.fromstring(got).iter("recipient")] == digits
