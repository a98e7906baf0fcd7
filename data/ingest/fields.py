"""Column helpers shared by the parsers: text to times and numbers, a whole column at a time.

Each returns (values, ok) where `ok` is False for a value that is present but cannot
be read (the caller turns that into a quarantine reason); missing values (null or
blank) give null and ok=True.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data.schema import TS

_NULL_TS = pa.scalar(None, TS)


STRING = pa.string()


def as_array(values, type_=STRING) -> pa.Array:
    """Returns `values` (list, Array or ChunkedArray) as one Arrow array of `type_` when it is a string type."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if not isinstance(values, pa.Array):
        values = pa.array(values, type=type_)
    if pa.types.is_large_string(values.type) or (pa.types.is_dictionary(values.type)):
        values = values.cast(pa.string()) if not pa.types.is_dictionary(values.type) else values.dictionary_decode()
    return values


def text(values) -> pa.Array:
    """Returns strings trimmed of blanks, with empty strings as null."""
    arr = as_array(values)
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    if len(arr) == 0 or arr.null_count == len(arr):
        return arr
    trimmed = pc.utf8_trim_whitespace(arr)
    empty = pc.equal(trimmed, "")
    if not pc.any(empty).as_py():
        return trimmed
    return pc.if_else(empty, pa.scalar(None, pa.string()), trimmed)


def lower(values) -> pa.Array:
    """Returns `text(values)` lower-cased."""
    arr = text(values)
    data = _value_bytes(arr)
    # a numpy look at the bytes costs a fifth of Arrow's utf8_lower: case it only when some byte would change
    return pc.utf8_lower(arr) if ((data >= 65) & (data <= 90) | (data >= 128)).any() else arr


def upper(values) -> pa.Array:
    """Returns `text(values)` upper-cased."""
    arr = text(values)
    data = _value_bytes(arr)
    return pc.utf8_upper(arr) if ((data >= 97) & (data <= 122) | (data >= 128)).any() else arr


def string_bytes(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, data) of a string array as numpy views (no copy): value i is data[offsets[i]:offsets[i + 1]]."""
    n = len(arr)
    if n == 0:
        return np.zeros(1, dtype=np.int32), np.zeros(0, dtype=np.uint8)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + n + 1]
    data = arr.buffers()[2]
    return offsets, np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)


def _value_bytes(arr: pa.Array) -> np.ndarray:
    """The bytes of a string array's values, as numpy (no copy)."""
    offsets, data = string_bytes(arr)
    return data[offsets[0] : offsets[-1]]


def times(values, tz: str) -> tuple[pa.Array, pa.Array]:
    """ISO 8601 text (`2026-11-02T10:00:00+01:00`, `...Z`, `2026-11-02 10:00:00`, a date) -> UTC timestamps.

    Text without an offset is a wall-clock time in `tz`. Timestamps already typed pass
    through (naive ones are read in `tz`).
    """
    arr = as_array(values)
    if pa.types.is_timestamp(arr.type):
        return typed_times(arr, tz), pa.repeat(True, len(arr)) if len(arr) else pa.array([], pa.bool_())
    arr = text(arr)
    n = len(arr)
    if n == 0:
        return pa.array([], TS), pa.array([], pa.bool_())
    first = next((v for v in arr.slice(0, 64).to_pylist() if v is not None), None)
    offset = first is not None and bool(re.search(r"(Z|[+-]\d\d(:?\d\d)?)$", first))
    try:  # fast path: every value ISO 8601 with an offset
        if offset or first is None:
            out = arr.cast(TS)
            return out, pa.repeat(True, n)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    try:  # every value naive
        out = pc.assume_timezone(
            arr.cast(pa.timestamp("us")), timezone=tz, ambiguous="earliest", nonexistent="earliest"
        ).cast(TS)
        return out, pa.repeat(True, n)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    # mixed or partly broken: DuckDB reads what it can (naive text in `tz`)
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"SET TimeZone = '{_zone(tz)}'")
        con.register("tab", pa.table({"s": arr}))
        got = con.sql("SELECT try_cast(s AS TIMESTAMPTZ) AS t FROM tab").to_arrow_table()["t"]
    finally:
        con.close()
    out = got.combine_chunks().cast(TS) if isinstance(got, pa.ChunkedArray) else got.cast(TS)
    ok = pc.or_(pc.is_null(arr), pc.is_valid(out))
    return out, ok


def _zone(tz: str) -> str:
    if "'" in tz:
        raise ValueError(f"bad time zone {tz!r}")
    return tz


def typed_times(arr: pa.Array, tz: str) -> pa.Array:
    """Timestamps of any unit: naive ones are wall-clock times in `tz`; all become UTC microseconds."""
    if arr.type.tz is None:
        arr = pc.assume_timezone(arr, timezone=tz, ambiguous="earliest", nonexistent="earliest")
    return arr.cast(pa.timestamp(arr.type.unit, tz="UTC")).cast(TS)


def compact_dates(values, tz: str) -> tuple[pa.Array, pa.Array]:
    """SMPP receipt dates YYMMDDhhmm or YYMMDDhhmmss (10 or 12 digits) in `tz` -> UTC timestamps."""
    arr = text(values)
    n = len(arr)
    if n == 0:
        return pa.array([], TS), pa.array([], pa.bool_())
    length = pc.binary_length(arr)
    ten = pc.strptime(
        pc.if_else(pc.equal(length, 10), arr, pa.scalar(None, pa.string())),
        format="%y%m%d%H%M",
        unit="us",
        error_is_null=True,
    )
    naive = ten
    if pc.any(pc.equal(length, 12)).as_py():
        twelve = pc.strptime(
            pc.if_else(pc.equal(length, 12), arr, pa.scalar(None, pa.string())),
            format="%y%m%d%H%M%S",
            unit="us",
            error_is_null=True,
        )
        naive = pc.coalesce(ten, twelve)
    # strptime is lenient about what it skips: the text must be digits only
    digits = pc.fill_null(pc.match_substring_regex(arr, r"^[0-9]+$"), False)
    naive = pc.if_else(digits, naive, pa.scalar(None, naive.type))
    out = pc.assume_timezone(naive, timezone=tz, ambiguous="earliest", nonexistent="earliest").cast(TS)
    ok = pc.or_(pc.is_null(arr), pc.is_valid(out))
    return out, ok


def unix_seconds(values) -> tuple[pa.Array, pa.Array]:
    """Unix time in seconds (or milliseconds when 13 digits) -> UTC timestamps."""
    arr = text(values)
    n = len(arr)
    if n == 0:
        return pa.array([], TS), pa.array([], pa.bool_())
    shape = pc.fill_null(pc.match_substring_regex(arr, r"^[0-9]{9,13}(\.[0-9]+)?$"), False)
    num = pc.cast(pc.if_else(shape, arr, pa.scalar(None, pa.string())), pa.float64())
    millis = pc.fill_null(pc.greater(num, 1e11), False)
    micros = pc.if_else(millis, pc.multiply(num, 1e3), pc.multiply(num, 1e6))
    out = pc.cast(pc.cast(pc.round(micros), pa.int64()), TS)
    ok = pc.or_(pc.is_null(arr), shape)
    return out, ok


def integers(values) -> tuple[pa.Array, pa.Array]:
    """Whole numbers written as text ("2", " 3 ", "2.0") -> int64."""
    arr = as_array(values)
    if pa.types.is_integer(arr.type):
        return arr.cast(pa.int64()), pa.repeat(True, len(arr)) if len(arr) else pa.array([], pa.bool_())
    if pa.types.is_floating(arr.type):
        whole = pc.equal(pc.round(arr), arr)
        out = pc.cast(pc.if_else(whole, arr, pa.scalar(None, arr.type)), pa.int64(), safe=False)
        return out, pc.or_(pc.is_null(arr), pc.fill_null(whole, False))
    arr = text(arr)
    if len(arr) == 0:
        return pa.array([], pa.int64()), pa.array([], pa.bool_())
    shape = pc.fill_null(pc.match_substring_regex(arr, r"^[-+]?[0-9]{1,15}(\.0*)?$"), False)
    cleaned = pc.replace_substring_regex(pc.if_else(shape, arr, pa.scalar(None, pa.string())), r"\.0*$", "")
    out = pc.cast(cleaned, pa.int64())
    return out, pc.or_(pc.is_null(arr), shape)


def decimals(values) -> tuple[pa.Array, pa.Array]:
    """Decimal numbers written as text ("0.079", "0,079", "-0.00750") -> float64."""
    arr = as_array(values)
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_decimal(arr.type):
        return arr.cast(pa.float64()), pa.repeat(True, len(arr)) if len(arr) else pa.array([], pa.bool_())
    arr = text(arr)
    if len(arr) == 0:
        return pa.array([], pa.float64()), pa.array([], pa.bool_())
    arr = pc.replace_substring(arr, ",", ".")
    shape = pc.fill_null(pc.match_substring_regex(arr, r"^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$"), False)
    out = pc.cast(pc.if_else(shape, arr, pa.scalar(None, pa.string())), pa.float64())
    return out, pc.or_(pc.is_null(arr), shape)


def first_error(n: int, checks: list[tuple[pa.Array, str | pa.Array]]) -> pa.Array:
    """Returns, per row, the message (text, or an array of texts) of the first failed check, else null."""
    out = pa.nulls(n, pa.string())
    failing = [(ok, message) for ok, message in checks if not pc.all(pc.fill_null(ok, True)).as_py()]
    if not failing:
        return out
    checks = failing
    for ok, message in reversed(checks):
        value = pa.scalar(message, pa.string()) if isinstance(message, str) else message
        out = pc.if_else(pc.fill_null(ok, True), out, value)
    return out


def ids_as_text(values) -> pa.Array:
    """Identifiers that may have been read as numbers -> text without a trailing '.0'."""
    arr = as_array(values)
    if pa.types.is_floating(arr.type):
        ints = pc.cast(arr, pa.int64(), safe=False)
        return pc.cast(ints, pa.string())
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    return text(arr)


_MORE_FORMATS = (
    "%Y-%m-%d %H:%M:%S %Z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%b %d, %Y %I:%M:%S %p",
    "%b %d, %Y %H:%M:%S",
)


def any_times(values, tz: str) -> tuple[pa.Array, pa.Array]:
    """Like `times`, and also RFC 2822 (`Thu, 30 Jul 2015 20:12:31 +0000`), `... UTC`, `dd.mm.yyyy hh:mm[:ss]`,
    unix seconds: each distinct odd value parsed once."""
    out, ok = times(values, tz)
    bad = pc.invert(ok)
    if not pc.any(bad).as_py():
        return out, ok
    arr = text(values)
    odd = pc.unique(arr.filter(bad)).to_pylist()
    zone = None
    solved: list[dt.datetime | None] = []
    for v in odd:
        got = None
        if re.fullmatch(r"[0-9]{9,13}(\.[0-9]+)?", v):
            num = float(v)
            got = dt.datetime.fromtimestamp(num / 1000 if num > 1e11 else num, dt.UTC)
        if got is None:
            try:
                parsed = email.utils.parsedate_to_datetime(v)
                got = parsed if parsed.tzinfo else None
            except (TypeError, ValueError, IndexError):
                got = None
        for fmt in _MORE_FORMATS if got is None else ():
            try:
                parsed = dt.datetime.strptime(v.replace(" UTC", " +0000") if fmt.endswith("%z") else v, fmt)
            except ValueError:
                continue
            if parsed.tzinfo is None:
                if zone is None:
                    from zoneinfo import ZoneInfo

                    zone = ZoneInfo(tz)
                if fmt.endswith("%Z"):
                    parsed = parsed.replace(tzinfo=dt.UTC)
                else:
                    parsed = parsed.replace(tzinfo=zone)
            got = parsed
            break
        solved.append(got.astimezone(dt.UTC) if got is not None else None)
    idx = pc.index_in(arr, value_set=pa.array(odd, pa.string()))
    fixed = pa.array(solved, TS).take(idx)
    out = pc.if_else(bad, fixed, out)
    ok = pc.or_(ok, pc.is_valid(out))
    return out, ok
