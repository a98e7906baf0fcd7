"""What every format shares: records, normalisation to the lake's message rows, quarantine.

A parser turns one file into `Parsed`: a table of *records* (one per status update,
log line or report item; columns from `RECORD`, any subset, plus `_line`) and the
lines it could not read at all (`Issue`s). `normalise` turns records into rows of
`schema.MESSAGES` plus a few working columns, and every record it cannot use into an
`Issue` with the reason. Nothing is dropped without a trace: a record is either a
row or an issue, and issues go to the quarantine file.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data import schema
from data.encoding import sms_encoding
from data.ingest import fields, phones
from data.ingest.textio import Lines
from data.optouts import DEFAULT_KEYWORDS
from data.schema import TS, Reason, Source, Status

# Columns a parser may give (any subset), with their types. Times are UTC timestamps.
RECORD = pa.schema(
    [
        ("message_id", pa.string()),
        ("provider", pa.string()),
        ("provider_message_id", pa.string()),
        ("source", pa.string()),
        ("dispatch_id", pa.string()),
        ("campaign_label", pa.string()),
        ("sender", pa.string()),
        ("msisdn", pa.string()),  # as written; normalised to E.164 here
        ("country", pa.string()),
        ("operator", pa.string()),
        ("mccmnc", pa.string()),  # network code, when the receipt names one
        ("created_at", TS),
        ("sent_at", TS),
        ("done_at", TS),
        ("event_at", TS),  # when this status was reported (orders non-final updates)
        ("status", pa.string()),  # taxonomy status when the file has one (canonical)
        ("reason", pa.string()),
        ("raw_status", pa.string()),
        ("raw_error", pa.string()),
        ("segments", pa.int64()),
        ("encoding", pa.string()),
        ("price", pa.float64()),
        ("currency", pa.string()),
        ("text", pa.string()),  # message text, for segments/encoding and new dispatches
        ("dispatch_name", pa.string()),
        ("dispatch_number", pa.int64()),
        ("recipient_group", pa.string()),
        ("description", pa.string()),
    ]
)
AUX = ["text", "dispatch_name", "dispatch_number", "recipient_group", "description"]

# Provider name -> the code table its raw statuses are read with (canonical files).
PROVIDER_VOCABULARY = {
    "twilio": "twilio",
    "infobip": "infobip",
    "vonage": "vonage",
    "nexmo": "vonage",
    "smsapi": "smsapi",
}

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, kw_only=True)
class Options:
    """How to read the files of one import."""

    tz: str  # zone of times written without an offset (config.py holds the default)
    provider: str | None = None  # provider name for formats that do not say it (smpp-dlr)
    region: str = "PL"  # default region of numbers written without a country code
    now: dt.datetime | None = None  # "now" for the future-date check (UTC); the clock when None
    future_slack: dt.timedelta = dt.timedelta(days=1)  # clocks and zones differ; beyond this, "future"
    optout_keywords: tuple[str, ...] = DEFAULT_KEYWORDS  # replies that are opt-outs (data/optouts.py)

    def now_utc(self) -> dt.datetime:
        return (self.now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)


@dataclass
class Issue:
    """One quarantined line (or item of a line): where, why, and the raw text."""

    file: str
    line: int
    reason: str
    raw: str
    item: str | None = None

    def to_json(self) -> str:
        record = {"file": self.file, "line": self.line, "reason": self.reason, "raw": self.raw}
        if self.item is not None:
            record["item"] = self.item
        return json.dumps(record, ensure_ascii=False)


@dataclass
class Parsed:
    """What a parser made of one file."""

    name: str
    format: str
    records: pa.Table
    issues: list[Issue] = field(default_factory=list)
    rows: int = 0  # lines / items read, blank lines excluded
    kind: str = "messages"  # or "clicks"
    lines: Lines | None = None
    raw: Callable[[int, str | None], str] | None = None  # raw text of (line, item) for the quarantine
    vocabulary: str | None = None  # code table of raw_status; None: by provider (canonical)
    default_provider: str | None = None  # provider name when neither the records nor --provider give one
    fixed_provider: str | None = None  # a provider's own format: its name, whatever --provider says
    notes: list[str] = field(default_factory=list)
    cut: int | None = None  # number of an unfinished last line (no newline at the end), when not in `lines`

    @property
    def cut_line(self) -> int | None:
        """The last line when the file does not end with a newline (it may have been cut off)."""
        if self.cut is not None:
            return self.cut
        if self.lines is not None and len(self.lines) and not self.lines.ends_with_newline:
            return len(self.lines)
        return None

    def raw_text(self, line: int, item: str | None = None) -> str:
        if self.raw is not None:
            return self.raw(line, item)
        if self.lines is not None:
            return self.lines.text(line)
        return ""


def records_table(rows: list[dict], lines: list[int], items: list[str | None] | None = None) -> pa.Table:
    """Builds a records table from Python dicts (keys from RECORD) and their line numbers."""
    cols: dict[str, list] = {name: [] for name in RECORD.names}
    for row in rows:
        for name in RECORD.names:
            cols[name].append(row.get(name))
    arrays = {name: pa.array(vals, RECORD.field(name).type) for name, vals in cols.items()}
    arrays["_line"] = pa.array(lines, pa.int64())
    if items is not None:
        arrays["_item"] = pa.array(items, pa.string())
    return pa.table(arrays)


def empty_records() -> pa.Table:
    return records_table([], [])


TRUNCATED = " (truncated last line: no newline at the end of the file)"


def line_issue(parsed_name: str, lines: Lines, number: int, reason: str, item: str | None = None) -> Issue:
    """An issue for a line of a text file (says so when it is an unfinished last line)."""
    if lines.is_last(number) and not lines.ends_with_newline:
        reason = f"{reason}{TRUNCATED}"
    return Issue(parsed_name, number, reason, lines.text(number), item)


def binary_issues(name: str, lines: Lines) -> list[Issue]:
    return [
        Issue(name, n, "binary data (control characters or bytes that are no text)", raw)
        for n, raw in sorted(lines.binary.items())
    ]


# --------------------------------------------------------------------------- normalise


def _column(table: pa.Table, name: str, n: int) -> pa.Array:
    if name in table.column_names:
        col = table[name]
        if isinstance(col, pa.ChunkedArray):
            col = col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
        want = RECORD.field(name).type if name in RECORD.names else col.type
        if col.type != want:
            col = col.cast(want)
        return col
    typ = RECORD.field(name).type if name in RECORD.names else pa.string()
    return pa.nulls(n, typ)


def _enum_check(values: pa.Array, allowed: list[str]) -> pa.Array:
    return pc.or_(pc.is_null(values), pc.fill_null(pc.is_in(values, value_set=pa.array(allowed, pa.string())), False))


def classify_column(vocab: pa.Array, raw_status: pa.Array, raw_error: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """classify() of each row, once per distinct (vocabulary, status, error): (status, reason, known)."""
    n = len(raw_status)
    if n == 0:
        return pa.array([], pa.string()), pa.array([], pa.string()), pa.array([], pa.bool_())
    # each column's distinct values (null one of them), then the distinct triples of their numbers: no text
    # joined with a separator, which a raw code may hold itself
    parts = [pc.dictionary_encode(fields.as_array(a), null_encoding="encode") for a in (vocab, raw_status, raw_error)]
    codes = np.zeros(n, dtype=np.int64)
    for part in parts:
        codes = codes * len(part.dictionary) + part.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    encoded = pc.dictionary_encode(pa.array(codes))  # hashing, not sorting: linear in the rows
    triples = encoded.dictionary
    values = [part.dictionary.to_pylist() for part in parts]
    statuses, reasons, known = [], [], []
    for code in triples.tolist():
        e_i = code % len(values[2])
        s_i = code // len(values[2]) % len(values[1])
        v_i = code // (len(values[2]) * len(values[1]))
        v, s_val, e_val = values[0][v_i], values[1][s_i], values[2][e_i]
        status, reason, ok = schema.classify(v, s_val, e_val) if v else (Status.UNKNOWN, None, False)
        if not ok and v != "smpp" and v:  # canonical files: SMPP receipt words whatever the provider
            status2, reason2, ok2 = schema.classify("smpp", s_val, e_val)
            if ok2:
                status, reason, ok = status2, reason2, ok2
        statuses.append(status.value)
        reasons.append(reason.value if reason else None)
        known.append(ok)
    idx = encoded.indices
    return (
        pa.array(statuses, pa.string()).take(idx),
        pa.array(reasons, pa.string()).take(idx),
        pa.array(known, pa.bool_()).take(idx),
    )


@dataclass
class Normalised:
    """Message rows (schema.MESSAGES + working columns) and the records that could not be used."""

    rows: pa.Table
    issues: list[Issue]
    unknown_codes: Counter
    no_number: int = 0


def normalise(parsed: Parsed, opts: Options, file_index: int = 0) -> Normalised:
    """Turns a parser's records into message rows; unusable records become issues."""
    t = parsed.records
    n = t.num_rows
    if n == 0:
        return Normalised(_empty_rows(), [], Counter())
    col = {name: _column(t, name, n) for name in RECORD.names}
    line = _column(t, "_line", n).cast(pa.int64())
    item = _column(t, "_item", n)
    parser_error = _column(t, "_error", n)
    checks: list[tuple[pa.Array, str]] = []

    provider = fields.lower(col["provider"])
    fallback = parsed.fixed_provider or opts.provider or parsed.default_provider
    if fallback:
        provider = pc.coalesce(provider, pa.scalar(fallback.lower(), pa.string()))
    pmid = fields.text(col["provider_message_id"])
    given_id = fields.text(col["message_id"])
    if given_id.null_count:
        derived_id = pc.binary_join_element_wise(provider, pmid, ":")
    else:  # every record names our id: no provider's id to derive one from
        derived_id = pa.nulls(n, pa.string())
    message_id = pc.coalesce(given_id, derived_id)
    derived = pc.and_(pc.is_null(given_id), pc.is_valid(derived_id))
    checks.append((pc.is_valid(message_id), "no message id (neither message_id nor provider and provider's id)"))

    # status and reason: the file's own (canonical) or the provider's raw codes through schema's tables
    raw_status = fields.text(col["raw_status"])
    raw_error = fields.text(col["raw_error"])
    given_status = fields.lower(col["status"])
    given_reason = fields.lower(col["reason"])
    checks.append((_enum_check(given_status, [s.value for s in Status]), "unknown status (not one of the taxonomy's)"))
    checks.append((_enum_check(given_reason, [r.value for r in Reason]), "unknown reason (not one of the taxonomy's)"))
    if parsed.vocabulary:
        vocab = pa.repeat(pa.scalar(parsed.vocabulary, pa.string()), n)
    else:
        names = pa.array(list(PROVIDER_VOCABULARY), pa.string())
        vocab = pa.array(list(PROVIDER_VOCABULARY.values()), pa.string()).take(pc.index_in(provider, value_set=names))
        vocab = pc.coalesce(vocab, pa.scalar("smpp", pa.string()))
    need = pc.and_(pc.is_null(given_status), pc.is_valid(raw_status))
    if pc.any(need).as_py():
        c_status, c_reason, c_known = classify_column(vocab, raw_status, raw_error)
        status = pc.coalesce(given_status, pc.if_else(need, c_status, pa.scalar(None, pa.string())))
        reason = pc.if_else(
            pc.is_valid(given_status), given_reason, pc.if_else(need, c_reason, pa.scalar(None, pa.string()))
        )
    else:  # every status given (or none at all): no codes to read
        c_known = pa.repeat(True, n)
        status = given_status
        reason = (
            given_reason
            if given_status.null_count == 0
            else pc.if_else(pc.is_valid(given_status), given_reason, pa.scalar(None, pa.string()))
        )
    no_reason = pc.fill_null(
        pc.is_in(status, value_set=pa.array([Status.DELIVERED.value, Status.PENDING.value])), False
    )
    reason = pc.if_else(no_reason, pa.scalar(None, pa.string()), reason)
    known = pc.or_(pc.is_valid(given_status), pc.fill_null(c_known, True))
    checks.append((pc.is_valid(status), "no status (neither status nor the provider's raw status)"))

    # recipient
    msisdn, why = phones.normalise(col["msisdn"], opts.region)
    checks.append(_check(pc.is_null(why), "recipient is not a phone number: ", col["msisdn"]))
    country = fields.upper(col["country"])
    operator = fields.text(col["operator"])
    mcc_op = (
        phones.operator_from_mccmnc(col["mccmnc"])
        if pc.any(pc.is_valid(col["mccmnc"])).as_py()
        else pa.nulls(n, pa.string())
    )
    operator = first_valid(operator, mcc_op)
    missing = pc.and_(pc.is_valid(msisdn), pc.or_(pc.is_null(country), pc.is_null(operator)))
    if pc.any(missing).as_py():
        c_from, o_from = phones.country_operator(pc.if_else(missing, msisdn, pa.scalar(None, pa.string())))
        country = first_valid(country, c_from)
        operator = first_valid(operator, o_from)

    # segments and encoding from the text when the log does not say
    segments, seg_ok = fields.integers(col["segments"])
    checks.append((seg_ok, "segments is not a whole number"))
    seg_range = pc.or_(pc.is_null(segments), pc.and_(pc.greater_equal(segments, 0), pc.less_equal(segments, 255)))
    checks.append((seg_range, "segments out of range (0-255)"))
    encoding = fields.lower(col["encoding"])
    encoding = pc.if_else(
        pc.fill_null(pc.is_in(encoding, value_set=pa.array(["ucs-2", "utf-16", "unicode"])), False),
        pa.scalar("ucs2", pa.string()),
        encoding,
    )
    encoding = pc.if_else(
        pc.fill_null(pc.is_in(encoding, value_set=pa.array(["gsm", "gsm-7", "gsm 03.38", "7bit"])), False),
        pa.scalar("gsm7", pa.string()),
        encoding,
    )
    checks.append((_enum_check(encoding, ["gsm7", "ucs2"]), "unknown encoding (gsm7 or ucs2)"))
    body = col["text"]
    want_enc = pc.and_(pc.is_valid(body), pc.or_(pc.is_null(segments), pc.is_null(encoding)))
    if pc.any(want_enc).as_py():
        enc_from, seg_from = _encoding_of(pc.if_else(want_enc, body, pa.scalar(None, pa.string())))
        segments = pc.coalesce(segments, seg_from)
        encoding = pc.coalesce(encoding, enc_from)

    price, price_ok = fields.decimals(col["price"])
    checks.append((price_ok, "price is not a number"))
    currency = fields.upper(col["currency"])

    # times: created_at is required in the lake (it picks the month); fall back on the others. A time that cannot
    # be read (the parser left it null and said why in `_time_error`) or lies before 2000 or in the future (Vonage's
    # placeholder scts=1234567890, a 0) is set aside when the record has another time; with none left, the
    # record is quarantined with the first such reason.
    created_at, sent_at, done_at, event_at = col["created_at"], col["sent_at"], col["done_at"], col["event_at"]
    now = opts.now_utc()
    limit = pa.scalar(now + opts.future_slack, TS)
    floor = pa.scalar(EARLIEST, TS)
    time_reasons = [fields.text(_column(t, "_time_error", n))]
    kept = []
    for name, values in (
        ("created_at", created_at),
        ("sent_at", sent_at),
        ("done_at", done_at),
        ("event_at", event_at),
    ):
        if values.null_count == n:
            kept.append(values)
            continue
        out = None
        for bad, words in (
            (pc.greater(values, limit), "is in the future: "),
            (pc.less(values, floor), "is before 2000: "),
        ):
            bad = pc.fill_null(bad, False)
            if pc.any(bad).as_py():
                ok, message = _check(pc.invert(bad), f"{_label(name)} {words}", values)
                time_reasons.append(pc.if_else(ok, pa.scalar(None, pa.string()), message))
                out = bad if out is None else pc.or_(out, bad)
        kept.append(values if out is None else pc.if_else(out, pa.scalar(None, TS), values))
    created_at, sent_at, done_at, event_at = kept
    time_reason = first_valid(*time_reasons)
    if time_reason.null_count < n:  # some record had a time set aside: is another left?
        some_time = pc.or_(
            pc.or_(pc.is_valid(created_at), pc.is_valid(sent_at)), pc.or_(pc.is_valid(done_at), pc.is_valid(event_at))
        )
        checks.append((pc.or_(some_time, pc.is_null(time_reason)), time_reason))
        set_aside = pc.and_(some_time, pc.is_valid(time_reason))
    else:
        set_aside = pa.repeat(False, n)
    created_given = pc.is_valid(created_at)
    created_at = first_valid(created_at, sent_at, event_at, done_at)
    event_at = first_valid(event_at, done_at, sent_at, created_at)
    final = pc.fill_null(pc.not_equal(status, Status.PENDING.value), False)
    done_at = pc.if_else(final, first_valid(done_at, event_at), pa.scalar(None, TS))

    # source, dispatch, campaign
    dispatch_id = fields.text(col["dispatch_id"])
    source = fields.lower(col["source"])
    checks.append((_enum_check(source, [s.value for s in Source]), "unknown source (bulk, test or api)"))
    # a source no row states is decided after the merge (the lake's row may know it)
    bulk_ok = pc.or_(pc.not_equal(source, Source.BULK.value), pc.is_valid(dispatch_id))
    checks.append((pc.fill_null(bulk_ok, True), "bulk message without dispatch_id"))

    error = fields.first_error(n, checks)
    error = pc.coalesce(fields.text(parser_error), error)
    if parsed.cut_line is not None:
        # On an unfinished last line, an unknown status is a cut-off value rather than a new code.
        on_cut = pc.fill_null(pc.equal(line, parsed.cut_line), False)
        error = pc.coalesce(
            error,
            pc.if_else(
                pc.and_(on_cut, pc.invert(known)),
                pa.scalar("unknown status value", pa.string()),
                pa.scalar(None, pa.string()),
            ),
        )
        marked = pc.and_(on_cut, pc.invert(pc.fill_null(pc.match_substring(error, "truncated last line"), True)))
        error = pc.if_else(marked, pc.binary_join_element_wise(error, TRUNCATED, ""), error)

    rows = pa.table(
        {
            "message_id": message_id,
            "provider": provider,
            "provider_message_id": pmid,
            "source": source,
            "dispatch_id": dispatch_id,
            "campaign_label": fields.text(col["campaign_label"]),
            "sender": fields.text(col["sender"]),
            "msisdn": msisdn,
            "country": country,
            "operator": operator,
            "created_at": created_at,
            "sent_at": sent_at,
            "done_at": done_at,
            "status": status,
            "reason": reason,
            "raw_status": raw_status,
            "raw_error": raw_error,
            "segments": segments,
            "encoding": encoding,
            "price": price,
            "currency": currency,
            "text": body,
            "dispatch_name": fields.text(col["dispatch_name"]),
            "dispatch_number": col["dispatch_number"],
            "recipient_group": fields.text(col["recipient_group"]),
            "description": fields.text(col["description"]),
            "_line": line,
            "_item": item,
            "_file": pa.repeat(pa.scalar(file_index, pa.int32()), n),
            "_event_at": event_at,
            "_derived": derived,
            "_known": known,
            "_created_given": created_given,
        }
    )
    bad = pc.is_valid(error)
    issues: list[Issue] = []
    if pc.any(bad).as_py():
        idx = pc.indices_nonzero(bad)
        for ln, it, why_ in zip(line.take(idx).to_pylist(), item.take(idx).to_pylist(), error.take(idx).to_pylist()):
            issues.append(Issue(parsed.name, int(ln or 0), why_, parsed.raw_text(int(ln or 0), it), it))
        rows = rows.filter(pc.invert(bad))
        set_aside = set_aside.filter(pc.invert(bad))
    aside = pc.sum(pc.cast(set_aside, pa.int64())).as_py() or 0
    if aside:
        parsed.notes.append(f"{aside} record(s) with an unreadable or out-of-range time: another of their times used")
    unknown: Counter = Counter()
    not_known = pc.invert(rows["_known"])
    if pc.any(not_known).as_py():
        sub = rows.filter(not_known)
        for p, s, e in zip(sub["provider"].to_pylist(), sub["raw_status"].to_pylist(), sub["raw_error"].to_pylist()):
            unknown[(p, s, e)] += 1
    no_number = rows["msisdn"].null_count
    return Normalised(rows, issues, unknown, no_number)


def first_valid(*arrays: pa.Array) -> pa.Array:
    """pc.coalesce of arrays of one type, skipping the pass when it would change nothing
    (the first array has no nulls, or all but one are wholly null)."""
    if arrays[0].null_count == 0:
        return arrays[0]
    useful = [a for a in arrays if a.null_count < len(a)]
    if len(useful) <= 1:
        return useful[0] if useful else arrays[0]
    return pc.coalesce(*useful)


def _check(ok: pa.Array, prefix: str, values: pa.Array) -> tuple[pa.Array, str | pa.Array]:
    """A check whose message quotes the row's value (formatted only when some row fails)."""
    if pc.all(pc.fill_null(ok, True)).as_py():
        return ok, prefix.rstrip(": ")
    if pa.types.is_timestamp(values.type):
        shown = pc.strftime(values, format="%Y-%m-%d %H:%M UTC")
    else:
        shown = values.cast(pa.string())
    return ok, pc.binary_join_element_wise(prefix, pc.fill_null(shown, ""), "")


def _label(name: str) -> str:
    return {"event_at": "status time"}.get(name, name)


def _encoding_of(texts: pa.Array) -> tuple[pa.Array, pa.Array]:
    encoded = pc.dictionary_encode(texts)
    enc, seg = [], []
    for value in encoded.dictionary.to_pylist():
        e, s = sms_encoding(value)
        enc.append(e)
        seg.append(s)
    return pa.array(enc, pa.string()).take(encoded.indices), pa.array(seg, pa.int64()).take(encoded.indices)


def _empty_rows() -> pa.Table:
    return pa.table(
        {
            **{f.name: pa.array([], f.type if f.name != "segments" else pa.int64()) for f in schema.MESSAGES},
            **{name: pa.array([], RECORD.field(name).type) for name in AUX},
            "_line": pa.array([], pa.int64()),
            "_item": pa.array([], pa.string()),
            "_file": pa.array([], pa.int32()),
            "_event_at": pa.array([], TS),
            "_derived": pa.array([], pa.bool_()),
            "_known": pa.array([], pa.bool_()),
            "_created_given": pa.array([], pa.bool_()),
        }
    )


def concat_rows(parts: list[pa.Table]) -> pa.Table:
    parts = [p for p in parts if p.num_rows]
    if not parts:
        return _empty_rows()
    table = pa.concat_tables(parts, promote_options="permissive")
    return table.append_column("_seq", pa.array(np.arange(table.num_rows, dtype=np.int64)))


def build_records(
    rows: list[dict],
    lines: list[int],
    items: list[str | None] | None = None,
    *,
    tz: str,
    times: dict[str, str] | None = None,
) -> pa.Table:
    """Records from Python dicts whose values are text (as JSON and forms give them).

    `times` says how each time column is written: "any" (ISO 8601, RFC 2822, ...;
    without an offset in `tz`), "any_utc" (the same, without an offset in UTC),
    "compact" (YYMMDDhhmm[ss] in `tz`), "compact_utc", or "unix" (seconds). A time
    value may be a list of candidates, best first: the first readable one within
    2000..2100 is taken. An unreadable time is left null with its reason in
    `_time_error` (normalise quarantines the record only when no other time is left).
    Numbers (segments, price, dispatch_number) are read from text; one that cannot be
    read gives the record an `_error`.
    """
    n = len(rows)
    times = times or {}
    columns: dict[str, pa.Array] = {}
    checks: list[tuple[pa.Array, str | pa.Array]] = []
    time_checks: list[tuple[pa.Array, str | pa.Array]] = []
    for name in RECORD.names:
        values = [r.get(name) for r in rows]
        if all(v is None or v == [] for v in values):
            continue
        typ = RECORD.field(name).type
        if typ == TS:
            columns[name] = _pick_time(name, values, times.get(name, "any"), tz, time_checks)
        elif typ == pa.int64():
            parsed, ok = fields.integers(pa.array([None if v is None else str(v) for v in values], pa.string()))
            checks.append((ok, f"{name} is not a whole number"))
            columns[name] = parsed
        elif typ == pa.float64():
            parsed, ok = fields.decimals(pa.array([None if v is None else str(v) for v in values], pa.string()))
            checks.append((ok, f"{name} is not a number"))
            columns[name] = parsed
        else:
            columns[name] = pa.array([None if v is None else str(v) for v in values], pa.string())
    columns["_line"] = pa.array(lines, pa.int64())
    if items is not None:
        columns["_item"] = pa.array(items, pa.string())
    errors = [r.get("_error") for r in rows]
    given = pa.array(errors, pa.string())
    columns["_error"] = pc.coalesce(given, fields.first_error(n, checks)) if n else pa.array([], pa.string())
    columns["_time_error"] = fields.first_error(n, time_checks) if n else pa.array([], pa.string())
    return pa.table(columns)


LATEST = dt.datetime(2101, 1, 1, tzinfo=dt.UTC)


def _read_times(raw: pa.Array, kind: str, tz: str) -> tuple[pa.Array, pa.Array]:
    if kind == "compact":
        return fields.compact_dates(raw, tz)
    if kind == "compact_utc":
        return fields.compact_dates(raw, "UTC")
    if kind == "unix":
        return fields.unix_seconds(raw)
    if kind == "any_utc":
        return fields.any_times(raw, "UTC")
    return fields.any_times(raw, tz)


def _pick_time(name: str, values: list, kind: str, tz: str, checks: list) -> pa.Array:
    """The time of each row from its candidates (a value or a list, best first): the first readable one within
    2000..2100, else the first readable one (normalise says why it is out of range), else null; each unreadable
    candidate adds its reason to `checks`."""
    lists = [v if isinstance(v, (list, tuple)) else [v] for v in values]
    width = max(len(v) for v in lists)
    picked = best = None
    floor, ceiling = pa.scalar(EARLIEST, TS), pa.scalar(LATEST, TS)
    for j in range(width):
        raw = pa.array([None if j >= len(v) or v[j] is None else str(v[j]) for v in lists], pa.string())
        parsed, ok = _read_times(raw, kind, tz)
        checks.append((ok, pc.binary_join_element_wise(f"{name} is not a time: ", pc.fill_null(raw, ""), "")))
        plausible = pc.if_else(
            pc.fill_null(pc.and_(pc.greater_equal(parsed, floor), pc.less(parsed, ceiling)), False),
            parsed,
            pa.scalar(None, TS),
        )
        best = plausible if best is None else pc.coalesce(best, plausible)
        picked = parsed if picked is None else pc.coalesce(picked, parsed)
    return pc.coalesce(best, picked)
