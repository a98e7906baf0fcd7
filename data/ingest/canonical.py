"""canonical: CSV or Parquet with the lake's own columns (README, "Importing logs").

Columns (header names compare case-insensitively, `_`/spaces ignored): those of
`schema.MESSAGES` — message_id, provider, provider_message_id, source, dispatch_id,
campaign_label, sender, msisdn, country, operator, created_at, sent_at, done_at,
status, reason, raw_status, raw_error, segments, encoding, price, currency — any
subset, plus optional `text` (the message text: segments and encoding when missing,
and the text of a new dispatch), `dispatch_name`, `dispatch_number`,
`recipient_group` and `description` (for dispatches the lake does not have yet).

A row needs an id (message_id, or provider + provider_message_id), a status (status,
or raw_status read with the provider's code table) and a time. Times are ISO 8601;
without an offset they are read in `--tz`. Other columns are ignored (and named in
the summary's notes).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from data.ingest import fields
from data.ingest.core import RECORD, Issue, Options, Parsed, empty_records
from data.ingest.csvio import header_key, parsed_csv

FORMAT = "canonical"
EXTRA = {
    "messagetext": "text",
    "body": "text",
    "name": "dispatch_name",
    "number": "dispatch_number",
    "recipientgroup": "recipient_group",
}
TIME_COLUMNS = ("created_at", "sent_at", "done_at")
KNOWN = {header_key(n): n for n in RECORD.names if n not in ("event_at", "mccmnc")}


def column_map(header: list[str]) -> tuple[dict[str, str], list[str]]:
    """Maps header keys to RECORD columns; returns (mapping, ignored header names)."""
    mapping, ignored = {}, []
    for name in header:
        key = header_key(name)
        target = KNOWN.get(key) or EXTRA.get(key)
        if target and target not in mapping.values():
            mapping[key] = target
        else:
            ignored.append(name)
    return mapping, ignored


def coerce(columns: dict[str, pa.Array], n: int, tz: str) -> tuple[pa.Table, pa.Array]:
    """Converts columns (text or typed) to RECORD types; returns (records with `_time_error`, the first unreadable
    time of the row; per-row error or null)."""
    out: dict[str, pa.Array] = {}
    checks: list[tuple[pa.Array, str]] = []
    time_checks: list[tuple[pa.Array, str]] = []
    for name, arr in columns.items():
        want = RECORD.field(name).type
        if name in TIME_COLUMNS:
            values, ok = fields.times(arr, tz)
            time_checks.append((ok, f"{name} is not a time (ISO 8601)"))
        elif want == pa.int64():
            values, ok = fields.integers(arr)
            checks.append((ok, f"{name} is not a whole number"))
        elif want == pa.float64():
            values, ok = fields.decimals(arr)
            checks.append((ok, f"{name} is not a number"))
        else:  # text: trimmed and checked once, by core.normalise
            arr = fields.as_array(arr)
            values = fields.ids_as_text(arr) if pa.types.is_floating(arr.type) else arr.cast(pa.string())
        out[name] = values
    if not out:
        out["message_id"] = pa.nulls(n, pa.string())
    out["_time_error"] = fields.first_error(n, time_checks)
    return pa.table(out), fields.first_error(n, checks)


def parse(path: Path, name: str, opts: Options) -> Parsed:
    with open(path, "rb") as fh:
        if fh.read(4) == b"PAR1":
            return parse_parquet(path, name, opts)
    return parse_csv(Path(path).read_bytes(), name, opts)


def parse_csv(data: bytes, name: str, opts: Options) -> Parsed:
    parsed, cols = parsed_csv(data, name, FORMAT, empty_records())
    if not cols.header:
        return parsed
    mapping, ignored = column_map(cols.header)
    if ignored:
        parsed.notes.append("ignored columns: " + ", ".join(ignored))
    if not mapping:
        parsed.issues.append(cols.header_issue(name, "header names none of the lake's columns"))
        parsed.rows += 1
    n = len(cols.lines)
    records, error = coerce({target: cols.columns[key] for key, target in mapping.items()}, n, opts.tz)
    records = records.append_column("_line", cols.lines).append_column("_error", error)
    parsed.records = records
    return parsed


def parse_parquet(path: Path, name: str, opts: Options) -> Parsed:
    try:
        table = pq.ParquetFile(path).read()  # one chunk per row group (read_table cuts them smaller)
    except (pa.ArrowInvalid, OSError) as exc:
        return Parsed(name, FORMAT, empty_records(), [Issue(name, 0, f"not a readable Parquet file: {exc}", "")])
    parsed = Parsed(name, FORMAT, empty_records(), rows=table.num_rows)
    mapping, ignored = column_map(table.column_names)
    if ignored:
        parsed.notes.append("ignored columns: " + ", ".join(ignored))
    by_key = {header_key(c): c for c in table.column_names}
    n = table.num_rows
    records, error = coerce({target: table[by_key[key]] for key, target in mapping.items()}, n, opts.tz)
    lines = pa.array(np.arange(1, n + 1, dtype=np.int64))
    parsed.records = records.append_column("_line", lines).append_column("_error", error)

    def raw(line: int, item: str | None = None) -> str:
        if 1 <= line <= n:
            return json.dumps(table.slice(line - 1, 1).to_pylist()[0], default=str, ensure_ascii=False)
        return ""

    parsed.raw = raw
    if n == 0:
        parsed.notes.append("empty file")
    return parsed


def looks_like(head: str, header_keys: set[str]) -> bool:
    """True when a CSV header names the lake's columns (for --format auto)."""
    return (
        {"createdat"} <= header_keys
        and bool({"messageid", "providermessageid"} & header_keys)
        and bool({"status", "rawstatus"} & header_keys)
    )


__all__ = ["parse", "parse_csv", "parse_parquet", "coerce", "column_map", "looks_like", "FORMAT"]
