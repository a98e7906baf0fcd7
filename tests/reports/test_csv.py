"""The CSV export: read the produced bytes back and check their content."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports.csv_writer import (
    BOM,
    CSV_GUARD_CHARS,
    csv_batches,
    csv_chunks,
    guard_cell,
    msisdn_digits,
)


def read_back(raw: bytes, sep: str) -> list[list[str]]:
    assert raw.startswith(BOM)
    text = raw[len(BOM) :].decode("utf-8")
    assert not text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))


@pytest.mark.parametrize("sep", [";", ","])
def test_header_rows_bom_and_quoting(sep):
    header = ["Numer", "Status", "Powód", "Liczba"]
    rows = [
        ["48600100200", "dostarczone", "Zażółć gęślą jaźń", 12],
        ["48600100201", "niedostarczone", "abonent nieosiągalny", 0],
        ["48600100202", "oczekujące", None, -3],
    ]
    raw = b"".join(csv_chunks(header, rows, sep=sep))

    assert read_back(raw, sep) == [
        header,
        ["48600100200", "dostarczone", "Zażółć gęślą jaźń", "12"],
        ["48600100201", "niedostarczone", "abonent nieosiągalny", "0"],
        ["48600100202", "oczekujące", "", "-3"],
    ]
    assert raw.count(BOM) == 1
    body = raw[len(BOM) :].decode("utf-8")
    assert body.endswith("\r\n")
    assert "\n" not in body.replace("\r\n", "")
    lines = body.split("\r\n")[:-1]
    assert len(lines) == 4
    field = r'"[^"]*"'
    every_field_quoted = re.compile(f"{field}(?:{re.escape(sep)}{field})*")
    for line in lines:
        assert every_field_quoted.fullmatch(line), line


@pytest.mark.parametrize(
    "text",
    ["=1+2", "+48 600", "@SUM(A1:A2)", "-x", "\t", "\tx", "|cmd", "%0A", "\rx", "\x00x", '=HYPERLINK("http://x")'],
)
def test_guard_applied_to_dangerous_text(text):
    assert guard_cell(text) == "'" + text
    raw = b"".join(csv_chunks(["h"], [[text]], sep=";"))
    assert read_back(raw, ";")[1] == ["'" + text]
    assert ('"' + "'" + text.replace('"', '""') + '"').encode("utf-8") in raw


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("48600100200", "48600100200"),
        (-3, "-3"),
        (-2.5, "-2.5"),
        (Decimal("-1.50"), "-1.50"),
        (0, "0"),
        ("abc", "abc"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (float("nan"), ""),
    ],
)
def test_guard_leaves_safe_values_and_numbers(value, expected):
    assert guard_cell(value) == expected
    raw = b"".join(csv_chunks(["h"], [[value]], sep=";"))
    assert read_back(raw, ";")[1] == [expected]


def test_guard_chars_are_the_owasp_set():
    assert CSV_GUARD_CHARS == set("=+-@|%\t\r\x00")


def test_caller_formatted_strings_are_written_as_they_are():
    rows = [["12 345", "3,4%", "25.11.2026 14:05", '"cytat"; z separatorem']]
    raw = b"".join(csv_chunks(["a", "b", "c", "d"], rows, sep=";"))
    assert read_back(raw, ";")[1] == rows[0]


def test_empty_export_is_bom_and_header():
    chunks = list(csv_chunks(["Numer"], [], sep=";"))
    assert chunks == [BOM + b'"Numer"\r\n']


def test_chunks_are_cut_every_thousand_rows():
    rows = ([str(48600000000 + i)] for i in range(2500))
    chunks = list(csv_chunks(["msisdn"], rows, sep=";"))
    assert len(chunks) == 3
    assert chunks[0].startswith(BOM) and not any(c.startswith(BOM) for c in chunks[1:])
    assert chunks[0].count(b"\r\n") == 1001  # header + 1000 rows
    assert chunks[1].count(b"\r\n") == 1000
    assert chunks[2].count(b"\r\n") == 500
    assert len(read_back(b"".join(chunks), ";")) == 2501


def test_csv_batches_streams_a_generator_of_batches():
    consumed = []

    def batches():
        for b in range(100):
            consumed.append(b)
            yield [[str(48600000000 + b * 50 + i), "dostarczone"] for i in range(50)]

    stream = csv_batches(["msisdn", "status"], batches(), sep=";")
    first = next(stream)
    assert first.startswith(BOM)
    assert len(consumed) < 100  # lazy: the first chunk came before all batches were read
    chunks = [first, *stream]
    assert len(chunks) >= 5
    assert len(consumed) == 100
    rows = read_back(b"".join(chunks), ";")
    assert rows[0] == ["msisdn", "status"]
    assert len(rows) == 5001
    assert rows[1] == ["48600000000", "dostarczone"]
    assert rows[-1] == ["48600004999", "dostarczone"]


def test_csv_batches_over_pyarrow_record_batches():
    batch1 = pa.record_batch({"msisdn": ["48600100200", "48600100201"], "clicks": [3, None], "reason": ["=x", "ok"]})
    batch2 = pa.record_batch({"msisdn": ["48600100202"], "clicks": [-1], "reason": [None]})
    raw = b"".join(csv_batches(["msisdn", "clicks", "reason"], [batch1, batch2], sep=","))
    assert read_back(raw, ",") == [
        ["msisdn", "clicks", "reason"],
        ["48600100200", "3", "'=x"],
        ["48600100201", "", "ok"],
        ["48600100202", "-1", ""],
    ]


def test_bad_separator_is_refused():
    with pytest.raises(ValueError):
        list(csv_chunks(["a"], [], sep=";;"))
    with pytest.raises(ValueError):
        list(csv_chunks(["a"], [], sep='"'))


@pytest.mark.parametrize(
    ("e164", "digits"),
    [("+48600100200", "48600100200"), ("48600100200", "48600100200"), ("+1", "1")],
)
def test_msisdn_digits(e164, digits):
    assert msisdn_digits(e164) == digits
    assert guard_cell(msisdn_digits(e164)) == digits


@pytest.mark.parametrize("bad", ["", "+", "+48 600 100 200", "abc", "+4860010020012345", "++48"])
def test_msisdn_digits_refuses_what_is_not_e164(bad):
    with pytest.raises(ValueError):
        msisdn_digits(bad)


@given(st.text())
def test_guard_property_any_text_round_trips_guarded(text):
    raw = b"".join(csv_chunks(["h"], [[text]], sep=";"))
    rows = read_back(raw, ";")
    assert len(rows) == 2
    (cell,) = rows[1]
    assert cell in (text, "'" + text)
    assert not cell or cell[0] not in CSV_GUARD_CHARS
    assert (cell == "'" + text) == (text[:1] in CSV_GUARD_CHARS and text != "")


@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.decimals(allow_nan=False)))
def test_guard_property_numbers_are_never_altered(number):
    raw = b"".join(csv_chunks(["h"], [[number]], sep=";"))
    assert read_back(raw, ";")[1] == [str(number)]
