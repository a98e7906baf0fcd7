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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BINARY_RE = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


@dataclass
class Lines:
    """The decoded lines of one file."""

    name: str
    lines: pa.Array  # string, one element per line (line i+1 is lines[i])
    encoding: str
    ends_with_newline: bool
    binary: dict[int, str] = field(default_factory=dict)  # line number -> raw text (backslash-escaped)
    blank: int = 0

    def __len__(self) -> int:
        return len(self.lines)

    def text(self, number: int) -> str:
        """Returns line `number` (1-based) as text for a quarantine record."""
        if number in self.binary:
            return self.binary[number]
        if 1 <= number <= len(self.lines):
            value = self.lines[number - 1].as_py()
            return value if value is not None else ""
        return ""

    def is_last(self, number: int) -> bool:
        return number == len(self.lines)


def decode(data: bytes) -> tuple[list[str] | str, str, dict[int, str]]:
    """Returns (text or per-line texts, encoding, undecodable lines) of a file's bytes."""
    if data.startswith(codecs.BOM_UTF8):
        data, bom = data[len(codecs.BOM_UTF8):], "utf-8-sig"
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


_CONTROL = np.zeros(256, dtype=bool)
_CONTROL[[*range(0, 9), 11, 12, *range(14, 32), 127]] = True


def _has_control(buf: np.ndarray) -> bool:
    """True when the bytes hold a control character other than tab, CR and LF (numpy, no copy of the text)."""
    low = np.flatnonzero(buf < 32)
    return bool(_CONTROL[buf[low]].any() or np.count_nonzero(buf == 127))


def _fast_lines(data: bytes) -> tuple[pa.Array, bool] | None:
    """(the lines of UTF-8 bytes as an Arrow string array, whether some line has control characters), built
    without a Python object per line; None when the bytes are not UTF-8."""
    if not data.endswith(b"\n"):
        data += b"\n"
    buf = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10) + 1  # each line with its "\n", cut off below
    large = len(data) >= 2**31 - 1
    offsets = np.r_[0, ends].astype(np.int64 if large else np.int32)
    kind = pa.LargeStringArray if large else pa.StringArray
    arr = kind.from_buffers(len(ends), pa.py_buffer(offsets.tobytes()), pa.py_buffer(data))
    try:
        arr.validate(full=True)  # checks the UTF-8
    except pa.ArrowInvalid:
        return None
    lines = pc.utf8_slice_codeunits(arr, 0, -1)
    crlf = pc.ends_with(lines, "\r")
    if pc.any(crlf).as_py():
        lines = pc.if_else(crlf, pc.utf8_slice_codeunits(lines, 0, -1), lines)
    return lines, _has_control(buf)


def lines_of(data: bytes, name: str) -> Lines:
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8):] if bom else data
    arr = None
    bad: dict[int, str] = {}
    control = True
    if not (data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE)):
        fast = _fast_lines(body) if body else (pa.array([], pa.string()), False)
        if fast is not None:
            arr, control = fast
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
                bad.setdefault(i + 1, arr[i].as_py().encode("utf-8", "surrogatepass").decode("utf-8", "backslashreplace")
                               .encode("unicode_escape").decode("ascii"))
            arr = pc.if_else(binary, pa.scalar("", arr.type), arr)
    blank = 0
    if len(arr):
        blank_mask = pc.match_substring_regex(arr, r"^\s*$")
        blank = int(pc.sum(pc.cast(blank_mask, pa.int64())).as_py() or 0) - len(bad)
    if pa.types.is_large_string(arr.type) and len(arr) and pc.sum(pc.binary_length(arr)).as_py() < 2**31 - 1:
        arr = arr.cast(pa.string())
    return Lines(name=name, lines=arr, encoding=encoding, ends_with_newline=ends, binary=bad, blank=max(blank, 0))
