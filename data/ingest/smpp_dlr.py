"""smpp-dlr: text logs with SMPP 3.4 delivery receipts, one per line.

The receipt text (SMPP v3.4 Appendix B) may stand alone or sit inside a longer log
line:

    id:0A1B2C3D sub:001 dlvrd:001 submit date:2611021000 done date:2611021001 stat:DELIVRD err:000 text:Promocja

- Kannel's bearerbox access log: `2026-11-02 10:01:02 Receive DLR [SMSC:x] [SVC:]
  [ACT:] [BINF:] [FID:0A1B2C3D] [META:...] [from:48600100200] [to:SKLEP] [flags:...]
  [msg:112:id:... stat:DELIVRD err:000 text:...] [udh:0:]`. A receipt comes from the
  handset, so [from:] is the recipient and [to:] our sender; [FID:] is the SMSC's
  message id. Kannel's `Sent SMS` lines (the submission: [to:] recipient, [msg:] the
  text) become pending messages with the recipient and the text, and `FAILED Send
  SMS` lines failed ones; `Receive SMS` lines are inbound messages, not receipts: the
  import puts them in the inbound table (replies, data/ingest/inbound.py).
- Jasmin's HTTP DLR callback bodies, one per line (`id=...&message_status=DELIVRD&
  id_smsc=...&subdate=...&donedate=...&err=000`).
- Jasmin's log lines (`%(asctime)s %(levelname)-8s %(process)d %(message)s`): `DLR [cid:x]
  [smpp-msgid:...] [status:DELIVRD] [submit date:...] [done date:...] [sub/dlvrd
  messages:001/001] [err:000] [content:...]` receipts; `SMS-MT [cid:x] [queue-msgid:...]
  [smpp-msgid:...] [status:...] ... [from:b'...'] [to:b'...']` submissions (pending
  messages, as Kannel's Sent SMS); `SMS-MO` lines are inbound (replies, as above). The message
  id is the SMSC's ([smpp-msgid:], [msgid:] in error lines, Kannel's [FID:]), never
  Jasmin's own [queue-msgid:].
- A receipt's `id:` may follow any non-word character (`short_message=id:...`,
  `short_message='id:... err:000'`); a closing quote is not part of a value.
- A line's times (log time, submit date, done date) that cannot be read are set aside
  (`_time_error`); normalise quarantines the line only when no time is left.
- Dates are YYMMDDhhmm or YYMMDDhhmmss in the SMSC's clock (`--tz`); `err:` decimal
  or hex (`027`, `00B`, `0x0B`) is kept as written in raw_error.
- Fields in other orders, missing, or spelt differently (`submit_date`, `done_date`,
  `state:`/`status:`, `error:`) are read by a slower tolerant parser; a line without
  an id or a status is quarantined with the reason.

Speed: Kannel's current layout and receipts in the standard order are cut apart with
Arrow's split kernels over the whole file at once (no Python object per line); other
layouts go through RE2 regular expressions (`extract_regex`), on those lines only;
what is left through the tolerant Python parser.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data.ingest import fields
from data.ingest.core import Options, Parsed, binary_issues, empty_records, line_issue
from data.ingest.textio import Lines, lines_of
from data.schema import Reason, Status

FORMAT = "smpp-dlr"
VOCABULARY = "smpp"
DEFAULT_PROVIDER = "smpp"

# Kannel access-log lines of any layout (tags missing in older versions): slow, for the lines the split misses.
KANNEL_RE = (
    r"^(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?) (?P<what>Receive DLR|Sent SMS|FAILED Send SMS|Receive SMS)"
    r".*?(?:\[FID:(?P<fid>[^\]]*)\].*?)?\[from:(?P<src>[^\]]*)\] \[to:(?P<dst>[^\]]*)\]"
    r"(?:.*?\[msg:(?P<mlen>\d+):(?P<msg>.*?)\] \[udh)?"
)
# The same receipt anywhere in a line: its `id:` after any non-word character (a blank, `=`, a quote, a bracket).
ANYWHERE_RE = (
    r"(?:^|\W)id:(?P<id>[^ \]'\"]+) sub:[^ ]* dlvrd:[^ ]* submit date:(?P<submit>[0-9]*)"
    r" done date:(?P<done>[0-9]*) stat:(?P<stat>[A-Za-z_]*) err:(?P<err>[0-9A-Za-z]*)"
)
# A key after any non-word character; a value up to a blank, a bracket or a quote (`short_message='id:… err:000'`).
# Jasmin's `[queue-msgid:…]` is its own queue's id, not the SMSC's.
_TOKEN = re.compile(
    r"(?i)(?:^|(?<=\W))(?P<key>submit[ _-]?date|sub[ _-]?date|done[ _-]?date|(?<!queue-)msg[ _-]?id|id|sub|dlvrd|"
    r"stat(?:e|us)?|err(?:or)?(?:[ _-]?code)?|text)\s*[:=]\s*(?P<value>[^\s\]'\"]*)"
)
# A bracketed field of its own, `[key:value]` (Kannel's and Jasmin's log lines).
_BRACKET = re.compile(r"\[(?P<key>[A-Za-z][\w -]*?):(?P<value>[^\]]*)\]")
# Bracketed fields that hold the SMSC's message id, best first: Jasmin's `[smpp-msgid:…]` (`[msgid:…]` in its
# error lines), Kannel's `[FID:…]`.
_ID_FIELDS = ("smpp-msgid", "msgid", "fid", "message-id", "message_id")
_KEYS = {
    "submitdate": "submit",
    "subdate": "submit",
    "donedate": "done",
    "msgid": "id",
    "id": "id",
    "sub": "sub",
    "dlvrd": "dlvrd",
    "stat": "stat",
    "state": "stat",
    "status": "stat",
    "err": "err",
    "error": "err",
    "errcode": "err",
    "errorcode": "err",
    "text": "text",
}


def parse(path: Path, name: str, opts: Options) -> Parsed:
    return parse_lines(lines_of(Path(path).read_bytes(), name), name, opts)


def parse_lines(lines: Lines, name: str, opts: Options, *, fast: bool = True) -> Parsed:
    """Records of a file's lines. `fast=False` reads every line with the regular expressions instead of the
    split kernels (the tests check that both give the same records)."""
    parsed = Parsed(
        name,
        FORMAT,
        empty_records(),
        binary_issues(name, lines),
        lines=lines,
        vocabulary=VOCABULARY,
        default_provider=DEFAULT_PROVIDER,
    )
    n = len(lines)
    parsed.rows = n - lines.blank
    if n == 0 or parsed.rows == 0:
        parsed.notes.append("empty file")
        return parsed
    if fast:  # on the lines with their line endings (no copy of the file) when the file is UTF-8
        raw, closed = lines.with_endings()
        f, k_ok, r_ok = _split_in_blocks(raw, closed)
        rest = pc.invert(pc.or_(k_ok, r_ok))
    else:
        none = pa.nulls(n, pa.string())
        f = {key: none for key in ("ts", "what", "fid", "src", "dst", "msg", "id", "submit", "done", "stat", "err")}
        k_ok = r_ok = pa.repeat(False, n)
        rest = pa.repeat(True, n)
    if pc.any(rest).as_py():  # other layouts: regular expressions, on those lines only
        idx = pc.indices_nonzero(rest)
        g, gk, gr = _regex_fields(lines.take(idx.to_numpy()))
        for key in f:
            f[key] = _put(f[key], idx, g[key])
        k_ok = _put(k_ok, idx, gk)
        r_ok = _put(r_ok, idx, gr)

    def k(field: str) -> pa.Array:
        return f[field]

    def r(field: str) -> pa.Array:
        return f[field]

    what = k("what")
    is_sent = pc.fill_null(pc.is_in(what, value_set=pa.array(["Sent SMS", "FAILED Send SMS"])), False)
    is_mo = pc.fill_null(pc.equal(what, "Receive SMS"), False)
    fast = pc.or_(pc.and_(pc.invert(is_mo), r_ok), is_sent)
    blank = pa.array(lines.blank_mask())
    binary = (
        pa.repeat(False, n)
        if not lines.binary
        else pc.is_in(pa.array(np.arange(1, n + 1, dtype=np.int64)), value_set=pa.array(list(lines.binary), pa.int64()))
    )
    slow = pc.and_(pc.and_(pc.invert(fast), pc.invert(blank)), pc.invert(binary))

    numbers = pa.array(np.arange(1, n + 1, dtype=np.int64))
    ts, ts_ok = fields.times(k("ts"), opts.tz)
    stat = pc.if_else(is_sent, pa.scalar(None, pa.string()), r("stat"))
    err = pc.if_else(is_sent, pa.scalar(None, pa.string()), r("err"))
    submit, submit_ok = fields.compact_dates(r("submit"), opts.tz)
    done, done_ok = fields.compact_dates(r("done"), opts.tz)
    fid = k("fid")
    pmid = pc.coalesce(fid, r("id"))
    src, dst = k("src"), k("dst")
    msisdn = pc.if_else(is_sent, dst, src)
    sender = pc.if_else(is_sent, src, dst)
    failed = pc.fill_null(pc.equal(what, "FAILED Send SMS"), False)
    status = pc.if_else(
        is_sent,
        pc.if_else(failed, pa.scalar(Status.FAILED.value), pa.scalar(Status.PENDING.value)),
        pa.scalar(None, pa.string()),
    )
    reason = pc.if_else(failed, pa.scalar(Reason.PLATFORM_ERROR.value), pa.scalar(None, pa.string()))
    msg_text = pc.if_else(is_sent, k("msg"), pa.scalar(None, pa.string()))
    created = pc.if_else(is_sent, ts, pa.scalar(None, ts.type))
    sent = pc.coalesce(pc.if_else(is_sent, ts, pa.scalar(None, ts.type)), submit)
    event = pc.coalesce(ts, done, submit)
    error = fields.first_error(
        n,
        [
            (pc.is_valid(pmid), "no message id"),
            (pc.or_(is_sent, pc.is_valid(fields.text(stat))), "no stat field in the receipt"),
        ],
    )
    table = pa.table(
        {
            "provider_message_id": pmid,
            "msisdn": msisdn,
            "sender": sender,
            "created_at": created,
            "sent_at": sent,
            "done_at": pc.if_else(is_sent, pa.scalar(None, done.type), done),
            "event_at": event,
            "status": status,
            "reason": reason,
            "raw_status": fields.text(stat),
            "raw_error": fields.text(err),
            "text": msg_text,
            "_line": numbers,
            "_error": error,
            "_time_error": _time_error(n, pc.or_(pc.invert(k_ok), ts_ok), submit_ok, done_ok),
        }
    ).filter(fast)

    # Receive SMS: inbound messages
    for i in pc.indices_nonzero(pc.and_(is_mo, pc.invert(binary))).to_pylist():
        parsed.issues.append(line_issue(name, lines, i + 1, "inbound message (Receive SMS), not a delivery receipt"))
    slow_idx = pc.indices_nonzero(pc.and_(slow, pc.invert(is_mo))).to_pylist()
    if slow_idx:
        extra_rows, extra_lines = [], []
        values = lines.take(np.asarray(slow_idx, dtype=np.int64)).to_pylist()
        for i, value in zip(slow_idx, values):
            if lines.is_last(i + 1) and not lines.ends_with_newline:
                # an unfinished last line that is no complete receipt: the log was cut off
                parsed.issues.append(line_issue(name, lines, i + 1, "incomplete receipt"))
                continue
            row, why = parse_line(value, opts)
            if row is None:
                parsed.issues.append(line_issue(name, lines, i + 1, why or "not a delivery receipt"))
            else:
                extra_rows.append(row)
                extra_lines.append(i + 1)
        if extra_rows:
            extra = _rows_table(extra_rows, extra_lines, opts)
            table = pa.concat_tables([table, extra.select(table.column_names)]).sort_by("_line")
    parsed.records = table
    return parsed


_STRINGS = pa.scalar(None, pa.string())


def _put(base: pa.Array, positions: pa.Array, values: pa.Array) -> pa.Array:
    """`base` with the elements at `positions` replaced by `values` (in order)."""
    picks = np.full(len(base), -1, dtype=np.int64)
    where = positions.to_numpy()
    picks[where] = np.arange(len(where))
    mask = np.zeros(len(base), dtype=bool)
    mask[where] = True
    return pc.if_else(pa.array(mask), values.take(pa.array(picks, mask=picks < 0)), base)


def _parts(
    values: pa.Array, pattern: str, wanted: list[int], max_splits: int | None = None
) -> tuple[dict[int, pa.Array], np.ndarray]:
    """Pieces number `wanted` of each value split on `pattern` (null where missing), and the number of pieces."""
    lists = pc.split_pattern(values, pattern, max_splits=max_splits)
    offsets = np.asarray(lists.offsets.to_numpy(), dtype=np.int64)
    sizes = np.diff(offsets)
    valid = lists.is_valid().to_numpy(zero_copy_only=False)
    pieces = lists.values
    out = {}
    for i in wanted:
        ok = (sizes > i) & valid
        out[i] = pieces.take(pa.array(np.where(ok, offsets[:-1] + i, 0), mask=~ok))
    return out, sizes


def _after(values: pa.Array, prefix: str, strip_end: int = 0) -> tuple[pa.Array, pa.Array]:
    """(the text after `prefix`, minus `strip_end` closing characters; whether the value starts with it)."""
    ok = pc.fill_null(pc.starts_with(values, prefix), False)
    return pc.utf8_slice_codeunits(values, len(prefix), -strip_end if strip_end else None), ok


def _split_in_blocks(
    text: pa.Array, closed: pa.Array | None, block: int = 65536
) -> tuple[dict[str, pa.Array], pa.Array, pa.Array]:
    """`_split_fields` of blocks of lines, put together: twice as fast as the whole file at once (the pieces of a
    block fit in memory the allocator has at hand, and more of them in the CPU's cache)."""
    parts = [
        _split_fields(text.slice(a, block), None if closed is None else closed.slice(a, block))
        for a in range(0, len(text), block)
    ]
    if len(parts) == 1:
        return parts[0]
    f = {key: pa.concat_arrays([p[0][key] for p in parts]) for key in parts[0][0]}
    return f, pa.concat_arrays([p[1] for p in parts]), pa.concat_arrays([p[2] for p in parts])


def _split_fields(text: pa.Array, closed: pa.Array | None = None) -> tuple[dict[str, pa.Array], pa.Array, pa.Array]:
    """Kannel's current access-log lines and bare receipts in the standard order, cut apart without regular
    expressions (split on " [" and " ", then fixed positions): the fast path of this format."""
    n = len(text)
    none = pa.nulls(n, pa.string())
    tags, count = _parts(text, " [", [0, 5, 7, 8, 10])
    head = tags[0]
    ts = pc.utf8_slice_codeunits(head, 0, 19)
    what = pc.utf8_slice_codeunits(head, 20)
    ok = pc.and_(
        pc.fill_null(
            pc.is_in(what, value_set=pa.array(["Receive DLR", "Sent SMS", "FAILED Send SMS", "Receive SMS"])), False
        ),
        pa.array(count >= 12),
    )
    ok = pc.and_(ok, pc.fill_null(pc.match_substring_regex(ts, r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"), False))
    values = {}
    for i, name, prefix in [(5, "fid", "FID:"), (7, "src", "from:"), (8, "dst", "to:")]:
        values[name], good = _after(tags[i], prefix, 1)
        ok = pc.and_(ok, good)
    # [msg:N:...]: to the last " [udh" (the text itself may hold " [")
    msg_part = pc.if_else(pa.array(count == 12), tags[10], _STRINGS)
    msg, good = _after(msg_part, "msg:", 1)  # "104:id:... text:..." (length:content)
    ok = pc.and_(ok, good)
    # ... [udh:...] ends the line (`closed` says so when `text` holds the lines with their line endings)
    ok = pc.and_(ok, closed if closed is not None else pc.fill_null(pc.ends_with(text, "]"), False))
    k_ok = ok
    sent_line = pc.fill_null(pc.is_in(what, value_set=pa.array(["Sent SMS", "FAILED Send SMS", "Receive SMS"])), False)
    # the message text (of Sent SMS lines only): the [msg:] content without its length
    msg = pc.replace_substring_regex(pc.if_else(pc.and_(k_ok, sent_line), msg, _STRINGS), r"^[0-9]+:", "")
    body = pc.if_else(k_ok, msg_part, text)
    words, _ = _parts(body, " ", [0, 4, 6, 7, 8], max_splits=9)
    r_ok = pc.fill_null(pc.match_substring_regex(words[0], r"^(msg:[0-9]+:)?id:"), False)
    rid = pc.replace_substring_regex(words[0], r"^(msg:[0-9]+:)?id:", "")
    checks = [(4, "date:"), (6, "date:"), (7, "stat:"), (8, "err:")]
    for i, prefix in checks:
        r_ok = pc.and_(r_ok, pc.fill_null(pc.starts_with(words[i], prefix), False))
    r_ok = pc.and_(r_ok, pc.invert(pc.and_(k_ok, sent_line)))
    f = {
        "ts": pc.if_else(k_ok, ts, none),
        "what": pc.if_else(k_ok, what, none),
        "fid": fields.text(pc.if_else(k_ok, values["fid"], none)),
        "src": fields.text(pc.if_else(k_ok, values["src"], none)),
        "dst": fields.text(pc.if_else(k_ok, values["dst"], none)),
        "msg": pc.if_else(k_ok, msg, none),
        "id": fields.text(pc.if_else(r_ok, rid, none)),
        "submit": fields.text(pc.if_else(r_ok, pc.utf8_slice_codeunits(words[4], 5), none)),
        "done": fields.text(pc.if_else(r_ok, pc.utf8_slice_codeunits(words[6], 5), none)),
        "stat": fields.text(pc.if_else(r_ok, pc.utf8_slice_codeunits(words[7], 5), none)),
        "err": fields.text(
            pc.if_else(r_ok, pc.utf8_rtrim(pc.utf8_slice_codeunits(words[8], 4), characters="]\r\n"), none)
        ),
    }
    return f, k_ok, r_ok


def _regex_fields(text: pa.Array) -> tuple[dict[str, pa.Array], pa.Array, pa.Array]:
    """The same fields by regular expressions: older Kannel layouts, receipts inside other log lines."""
    n = len(text)
    none = pa.nulls(n, pa.string())
    kannel = pc.extract_regex(text, KANNEL_RE)
    k_ok = pc.is_valid(kannel)

    def k(field: str) -> pa.Array:
        return fields.text(pc.if_else(k_ok, pc.struct_field(kannel, field), none))

    body = pc.coalesce(k("msg"), text)
    receipt = pc.extract_regex(body, ANYWHERE_RE)
    r_ok = pc.and_(
        pc.is_valid(receipt),
        pc.invert(
            pc.fill_null(pc.is_in(k("what"), value_set=pa.array(["Sent SMS", "FAILED Send SMS", "Receive SMS"])), False)
        ),
    )

    def r(field: str) -> pa.Array:
        return fields.text(pc.if_else(r_ok, pc.struct_field(receipt, field), none))

    f = {
        "ts": k("ts"),
        "what": k("what"),
        "fid": k("fid"),
        "src": k("src"),
        "dst": k("dst"),
        "msg": k("msg"),
        "id": r("id"),
        "submit": r("submit"),
        "done": r("done"),
        "stat": r("stat"),
        "err": r("err"),
    }
    return f, k_ok, r_ok


def parse_line(line: str, opts: Options) -> tuple[dict | None, str | None]:
    """The tolerant parser: a receipt in any order and spelling, a Jasmin DLR body, or a log line that names
    the message id in a bracketed field of its own (Jasmin's `DLR [cid:…] [smpp-msgid:…] [status:…] …`)."""
    if "message_status=" in line:
        return _jasmin(line)
    brackets: dict[str, str] = {}
    for m in _BRACKET.finditer(line):
        brackets.setdefault(m.group("key").strip().lower(), m.group("value").strip())
    if brackets and re.search(r"\bSMS-MO \[", line):
        return None, "inbound message (Jasmin SMS-MO), not a delivery receipt"
    ts = re.match(r"^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})", line)
    if brackets and re.search(r"\bSMS-MT \[", line):
        return _jasmin_submission(brackets, ts.group(1) if ts else None)
    found: dict[str, str] = {}
    for m in _TOKEN.finditer(line):
        key = _KEYS.get(re.sub(r"[ _-]", "", m.group("key").lower()))
        if key and key not in found:
            found[key] = m.group("value")
        if key == "text":
            break
    bracket_id = next((brackets[k] for k in _ID_FIELDS if brackets.get(k)), None)
    if bracket_id:  # the log's own field names the message: it wins, as Kannel's [FID:] does on the fast path
        found["id"] = bracket_id
    if "id" not in found and "stat" not in found:
        return None, "not a delivery receipt (no id or stat field)"
    if not found.get("id"):
        return None, "no message id"
    if not found.get("stat"):
        return None, "no stat field in the receipt"
    kannel = " Receive DLR [" in line  # a receipt comes from the handset: [from:] is the recipient
    return {
        "id": found["id"],
        "stat": found["stat"],
        "err": found.get("err") or None,
        "submit": found.get("submit"),
        "done": found.get("done"),
        "ts": ts.group(1) if ts else None,
        "msisdn": brackets.get("from") if kannel else None,
        "sender": brackets.get("to") if kannel else None,
    }, None


def _unrepr(value: str | None) -> str | None:
    """A value as Jasmin logs bytes (`b'48600100200'`) -> its text."""
    if value is None:
        return None
    m = re.fullmatch(r"b?'(.*)'", value)
    return (m.group(1) if m else value).strip() or None


def _jasmin_submission(brackets: dict[str, str], ts: str | None) -> tuple[dict | None, str | None]:
    """Jasmin's `SMS-MT [cid:…] [queue-msgid:…] [smpp-msgid:…] [status:…] … [from:…] [to:…]` line: the SMSC
    accepted the message (a pending message, as Kannel's `Sent SMS`); without smpp-msgid it refused it."""
    mid = brackets.get("smpp-msgid")
    if not mid:
        return None, "submission refused (Jasmin SMS-MT without smpp-msgid): no SMSC message id"
    return {
        "id": _unrepr(mid),
        "status": Status.PENDING.value,
        "msisdn": _unrepr(brackets.get("to")),
        "sender": _unrepr(brackets.get("from")),
        "created": ts,
        "ts": ts,
    }, None


def _jasmin(line: str) -> tuple[dict | None, str | None]:
    query = line.split("?", 1)[1] if "?" in line.split("message_status=")[0] else line
    query = query.strip().split()[-1] if " " in query.strip() else query.strip()
    values = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    mid = values.get("id_smsc") or values.get("id")
    if not mid:
        return None, "no message id"
    if not values.get("message_status"):
        return None, "no message_status"
    return {
        "id": mid,
        "stat": values["message_status"],
        "err": values.get("err") or None,
        "submit": values.get("subdate"),
        "done": values.get("donedate"),
        "ts": None,
    }, None


def _rows_table(rows: list[dict], numbers: list[int], opts: Options) -> pa.Table:
    keys = ("id", "stat", "err", "submit", "done", "ts", "status", "msisdn", "sender", "created")
    col = {k: pa.array([r.get(k) for r in rows], pa.string()) for k in keys}
    submit, submit_ok = fields.compact_dates(col["submit"], opts.tz)
    done, done_ok = fields.compact_dates(col["done"], opts.tz)
    ts, ts_ok = fields.times(col["ts"], opts.tz)
    n = len(rows)
    created = pc.if_else(pc.is_valid(col["created"]), ts, pa.scalar(None, ts.type))
    return pa.table(
        {
            "provider_message_id": fields.text(col["id"]),
            "msisdn": fields.text(col["msisdn"]),
            "sender": fields.text(col["sender"]),
            "created_at": created,
            "sent_at": pc.coalesce(created, submit),
            "done_at": done,
            "event_at": pc.coalesce(ts, done, submit),
            "status": col["status"],
            "reason": pa.nulls(n, pa.string()),
            "raw_status": fields.text(col["stat"]),
            "raw_error": fields.text(col["err"]),
            "text": pa.nulls(n, pa.string()),
            "_line": pa.array(numbers, pa.int64()),
            "_error": pa.nulls(n, pa.string()),
            "_time_error": _time_error(n, ts_ok, submit_ok, done_ok),
        }
    )


def _time_error(n: int, ts_ok: pa.Array, submit_ok: pa.Array, done_ok: pa.Array) -> pa.Array:
    """The first unreadable time of each line (its value already null): normalise quarantines the line only when
    no other time is left."""
    return fields.first_error(
        n,
        [
            (ts_ok, "bad log time"),
            (submit_ok, "submit date is not YYMMDDhhmm[ss]"),
            (done_ok, "done date is not YYMMDDhhmm[ss]"),
        ],
    )
