"""Arrow columns built from numpy integers: strings, timestamps, dictionary columns.

Strings are built as bytes in numpy matrices (one row per value) and handed to
pyarrow as buffers: no Python object per row, no numpy unicode arrays.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data import schema

US = 1_000_000  # microseconds per second
HOUR = 3600 * US


_HEX2_LOWER = np.frombuffer(b"".join(b"%02x" % i for i in range(256)), dtype=np.uint16)
_HEX2_UPPER = np.frombuffer(b"".join(b"%02X" % i for i in range(256)), dtype=np.uint16)
_DIGITS4 = np.frombuffer(b"".join(b"%04d" % i for i in range(10_000)), dtype=np.uint32)


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: a bijection of uint64 (distinct in -> distinct out)."""
    z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def hex_chars(v: np.ndarray, upper: bool = False) -> np.ndarray:
    """(n, 16) ASCII hex digits of uint64 values (most significant first)."""
    octets = np.ascontiguousarray(v, dtype=">u8").view(np.uint8).reshape(-1, 8)
    return (_HEX2_UPPER if upper else _HEX2_LOWER)[octets].view(np.uint8)


def digit_chars(v: np.ndarray, width: int) -> np.ndarray:
    """(n, width) ASCII decimal digits of non-negative integers (zero padded, width <= 20)."""
    chunks = -(-width // 4)
    v = v.astype(np.uint64)
    out = np.empty((len(v), chunks), dtype=np.uint32)
    for j in range(chunks - 1, -1, -1):
        q = v // np.uint64(10_000)
        out[:, j] = _DIGITS4[v - q * np.uint64(10_000)]
        v = q
    return out.view(np.uint8)[:, chunks * 4 - width :]


def const_chars(text: str, n: int) -> np.ndarray:
    """(n, len(text)) ASCII matrix repeating `text` (a read-only view)."""
    return np.broadcast_to(np.frombuffer(text.encode("ascii"), dtype=np.uint8), (n, len(text)))


def fixed_strings(*parts: np.ndarray) -> pa.Array:
    """A pyarrow string array from (n, w_i) ASCII matrices joined left to right."""
    mat = np.ascontiguousarray(np.hstack(parts) if len(parts) > 1 else parts[0], dtype=np.uint8)
    n, w = mat.shape
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(mat))


def padded_strings(mat: np.ndarray) -> pa.Array:
    """A pyarrow string array of the rows of `mat` (ASCII), without their trailing spaces."""
    return pc.ascii_rtrim_whitespace(fixed_strings(mat))


def timestamps(us: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """UTC timestamps (schema.TS) from int64 microseconds; `valid` False -> null."""
    mask = None if valid is None or valid.all() else ~valid
    return pa.array(us.astype(np.int64, copy=False), type=pa.int64(), mask=mask).cast(schema.TS)


class Vocab:
    """A column's few distinct strings, and the codes that pick them.

    `column(codes)` is a dictionary array (what Parquet stores anyway): no string is
    copied per row. `lut` maps the caller's codes (an outcome, a provider...) to
    indices in the (distinct) dictionary; -1 -> null.
    """

    def __init__(self, values_by_code: list | tuple):
        distinct = list(dict.fromkeys(v for v in values_by_code if v is not None))
        self.dictionary = pa.array(distinct, type=pa.string())
        index_type = np.int8 if len(distinct) < 128 else np.int16 if len(distinct) < 32768 else np.int32
        where = {v: i for i, v in enumerate(distinct)}  # not list.index: 20,000 dispatches would take minutes
        self.lut = np.array([-1 if v is None else where[v] for v in values_by_code], dtype=index_type)
        self.nullable = bool((self.lut < 0).any())

    def column(self, codes: np.ndarray) -> pa.Array:
        idx = self.lut[codes]
        mask = (idx < 0) if self.nullable else None
        if mask is not None and not mask.any():
            mask = None
        return pa.DictionaryArray.from_arrays(pa.array(idx, mask=mask), self.dictionary)

    def constant(self, n: int, code: int = 0) -> pa.Array:
        return self.column(np.full(n, code, dtype=np.int32))
