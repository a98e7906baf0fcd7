"""Phone numbers of a whole column at once: E.164, country and operator (phonenumbers' data).

Calling phonenumbers for each of a million numbers would take over a minute, so
the common shapes are handled with Arrow kernels driven by phonenumbers' own
metadata, and phonenumbers itself is called once per distinct odd value only:

- `normalise(values, region)` -> E.164 strings (`+48600100200`) and, where a value is
  not a phone number, a reason. Accepted: `+48 600 100 200`, `0048600100200`,
  `48600100200` (international without `+`), `600 100 200` or `600-100-200` (national
  in the default region), with spaces, dashes, dots, slashes and brackets; anything
  else goes through `phonenumbers.parse`. A number of the right shape that
  phonenumbers would call invalid (a digit missing, say) is kept: the message to it
  existed, and its status tells why it failed.
- `country_operator(e164)` -> ISO region (`PL`) and the operator that owns the
  number's range (`Play`), from phonenumbers' metadata and carrier data. Like
  `phonenumbers.carrier.name_for_number`, only valid mobile numbers get an operator;
  a number ported to another network keeps its range's operator.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import PhoneMetadata

from data.ingest import fields

E164_RE = r"^\+[1-9][0-9]{6,14}$"
_FORMATTING = r"[\s\-./()\x{00a0}]"
_ALLOWED = r"^\+?[0-9\s\-./()\x{00a0}]+$"

# MCC+MNC of the Polish networks (ITU-T E.212 assignments for Poland) -> the operator
# names phonenumbers uses. Receipts that carry the network code (Infobip mccMnc,
# Vonage network-code, SMSAPI mcc/mnc) name the network that really served the number.
OPERATOR_BY_MCCMNC = {"26001": "Plus", "26002": "T-Mobile", "26003": "Orange", "26006": "Play"}

_NULL_STR = pa.scalar(None, pa.string())


@cache
def _region_rules(region: str) -> tuple[str, str | None, tuple[int, ...]]:
    """(country code, national prefix, lengths of national mobile / fixed numbers) of a region."""
    md = PhoneMetadata.metadata_for_region(region.upper())
    if md is None:
        raise ValueError(f"unknown region {region!r}")
    lengths: set[int] = set()
    for desc in (md.mobile, md.fixed_line):
        if desc is not None and desc.possible_length:
            lengths.update(int(x) for x in desc.possible_length if int(x) > 0)
    if not lengths and md.general_desc is not None:
        lengths.update(int(x) for x in md.general_desc.possible_length if int(x) > 0)
    return str(md.country_code), md.national_prefix or None, tuple(sorted(lengths))


def check_region(region: str) -> str:
    """Returns the region code upper-cased; ValueError when phonenumbers does not know it."""
    _region_rules(region.upper())
    return region.upper()


def _to_array(values) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(values, type=pa.string())
    if not pa.types.is_string(values.type):
        values = values.cast(pa.string())
    return values


def _scatter(values: pa.Array, mask: pa.Array, fill: pa.Array) -> pa.Array:
    """Returns `fill` with the positions where `mask` is true replaced, in order, by `values`."""
    picks = np.full(len(mask), -1, dtype=np.int64)
    where = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
    picks[where] = np.arange(len(where))
    taken = values.take(pa.array(picks, mask=picks < 0))
    return pc.if_else(mask, taken, fill)


def all_e164(arr: pa.Array) -> bool:
    """True when every value matches E164_RE (none null), by a look at the bytes: a fifth of the regex's time."""
    n = len(arr)
    if n == 0 or arr.null_count:
        return False
    offsets, data = fields.string_bytes(arr)
    lengths = np.diff(offsets)
    if lengths.min() < 8 or lengths.max() > 16:  # "+", then 7 to 15 digits
        return False
    data = data[offsets[0] : offsets[-1]]
    starts = offsets[:-1] - offsets[0]
    second = data[starts + 1]
    if not ((data[starts] == ord("+")).all() and ((second >= ord("1")) & (second <= ord("9"))).all()):
        return False
    # the "+" that starts each value is its only byte that is not a digit
    return int(np.count_nonzero((data < ord("0")) | (data > ord("9")))) == n


def normalise(values, region: str = "PL") -> tuple[pa.Array, pa.Array]:
    """Returns (E.164 or null, reason or null) for each value; null/blank input gives (null, null)."""
    arr = _to_array(values)
    if len(arr) == 0:
        return pa.array([], pa.string()), pa.array([], pa.string())
    if all_e164(arr):  # the usual case: every number is E.164 already
        return arr, pa.nulls(len(arr), pa.string())
    already = pc.fill_null(pc.match_substring_regex(arr, E164_RE), True)
    if pc.all(already).as_py():
        return arr, pa.nulls(len(arr), pa.string())
    # as SMSCs write them: the country code and the national number, no "+"
    cc, _, lengths = _region_rules(region)
    if lengths:
        bare = pc.fill_null(pc.match_substring_regex(arr, f"^{cc}[0-9]{{{min(lengths)},{max(lengths)}}}$"), False)
        bare = pc.and_(
            bare,
            pc.fill_null(
                pc.is_in(pc.subtract(pc.binary_length(arr), len(cc)), value_set=pa.array(list(lengths), pa.int32())),
                False,
            ),
        )
        if pc.any(bare).as_py():
            arr = pc.if_else(bare, pc.binary_join_element_wise("+", arr, ""), arr)
            already = pc.or_(already, bare)
            if pc.all(already).as_py():
                return arr, pa.nulls(len(arr), pa.string())
    rest = pc.invert(already)
    fixed, why = _normalise_rest(arr.filter(rest), region)
    return _scatter(fixed, rest, arr), _scatter(why, rest, pa.nulls(len(arr), pa.string()))


def _normalise_rest(arr: pa.Array, region: str) -> tuple[pa.Array, pa.Array]:
    cc, national_prefix, lengths = _region_rules(region)
    text = pc.utf8_trim_whitespace(arr)
    blank = pc.fill_null(pc.equal(text, ""), True)
    simple = pc.fill_null(pc.match_substring_regex(text, _ALLOWED), False)
    # "(0)" in "+44 (0)20 ..." is a national prefix to drop: a job for phonenumbers
    simple = pc.and_(simple, pc.invert(pc.fill_null(pc.match_substring(text, "(0)"), False)))
    cleaned = pc.replace_substring_regex(text, _FORMATTING, "")
    cleaned = pc.replace_substring_regex(cleaned, r"^00", "+")
    digits_only = pc.fill_null(pc.match_substring_regex(cleaned, r"^[0-9]+$"), False)
    length = pc.utf8_length(cleaned)
    len_set = pa.array(list(lengths) or [-1], pa.int32())

    # digits only: national number of the region, or international without the "+"
    plus = pc.binary_join_element_wise("+", cleaned, "")
    result = pc.if_else(digits_only, plus, cleaned)
    national = pc.and_(digits_only, pc.fill_null(pc.is_in(length, value_set=len_set), False))
    result = pc.if_else(national, pc.binary_join_element_wise("+" + cc, cleaned, ""), result)
    with_cc = pc.and_(digits_only, pc.fill_null(pc.starts_with(cleaned, cc), False))
    with_cc = pc.and_(with_cc, pc.fill_null(pc.is_in(pc.subtract(length, len(cc)), value_set=len_set), False))
    result = pc.if_else(with_cc, plus, result)
    if national_prefix:
        with_np = pc.and_(digits_only, pc.fill_null(pc.starts_with(cleaned, national_prefix), False))
        np_len = pc.is_in(pc.subtract(length, len(national_prefix)), value_set=len_set)
        with_np = pc.and_(with_np, pc.fill_null(np_len, False))
        stripped = pc.binary_join_element_wise("+" + cc, pc.utf8_slice_codeunits(cleaned, len(national_prefix)), "")
        result = pc.if_else(with_np, stripped, result)

    shaped = pc.fill_null(pc.match_substring_regex(result, E164_RE), False)
    ok = pc.and_(pc.and_(simple, shaped), pc.invert(blank))
    out = pc.if_else(ok, result, _NULL_STR)
    reasons = pc.if_else(pc.or_(ok, blank), _NULL_STR, pa.scalar("not a phone number", pa.string()))

    # odd shapes (letters, extensions, "(0)", too short or long): phonenumbers, once per distinct value
    odd = pc.and_(pc.invert(ok), pc.invert(blank))
    if pc.any(odd).as_py():
        odd_values = pc.unique(text.filter(odd)).to_pylist()
        solved = [_parse_one(v, region) for v in odd_values]
        idx = pc.index_in(text, value_set=pa.array(odd_values, pa.string()))
        out = pc.if_else(odd, pa.array([s[0] for s in solved], pa.string()).take(idx), out)
        reasons = pc.if_else(odd, pa.array([s[1] for s in solved], pa.string()).take(idx), reasons)
    return out, reasons


def _parse_one(value: str, region: str) -> tuple[str | None, str | None]:
    if re.search(r"[^\W\d_]", value):  # letters: phonenumbers would read them as a keypad's, a recipient has none
        return None, "not a phone number"
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None, "not a phone number"
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not re.match(E164_RE, e164):
        return None, "not a phone number"
    return e164, None


# ---------------------------------------------------------------- country, operator


@lru_cache(maxsize=1)
def _country_codes() -> dict[int, tuple[str, ...]]:
    return {int(k): tuple(v) for k, v in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()}


@cache
def _carrier_table(cc: str) -> list[tuple[int, pa.Array, pa.Array]]:
    """phonenumbers' carrier prefixes of one country code, longest first: [(width, prefixes, names)]."""
    from phonenumbers.carrierdata import CARRIER_DATA

    codes = {str(c) for c in _country_codes()}
    widths: dict[int, tuple[list[str], list[str]]] = {}
    for prefix, names in CARRIER_DATA.items():
        if not prefix.startswith(cc):
            continue
        name = names.get("en") or next(iter(names.values()), None)
        if not name or next((prefix[:w] for w in (1, 2, 3) if prefix[:w] in codes), None) != cc:
            continue
        keys, vals = widths.setdefault(len(prefix), ([], []))
        keys.append(prefix)
        vals.append(name)
    return [
        (w, pa.array(k, pa.string()), pa.array(v, pa.string())) for w, (k, v) in sorted(widths.items(), reverse=True)
    ]


@cache
def _valid_rule(region: str) -> tuple[str, tuple[int, ...]] | None:
    """A regular expression and the lengths of a region's valid mobile national numbers.

    Like phonenumbers.carrier.name_for_number: only mobile numbers have an operator.
    """
    md = PhoneMetadata.metadata_for_region(region)
    if md is None:
        return None
    descs = [d for d in (md.mobile,) if d is not None and d.national_number_pattern]
    if not descs:
        return None
    pattern = "|".join(f"(?:{d.national_number_pattern})" for d in descs)
    lengths = sorted({int(x) for d in descs for x in (d.possible_length or ()) if int(x) > 0})
    return f"^(?:{pattern})$", tuple(lengths)


def country_operator(e164) -> tuple[pa.Array, pa.Array]:
    """Returns (region code, operator) for E.164 strings (null where unknown)."""
    arr = _to_array(e164)
    n = len(arr)
    if n == 0:
        return pa.array([], pa.string()), pa.array([], pa.string())
    if n > 1000:  # the same recipients come back: each distinct number once
        encoded = pc.dictionary_encode(arr)
        if len(encoded.dictionary) < n * 0.7:
            country, operator = _country_operator(encoded.dictionary)
            return country.take(encoded.indices), operator.take(encoded.indices)
    return _country_operator(arr)


def _country_operator(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    n = len(arr)
    if n == 0:
        return pa.array([], pa.string()), pa.array([], pa.string())
    codes = _country_codes()
    digits = pc.utf8_slice_codeunits(arr, 1)
    cc = pa.nulls(n, pa.string())
    for width in (1, 2, 3):  # country codes are prefix-free: at most one width matches
        keys = pa.array([str(c) for c in codes if len(str(c)) == width], pa.string())
        head = pc.utf8_slice_codeunits(digits, 0, width)
        cc = pc.if_else(pc.fill_null(pc.is_in(head, value_set=keys), False), head, cc)
    present = [c for c in pc.unique(cc).to_pylist() if c is not None]
    single = {c: codes[int(c)][0] for c in present if len(codes[int(c)]) == 1 and codes[int(c)][0] != "001"}
    country = pa.nulls(n, pa.string())
    operator = pa.nulls(n, pa.string())
    if single:
        where = pc.index_in(cc, value_set=pa.array(list(single), pa.string()))
        country = pa.array(list(single.values()), pa.string()).take(where)
    for c, region in single.items():
        rule = _valid_rule(region)
        if rule is None:
            continue
        mine = pc.fill_null(pc.equal(cc, c), False)
        whole = pc.all(mine).as_py()
        sub = digits if whole else digits.filter(mine)
        national = pc.utf8_slice_codeunits(sub, len(c))
        pattern, lengths = rule
        valid = pc.fill_null(pc.is_in(pc.utf8_length(national), value_set=pa.array(list(lengths), pa.int32())), False)
        try:
            matched = pc.match_substring_regex(national, pattern)
        except pa.ArrowInvalid:  # a pattern RE2 cannot take: Python's re instead
            rx = re.compile(pattern)
            matched = pa.array([bool(rx.match(v)) if v is not None else False for v in national.to_pylist()])
        valid = pc.and_(valid, pc.fill_null(matched, False))
        if not pc.any(valid).as_py():
            continue  # no valid mobile number: no operator, and no need for the carrier tables
        table = _carrier_table(c)
        if not table:
            continue
        found = pa.nulls(len(sub), pa.string())
        for width, keys, names in table:
            found = pc.coalesce(found, names.take(pc.index_in(pc.utf8_slice_codeunits(sub, 0, width), value_set=keys)))
        found = pc.if_else(valid, found, _NULL_STR)
        operator = found if whole else _scatter(found, mine, operator)
    # shared country codes (+1, +7, +44...): phonenumbers decides, once per distinct number
    known = pa.array(list(single) or [""], pa.string())
    shared = pc.and_(pc.is_valid(cc), pc.invert(pc.fill_null(pc.is_in(cc, value_set=known), False)))
    if pc.any(shared).as_py():
        from phonenumbers import carrier

        values = pc.unique(arr.filter(shared)).to_pylist()
        regions, ops = [], []
        for v in values:
            try:
                parsed = phonenumbers.parse(v, None)
            except phonenumbers.NumberParseException:
                regions.append(None)
                ops.append(None)
                continue
            r = phonenumbers.region_code_for_number(parsed)
            regions.append(r if r and r != "001" else None)
            ops.append(carrier.name_for_number(parsed, "en") or None)
        where = pc.index_in(arr, value_set=pa.array(values, pa.string()))
        country = pc.if_else(shared, pa.array(regions, pa.string()).take(where), country)
        operator = pc.if_else(shared, pa.array(ops, pa.string()).take(where), operator)
    return country, operator


def operator_from_mccmnc(values) -> pa.Array:
    """Returns the operator name of MCC+MNC codes ("26003" -> "Orange"), null when not listed."""
    arr = _to_array(values)
    keys = pa.array(list(OPERATOR_BY_MCCMNC), pa.string())
    names = pa.array(list(OPERATOR_BY_MCCMNC.values()), pa.string())
    cleaned = pc.replace_substring_regex(arr, r"[^0-9]", "")
    return names.take(pc.index_in(cleaned, value_set=keys))
