"""Phone numbers: the column-wise normalisation agrees with phonenumbers itself."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import carrier

from data.ingest import phones


@pytest.mark.parametrize(
    "raw,want",
    [
        ("+48 600 100 200", "+48600100200"),
        ("600 100 200", "+48600100200"),
        ("600-100-200", "+48600100200"),
        ("0048600100200", "+48600100200"),
        ("48600100200", "+48600100200"),
        ("(+48) 600 100 200", "+48600100200"),
        ("+48600100200", "+48600100200"),
        ("+4860010020", "+4860010020"),
        ("+44 (0)20 7946 0958", "+442079460958"),
        ("+1 650 253 0000", "+16502530000"),
        ("", None),
        (None, None),
    ],
)
def test_normalise(raw, want):
    got, why = phones.normalise([raw], "PL")
    assert got.to_pylist() == [want] and why.to_pylist() == [None]


@pytest.mark.parametrize("raw", ["abc", "12", "+48 600 100 200 wew. 12", "++48600", "6001002OO"])
def test_not_a_number_says_why(raw):
    got, why = phones.normalise([raw], "PL")
    assert got.to_pylist() == [None] and why.to_pylist() == ["not a phone number"]


def test_another_default_region():
    got, _ = phones.normalise(["01512 3456789", "030 123456"], "DE")
    assert got.to_pylist() == ["+4915123456789", "+4930123456"]


national = st.tuples(
    st.sampled_from(
        ["45", "50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88", "22", "12", "58", "61"]
    ),
    st.integers(0, 9_999_999),
)
shapes = st.sampled_from(["+48{n}", "48{n}", "0048{n}", "{n}", "+48 {a} {b} {c}", "{a}-{b}-{c}"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(national, shapes), min_size=1, max_size=20))
def test_agrees_with_phonenumbers(numbers):
    raw = []
    for (prefix, rest), shape in numbers:
        n = f"{prefix}{rest:07d}"
        raw.append(shape.format(n=n, a=n[:3], b=n[3:6], c=n[6:]))
    e164, why = phones.normalise(raw, "PL")
    country, operator = phones.country_operator(e164)
    for value, got, c, o in zip(raw, e164.to_pylist(), country.to_pylist(), operator.to_pylist()):
        parsed = phonenumbers.parse(value, "PL")
        assert got == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        assert c == phonenumbers.region_code_for_number(parsed)
        assert o == (carrier.name_for_number(parsed, "en") or None)
    assert why.null_count == len(raw)


def test_operator_from_network_code():
    assert phones.operator_from_mccmnc(["26003", "260-06", "26099", None]).to_pylist() == ["Orange", "Play", None, None]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.from_regex(r"\A\+[0-9]{5,17}\Z") | st.text(alphabet="+0123456789 a", max_size=18), max_size=8),
    st.integers(min_value=0, max_value=2),
)
def test_all_e164_is_the_regex_on_every_value(values, shift):
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(["+48600100200"] * shift + values, pa.string()).slice(shift)
    expected = len(arr) > 0 and bool(pc.all(pc.match_substring_regex(arr, phones.E164_RE)).as_py())
    assert phones.all_e164(arr) == expected
