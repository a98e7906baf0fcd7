"""The XML export: parse the produced bytes back with ElementTree and compare values."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

import reports.xml_writer as report_xml
from reports.xml_writer import xml_batches, xml_chunks

DOC = Path(__file__).resolve().parents[2] / "docs" / "export-xml.md"


def parse(chunks) -> ET.Element:
    return ET.fromstring(b"".join(chunks))


def records(root: ET.Element, record: str, fields: list[str]) -> list[list[str | None]]:
    assert all(child.tag == record for child in root)
    out = []
    for element in root:
        assert [child.tag for child in element] == fields
        out.append([child.text for child in element])
    return out


def test_values_round_trip_escaped():
    fields = ["name", "note", "count", "share", "flag", "day", "at", "amount", "missing"]
    rows = [
        [
            '<&>"',
            "Zażółć gęślą jaźń",
            12,
            0.25,
            True,
            dt.date(2026, 11, 25),
            dt.datetime(2026, 11, 25, 14, 5, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            Decimal("12.50"),
            None,
        ],
        ["a]]>b", "  spaced\nlines\r\n", -3, float("nan"), False, None, None, Decimal("1E+2"), ""],
    ]
    raw = b"".join(xml_chunks("dispatches", "dispatch", fields, rows))
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<dispatches>\n')
    assert raw.endswith(b"</dispatches>\n")
    root = ET.fromstring(raw)
    assert root.tag == "dispatches"
    assert records(root, "dispatch", fields) == [
        ['<&>"', "Zażółć gęślą jaźń", "12", "0.25", "true", "2026-11-25", "2026-11-25T14:05:00+01:00", "12.50", None],
        ["a]]>b", "  spaced\nlines\r\n", "-3", None, "false", None, None, "100", None],
    ]


def test_control_characters_are_removed():
    rows = [["a\x00b\x01c\x08d\x0be\x1ff\ufffeg\ud800h\tI"]]
    root = parse(xml_chunks("r", "x", ["v"], rows, attrs={"reason": "z\x07ły"}))
    assert root.find("x/v").text == "abcdefgh\tI"
    assert root.get("reason") == "zły"


def test_root_attributes_are_escaped_and_kept_in_order():
    attrs = {
        "dispatch": 'A&B "1" <x>',
        "status": "niedostarczone",
        "reason": "Numer nieosiągalny\tteraz",
        "generated_at": "2026-11-25T14:05:00+01:00",
    }
    raw = b"".join(xml_chunks("numbers", "recipient", ["msisdn"], [], attrs=attrs))
    root = ET.fromstring(raw)
    assert root.attrib == attrs
    assert list(root.attrib) == list(attrs)
    assert len(root) == 0


def test_numbers_export_in_batches_streams_in_chunks():
    consumed = []

    def batches():
        for b in range(100):
            consumed.append(b)
            if b % 2:
                yield [[str(48600000000 + b * 30 + i)] for i in range(30)]
            else:
                yield pa.record_batch({"msisdn": [str(48600000000 + b * 30 + i) for i in range(30)]})

    stream = xml_batches("numbers", "recipient", ["msisdn"], batches(), attrs={"dispatch": "42"})
    first = next(stream)
    assert len(consumed) < 100
    chunks = [first, *stream]
    assert len(chunks) == 4  # 3000 records, 1000 a chunk, closing tag with the last ones
    root = ET.fromstring(b"".join(chunks))
    assert root.get("dispatch") == "42"
    values = [element.findtext("msisdn") for element in root.iter("recipient")]
    assert values == [str(48600000000 + i) for i in range(3000)]


def test_documented_numbers_example_is_what_the_writer_writes():
    example = re.search(r"```xml\n(<\?xml[^`]*?<numbers [^`]*?</numbers>\n)```", DOC.read_text("utf-8"))
    assert example, "docs/export-xml.md lost its numbers example"
    written = b"".join(
        xml_chunks(
            "numbers",
            "recipient",
            ["msisdn"],
            [["48600100200"], ["48600100201"]],
            attrs={"dispatch": "2026/11/0042", "status": "delivered", "generated_at": "2026-11-25T14:05:00+01:00"},
        )
    ).decode("utf-8")
    assert written == example.group(1)
    indented = "".join("    " + line + "\n" for line in example.group(1).splitlines())
    assert indented in report_xml.__doc__  # the module docstring shows the same example


@pytest.mark.parametrize("name", ["1abc", "a b", "<x>", "", "zażółć"])
def test_bad_names_are_refused(name):
    with pytest.raises(ValueError):
        list(xml_chunks(name, "r", ["f"], []))
    with pytest.raises(ValueError):
        list(xml_chunks("root", "r", [name], []))
    with pytest.raises(ValueError):
        list(xml_chunks("root", "r", ["f"], [], attrs={name: "v"}))


def test_row_of_wrong_length_is_refused():
    with pytest.raises(ValueError):
        list(xml_chunks("root", "r", ["a", "b"], [["only one"]]))
