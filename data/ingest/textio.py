"""Reading input files as lines of text, whatever the encoding and line endings.

`read_lines(path)` gives the file's lines (numbered from 1, line endings removed) and
which of them cannot be text at all:

- UTF-8, with or without a byte-order mark; UTF-16 with a BOM.
- A file that is not valid UTF-8 is read line by line: lines that are UTF-8 stay
  UTF-8, the others are read as Windows-1250 (what Polish Windows programs write).
- Windows (CRLF) and Unix (LF) line endings, mixed or not.
- Lines with control characters (NUL and friends, not tab) are binary garbage: they
  are reported in `binary` so the import quarantines them with their line number.
- `ends_with_newline` tells whether the last line was complete: a parser that
  cannot read the last line says "truncated last line" when it was not.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BINARY_RE = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


class Lines:
    """The decoded lines of one file.

    `lines` is an Arrow string array (line i+1 is lines[i]). A UTF-8 file keeps its
    bytes (`buffer`) and each line's byte range (`starts`, `ends`, line endings
    excluded), and builds `lines` only when asked: a parser that cuts fields out of
    the bytes (smpp_dlr) never needs a Python object, or even an Arrow string, per line.
    """

    def __init__(
        self,
        name: str,
        lines: pa.Array | None,
        encoding: str,
        ends_with_newline: bool,
        binary: dict[int, str] | None = None,
        blank: int = 0,
        *,
        buffer: pa.Buffer | None = None,
        starts: np.ndarray | None = None,
        ends: np.ndarray | None = None,
    ):
        self.name = name
        self._lines = lines
        self.encoding = encoding
        self.ends_with_newline = ends_with_newline
        self.binary: dict[int, str] = binary if binary is not None else {}  # line number -> raw text (escaped)
        self.blank = blank
        self.buffer = buffer
        self.starts = starts
        self.ends = ends

    @property
    def lines(self) -> pa.Array:
        if self._lines is None:
            self._lines = cut(self.buffer, self.starts, self.ends)
        return self._lines

    def take(self, indices) -> pa.Array:
        """The lines at 0-based `indices` (an int array), without building every line."""
        if self._lines is None:
            idx = np.asarray(indices, dtype=np.int64)
            return cut(self.buffer, self.starts[idx], self.ends[idx])
        return self._lines.take(pa.array(np.asarray(indices, dtype=np.int64)))

    def with_endings(self) -> tuple[pa.Array, pa.Array | None]:
        """(the lines with their line endings, which end with "]" before the ending): for the byte-range form,
        an Arrow view of the file without a copy; else the lines and None."""
        if self._lines is not None or self.buffer is None:
            return self.lines, None
        n = len(self.starts)
        buf = np.frombuffer(self.buffer, dtype=np.uint8)
        offsets = np.r_[self.starts, len(buf)]
        large = len(buf) >= 2**31 - 1
        kind = pa.LargeStringArray if large else pa.StringArray
        view = kind.from_buffers(n, pa.py_buffer(offsets.astype(np.int64 if large else np.int32)), self.buffer)
        closed = (
            (self.ends > self.starts) & (buf[np.maximum(self.ends - 1, 0)] == ord("]"))
            if len(buf)
            else np.zeros(n, dtype=bool)
        )
        return view, pa.array(closed)

    def blank_mask(self) -> np.ndarray:
        """Which lines are empty or white space only."""
        if self._lines is not None:
            if not len(self._lines):
                return np.zeros(0, dtype=bool)
            return pc.fill_null(pc.match_substring_regex(self._lines, r"^\s*$"), False).to_numpy(zero_copy_only=False)
        return _blank_ranges(self.buffer, self.starts, self.ends)

    def __len__(self) -> int:
        return len(self._lines) if self._lines is not None else len(self.starts)

    def text(self, number: int) -> str:
        """Returns line `number` (1-based) as text for a quarantine record."""
        if number in self.binary:
            return self.binary[number]
        if 1 <= number <= len(self):
            if self._lines is None:
                a, b = int(self.starts[number - 1]), int(self.ends[number - 1])
                return memoryview(self.buffer)[a:b].tobytes().decode("utf-8")
            value = self._lines[number - 1].as_py()
            return value if value is not None else ""
        return ""

    def is_last(self, number: int) -> bool:
        return number == len(self)


def cut(buffer: pa.Buffer, starts: np.ndarray, ends: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Strings buffer[starts[i]:ends[i]] (null where `valid` is false), copied out with one Arrow `take`.

    The ranges must be in buffer order and not overlap (each starts at or after the
    previous one's end), as fields of successive lines are: the buffer is then viewed
    as an array of 2n-1 strings (range, gap, range, ...) and every other one taken.
    Ranges must begin and end on UTF-8 character boundaries (the callers cut at ASCII
    bytes).
    """
    n = len(starts)
    if n == 0:
        return pa.array([], pa.string())
    offsets = np.empty(2 * n, dtype=np.int64)
    offsets[0::2] = starts
    offsets[1::2] = ends
    large = int(offsets[-1]) >= 2**31 - 1
    kind = pa.LargeStringArray if large else pa.StringArray
    view = kind.from_buffers(2 * n - 1, pa.py_buffer(offsets.astype(np.int64 if large else np.int32)), buffer)
    picks = np.arange(0, 2 * n, 2, dtype=np.int64)
    out = view.take(pa.array(picks, mask=None if valid is None else ~np.asarray(valid, dtype=bool)))
    return out.cast(pa.string()) if large else out


def decode(data: bytes) -> tuple[list[str] | str, str, dict[int, str]]:
    """Returns (text or per-line texts, encoding, undecodable lines) of a file's bytes."""
    if data.startswith(codecs.BOM_UTF8):
        data, bom = data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    elif data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16"), "utf-16", {}
        except UnicodeDecodeError:
            bom = "utf-16?"
            data = data[2:]
    else:
        bom = "utf-8"
    try:
        return data.decode("utf-8"), bom, {}
    except UnicodeDecodeError:
        pass
    # Not UTF-8 as a whole: line by line, UTF-8 where it is, else Windows-1250.
    out: list[str] = []
    bad: dict[int, str] = {}
    used_cp1250 = False
    for i, raw in enumerate(data.split(b"\n"), start=1):
        try:
            out.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            try:
                out.append(raw.decode("cp1250"))
                used_cp1250 = True
            except UnicodeDecodeError:
                out.append("")
                bad[i] = raw.rstrip(b"\r").decode("utf-8", "backslashreplace")
    return out, ("cp1250" if used_cp1250 else bom), bad


def read_lines(path: Path, name: str | None = None) -> Lines:
    """Reads a text file into numbered lines (see the module's docstring)."""
    data = Path(path).read_bytes()
    return lines_of(data, name or str(path))


def _fast_lines(body: bytes) -> tuple[pa.Buffer, np.ndarray, np.ndarray, bool] | None:
    """(the bytes, each line's start and end offset without its line ending, whether some line has control
    characters), found with numpy: no Python object per line; None when the bytes are not UTF-8."""
    if not body.isascii():
        small = len(body) < 2**31 - 1
        kind = pa.StringArray if small else pa.LargeStringArray
        probe = kind.from_buffers(
            1, pa.py_buffer(np.array([0, len(body)], dtype=np.int32 if small else np.int64)), pa.py_buffer(body)
        )
        try:
            probe.validate(full=True)  # checks the UTF-8
        except pa.ArrowInvalid:
            return None
    buf = np.frombuffer(body, dtype=np.uint8)
    # in chunks of 1 MB: the temporaries stay in the CPU's cache (2-5x faster than whole-file arrays)
    step = 1 << 20
    parts, low = [], 0  # newlines; bytes below 32: the newlines, and maybe CR, tab, control characters
    for a in range(0, len(buf), step):
        chunk = buf[a : a + step]
        parts.append(np.flatnonzero(chunk == 10) + a)
        low += int(np.count_nonzero(chunk < 32))
    nl = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    if body.endswith(b"\n"):
        starts = np.r_[0, nl[:-1] + 1].astype(np.int64)
        ends = nl.astype(np.int64)
    else:
        starts = np.r_[0, nl + 1].astype(np.int64)
        ends = np.r_[nl, len(body)].astype(np.int64)
    crs = body.count(b"\r") if low > len(nl) else 0
    if crs:
        cr = np.zeros(len(ends), dtype=bool)
        some = ends > starts
        cr[some] = buf[ends[some] - 1] == 13
        ends = ends - cr
    control = (low > len(nl) + crs and low != len(nl) + crs + body.count(b"\t")) or b"\x7f" in body
    return pa.py_buffer(body), starts, ends, control


def lines_of(data: bytes, name: str) -> Lines:
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8) :] if bom else data
    arr = None
    bad: dict[int, str] = {}
    control = True
    if not (data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE)):
        fast = _fast_lines(body) if body else None
        if not body:
            arr, control = pa.array([], pa.string()), False
        elif fast is not None:
            buffer, starts, ends, control = fast
            encoding = "utf-8-sig" if bom else "utf-8"
            if not control:  # the usual case: the lines stay byte ranges of the file
                return Lines(
                    name,
                    None,
                    encoding,
                    body.endswith(b"\n"),
                    {},
                    int(_blank_ranges(buffer, starts, ends).sum()),
                    buffer=buffer,
                    starts=starts,
                    ends=ends,
                )
            arr = cut(buffer, starts, ends)
    if arr is not None:
        encoding = "utf-8-sig" if bom else "utf-8"
        ends = body.endswith(b"\n")
    else:
        text, encoding, bad = decode(data)
        parts = text.split("\n") if isinstance(text, str) else text
        ends = bool(parts) and parts[-1] == "" and len(parts) > 1
        if ends:
            parts = parts[:-1]
        elif parts == [""]:
            parts = []
        arr = pa.array(parts, pa.string()) if parts else pa.array([], pa.string())
        if len(arr):
            has_cr = pc.fill_null(pc.ends_with(arr, "\r"), False)
            if pc.any(has_cr).as_py():
                arr = pc.if_else(has_cr, pc.utf8_slice_codeunits(arr, 0, -1), arr)
    if len(arr):
        # lines with control characters are binary garbage (most files have none: `control` says so)
        binary = pc.fill_null(pc.match_substring_regex(arr, BINARY_RE), False) if control else None
        if binary is not None and pc.any(binary).as_py():
            for i in pc.indices_nonzero(binary).to_pylist():
                bad.setdefault(
                    i + 1,
                    arr[i]
                    .as_py()
                    .encode("utf-8", "surrogatepass")
                    .decode("utf-8", "backslashreplace")
                    .encode("unicode_escape")
                    .decode("ascii"),
                )
            arr = pc.if_else(binary, pa.scalar("", arr.type), arr)
    blank = 0
    if len(arr):
        blank_mask = pc.match_substring_regex(arr, r"^\s*$")
        blank = int(pc.sum(pc.cast(blank_mask, pa.int64())).as_py() or 0) - len(bad)
    if pa.types.is_large_string(arr.type) and len(arr) and pc.sum(pc.binary_length(arr)).as_py() < 2**31 - 1:
        arr = arr.cast(pa.string())
    return Lines(name=name, lines=arr, encoding=encoding, ends_with_newline=ends, binary=bad, blank=max(blank, 0))


def _blank_ranges(buffer: pa.Buffer, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Which of the lines (byte ranges) are empty or white space only."""
    if not len(starts):
        return np.zeros(0, dtype=bool)
    buf = np.frombuffer(buffer, dtype=np.uint8)
    empty = ends == starts
    first = np.where(empty, 0, buf[np.minimum(starts, len(buf) - 1)])
    spacey = ~empty & np.isin(first, (9, 11, 12, 13, 32))
    if spacey.any():
        some = cut(buffer, starts[spacey], ends[spacey])
        empty[spacey] = pc.fill_null(pc.match_substring_regex(some, r"^\s*$"), False).to_numpy(zero_copy_only=False)
    return empty
