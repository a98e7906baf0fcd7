"""inbound: replies from recipients (inbound SMS), into the lake's `inbound` table (data/optouts.py).

Read as CSV (a header naming the sender's number — `from`, `msisdn`, `phone`, `number` — the text — `text`,
`body`, `message` — and when — `received_at`, `timestamp`, `time`, `date` —, optionally an `id`, the `to`
number and the `provider`) or as the bodies of providers' inbound callbacks, one per line (JSON, or form-encoded,
maybe after a logged timestamp and the request line, as data/ingest/payloads.py reads them):

- Twilio incoming-message webhooks (From, To, Body, MessageSid / SmsSid; no time of their own: the logged
  timestamp in front of the body) and Messages API resources with direction inbound (date_sent);
- Vonage inbound SMS (msisdn = the sender, to, text, messageId, message-timestamp in UTC) and Messages API
  inbound (from, to, text, message_uuid, timestamp);
- Infobip received messages (`{"results": [{messageId, from, to, text, receivedAt}]}`).

A reply without a sender's number, a usable number or a time is quarantined with its line; a delivery receipt
given here (a status that is not "received") too. Each reply gets an id — the provider's and its message id,
else a hash of number, time and text — so a file imported twice adds nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from data import schema
from data.ingest import fields, payloads, phones
from data.ingest.core import EARLIEST, TRUNCATED, Issue, Options, Parsed
from data.ingest.csvio import parsed_csv
from data.lake import Lake, write_inbound
from data.optouts import WINDOW_DAYS, attributed_sql, optout_keyword
from data.rollups import sql_literal

FORMAT = "inbound"
KIND = "inbound"
_COLUMNS = ("provider", "provider_message_id", "msisdn", "recipient", "text", "received", "_utc")
RECORDS = pa.schema(
    [(name, pa.string()) for name in _COLUMNS[:-1]]
    + [("_utc", pa.bool_()), ("_line", pa.int64()), ("_item", pa.string()), ("_error", pa.string())]
)
_FROM = ("from", "msisdn", "sender", "phone", "number", "phonenumber", "fromnumber")
_TO = ("to", "recipient", "tonumber", "destination")
_TEXT = ("text", "body", "message", "messagetext", "content")
_ID = ("messagesid", "smssid", "sid", "messageid", "messageuuid", "id", "inboundid")
_TIME = (
    "receivedat",
    "received",
    "receivedtime",
    "messagetimestamp",
    "timestamp",
    "datesent",
    "datecreated",
    "time",
    "date",
)
_RECEIVED = ("received", "receiving", "inbound")
_LOGGED = re.compile(r"^\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}\S*\]?\s*")  # a receiver's time before a body


def _first(k: dict, names: tuple[str, ...]):
    for name in names:
        value = payloads.as_text(k.get(name))
        if value is not None:
            return value
    return None


def _provider(k: dict, given: str | None) -> str | None:
    named = payloads.as_text(k.get("provider"))
    if named:
        return named.lower()
    if {"accountsid", "smssid", "messagesid", "smsmessagesid"} & set(k):
        return "twilio"
    if {"messageuuid", "messagetimestamp", "apikey"} & set(k):
        return "vonage"
    if {"cleantext", "smscount", "callbackdata"} & set(k):
        return "infobip"
    return given


def record(k: dict, logged: str | None, given_provider: str | None) -> dict:
    """One reply from a keyed dict (payloads.keyed) of any of the shapes the module's docstring lists."""
    status = _first(k, ("smsstatus", "messagestatus", "status"))
    direction = (_first(k, ("direction",)) or "").lower()
    provider = _provider(k, given_provider)
    row = {
        "provider": provider,
        "provider_message_id": _first(k, _ID),
        "msisdn": _first(k, _FROM),
        "recipient": _first(k, _TO),
        "text": _first(k, _TEXT),
        "received": _first(k, _TIME) or logged,
        # Vonage writes its times in UTC without saying so
        "_utc": provider == "vonage",
    }
    if (status and status.lower() not in _RECEIVED) or direction.startswith("outbound"):
        row["_error"] = "a delivery receipt or sent message, not a reply"
    elif not row["msisdn"]:
        row["_error"] = "no sender's number (From / msisdn)"
    elif not row["received"]:
        row["_error"] = "no time received"
    return row


def _records(rows: list[dict], lines: list[int], items: list[str | None]) -> pa.Table:
    cols = {name: [r.get(name) for r in rows] for name in _COLUMNS}
    cols["_utc"] = [bool(r.get("_utc")) for r in rows]
    return pa.table({**cols, "_line": lines, "_item": items, "_error": [r.get("_error") for r in rows]}, schema=RECORDS)


def parse(path: Path, name: str, opts: Options) -> Parsed:
    data = Path(path).read_bytes()
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    first_line = _LOGGED.sub("", head.split(b"\n", 1)[0].decode("utf-8", "replace"))
    if first_line[:1] not in ("{", "[") and "=" not in first_line:  # a header line: CSV
        return _parse_csv(data, name, opts)
    parsed, found = payloads.start(data, name, FORMAT, _records([], [], []), kind=KIND)
    lines = parsed.lines
    for p in payloads.readable(parsed):
        entries, path_name = payloads.objects(p.body, ("results", "messages"))
        for j, entry in enumerate(entries):
            parsed.rows += 1
            item = f"{path_name}[{j}]" if path_name is not None else None
            if not isinstance(entry, dict):
                parsed.issues.append(Issue(name, p.line, "not a message object", lines.text(p.line), item))
                continue
            found.add(record(payloads.keyed(entry), p.time, opts.provider), p.line, item, entry)
    parsed.records = _records(found.rows, found.numbers, found.items)
    parsed.raw = found.raw
    if parsed.rows == 0:
        parsed.notes.append("empty file")
    return parsed


def _parse_csv(data: bytes, name: str, opts: Options) -> Parsed:
    parsed, cols = parsed_csv(data, name, FORMAT, _records([], [], []), kind=KIND)
    if not cols.header:
        return parsed
    keys = list(cols.columns)
    if not set(_FROM) & set(keys) or not set(_TEXT) & set(keys):
        parsed.issues.append(cols.header_issue(name, "not a replies header (no sender's number or text column)"))
        parsed.rows += 1
    values = [cols.columns[k].to_pylist() for k in keys]
    rows = [record(dict(zip(keys, vals)), None, opts.provider) for vals in zip(*values)]
    parsed.records = _records(rows, cols.lines.to_pylist(), [None] * len(rows))
    return parsed


def normalise(parsed: Parsed, opts: Options, file_index: int = 0) -> tuple[pa.Table, list[Issue]]:
    """Returns the replies of one file as rows of `schema.INBOUND` (keyword decided) and its unusable records
    as issues."""
    t = parsed.records
    n = t.num_rows
    if n == 0:
        return schema.INBOUND.empty_table(), []
    local, local_ok = fields.any_times(t["received"], opts.tz)
    utc, utc_ok = fields.any_times(t["received"], "UTC")
    received = pc.if_else(t["_utc"], utc, local)
    ok = pc.if_else(t["_utc"], utc_ok, local_ok)
    numbers, why = phones.normalise(t["msisdn"], opts.region)
    limit = pa.scalar(opts.now_utc() + opts.future_slack, schema.TS)
    shown = pc.strftime(received, format="%Y-%m-%d %H:%M UTC")
    error = pc.coalesce(
        t["_error"],
        fields.first_error(
            n,
            [
                (ok, pc.binary_join_element_wise("time received is not a time: ", pc.fill_null(t["received"], ""), "")),
                (pc.is_valid(numbers), pc.binary_join_element_wise("sender's number: ", pc.fill_null(why, "?"), "")),
                (
                    pc.or_(pc.is_null(received), pc.less_equal(received, limit)),
                    pc.binary_join_element_wise("time received is in the future: ", shown, ""),
                ),
                (
                    pc.or_(pc.is_null(received), pc.greater_equal(received, pa.scalar(EARLIEST, schema.TS))),
                    pc.binary_join_element_wise("time received is before 2000: ", shown, ""),
                ),
            ],
        ),
    )
    issues = []
    bad = pc.is_valid(error).to_pylist()
    for i, is_bad in enumerate(bad):
        if is_bad:
            line, item = int(t["_line"][i].as_py()), t["_item"][i].as_py()
            reason = error[i].as_py()
            if parsed.cut_line == line and "truncated last line" not in reason:
                reason += TRUNCATED
            issues.append(Issue(parsed.name, line, reason, parsed.raw_text(line, item), item))
    keep = pc.invert(pc.is_valid(error))
    good = t.filter(keep)
    numbers, received = numbers.filter(keep), received.filter(keep)
    keywords = opts.optout_keywords
    ids = []
    for provider, pid, number, at, text in zip(
        good["provider"].to_pylist(),
        good["provider_message_id"].to_pylist(),
        numbers.to_pylist(),
        received.to_pylist(),
        good["text"].to_pylist(),
    ):
        if pid:
            ids.append(f"{provider or 'unknown'}:{pid}")
        else:
            digest = hashlib.sha256(f"{number}\x1f{at.isoformat()}\x1f{text or ''}".encode()).hexdigest()
            ids.append(f"h:{digest[:24]}")
    out = pa.table(
        {
            "inbound_id": pa.array(ids, pa.string()),
            "provider": good["provider"],
            "provider_message_id": good["provider_message_id"],
            "msisdn": numbers,
            "recipient": good["recipient"],
            "text": good["text"],
            "keyword": pa.array([optout_keyword(x, keywords) for x in good["text"].to_pylist()], pa.string()),
            "received_at": received,
        },
        schema=schema.INBOUND,
    )
    return out, issues


def read_inbound(lake: Lake) -> pa.Table:
    """Returns every reply in the lake (the table is small: replies, not messages)."""
    if not any(lake.inbound_dir.glob("month=*/*.parquet")):
        return schema.INBOUND.empty_table()
    found = ds.dataset(str(lake.inbound_dir), format="parquet", partitioning="hive")
    return found.to_table(columns=schema.INBOUND.names).cast(schema.INBOUND)


def merge_inbound(lake: Lake, rows: pa.Table) -> tuple[pa.Table, int]:
    """Adds the replies the lake does not have yet (by inbound_id; the first of an import's duplicates);
    returns the new rows and how many were there already. Nothing is written when nothing is new."""
    if rows.num_rows == 0:
        return rows, 0
    existing = read_inbound(lake)
    known = set(existing["inbound_id"].to_pylist())
    seen: set[str] = set()
    keep = []
    for rid in rows["inbound_id"].to_pylist():
        keep.append(rid not in known and rid not in seen)
        seen.add(rid)
    new = rows.filter(pa.array(keep, pa.bool_()))
    if new.num_rows:
        months = set(pc.unique(_months(new["received_at"])).to_pylist())
        same_months = existing.filter(pc.is_in(_months(existing["received_at"]), pa.array(sorted(months))))
        write_inbound(lake, pa.concat_tables([same_months, new]))
    return new, rows.num_rows - new.num_rows


def _months(ts) -> pa.Array:
    from data.lake import month_keys

    return month_keys(ts) if len(ts) else pa.array([], pa.string())


def optout_months(lake: Lake, replies: pa.Table) -> set[str]:
    """Returns the messages months whose opt-outs `replies` (new rows of the inbound table) change: those of
    the messages they count for (data/optouts.py), so only they need new rollups."""
    replies = replies.filter(pc.is_valid(replies["keyword"])) if replies.num_rows else replies
    if replies.num_rows == 0 or not lake.month_dirs():
        return set()
    con = duckdb.connect(":memory:")
    try:
        con.register("new_replies", replies)
        hive = "hive_partitioning=true, hive_types={'month': VARCHAR}"
        messages = f"read_parquet({sql_literal(lake.messages_glob)}, {hive})"
        # only the messages months that can hold what a reply counts for: from a month before the earliest reply's
        # window (a message is delivered after it is created) to the latest reply's month
        lo = pc.min(replies["received_at"]).as_py() - dt.timedelta(days=WINDOW_DAYS)
        hi = pc.max(replies["received_at"]).as_py()
        first = lo.year * 12 + lo.month - 2
        months = [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(first, hi.year * 12 + hi.month)]
        candidates = "m.month IN (" + ", ".join(map(sql_literal, months)) + ")"
        sql = attributed_sql(messages=messages, inbound="new_replies", candidates=candidates)
        return {m for (m,) in con.execute(f"SELECT DISTINCT month FROM ({sql})").fetchall()}
    finally:
        con.close()


TWILIO_INBOUND = "inbound message, not a delivery"  # data/ingest/twilio.py's reason for a reply in its logs
# data/ingest/smpp_dlr.py's reasons for a gateway log's replies (Kannel's `Receive SMS`, Jasmin's `SMS-MO`)
GATEWAY_INBOUND = ("inbound message (Receive SMS)", "inbound message (Jasmin SMS-MO)")
_FIELD = re.compile(r"\[(?P<key>[A-Za-z][\w -]*?):(?P<value>[^\]]*)\]")
_BYTES = re.compile(r"^b'(.*)'$|^b\"(.*)\"$")  # Jasmin logs values as Python bytes: b'48601200009'


def replies_of(parsed: Parsed, opts: Options) -> Parsed | None:
    """Takes the replies out of a receipt log (a Twilio log's messages with direction inbound, a gateway log's
    `Receive SMS` / `SMS-MO` lines, which are no deliveries) and returns them as a file of this format's records
    (None when there are none); `parsed` keeps the rest."""
    if parsed.format == "twilio":
        return _twilio_replies(parsed)
    if parsed.format == "smpp-dlr":
        return _gateway_replies(parsed, opts)
    return None


def _twilio_replies(parsed: Parsed) -> Parsed | None:
    t = parsed.records
    if "_error" not in t.column_names or t.num_rows == 0:
        return None
    mask = pc.fill_null(pc.equal(t["_error"], TWILIO_INBOUND), False)
    if not pc.any(mask).as_py():
        return None
    found = t.filter(mask)
    parsed.records = t.filter(pc.invert(mask))
    n = found.num_rows

    def text(name: str) -> pa.Array:
        return found[name].cast(pa.string()) if name in found.column_names else pa.nulls(n, pa.string())

    received = pa.nulls(n, pa.string())
    for name in ("event_at", "created_at", "sent_at"):  # a reply's time: when it was logged or taken in
        received = pc.coalesce(text(name), received)
    records = pa.table(
        {
            "provider": pa.repeat(pa.scalar("twilio"), n),
            "provider_message_id": text("provider_message_id"),
            "msisdn": text("sender"),  # a reply comes from the recipient, to our number
            "recipient": text("msisdn"),
            "text": text("text"),
            "received": received,
            "_utc": pa.repeat(pa.scalar(True), n),
            "_line": found["_line"],
            "_item": found["_item"] if "_item" in found.column_names else pa.nulls(n, pa.string()),
            "_error": pa.nulls(n, pa.string()),
        },
        schema=RECORDS,
    )
    return Parsed(parsed.name, FORMAT, records, rows=0, kind=KIND, lines=parsed.lines, raw=parsed.raw, cut=parsed.cut)


def _gateway_replies(parsed: Parsed, opts: Options) -> Parsed | None:
    mine = [i for i in parsed.issues if i.reason.startswith(GATEWAY_INBOUND)]
    if not mine:
        return None
    parsed.issues = [i for i in parsed.issues if not i.reason.startswith(GATEWAY_INBOUND)]
    rows = []
    for issue in mine:
        found = {m.group("key").strip().lower(): _unbytes(m.group("value").strip()) for m in _FIELD.finditer(issue.raw)}
        message = found.get("msg") or found.get("content")
        if "msg" in found and message and ":" in message:  # Kannel: [msg:LENGTH:TEXT]
            message = message.split(":", 1)[1]
        logged = _LOGGED.match(issue.raw)
        row = {
            "provider": opts.provider,
            "provider_message_id": found.get("queue-msgid") or found.get("fid") or None,
            "msisdn": found.get("from") or None,
            "recipient": found.get("to") or None,
            "text": message,
            "received": logged.group(0).strip(" []") if logged else None,
            "_utc": False,  # a gateway logs its own local time (--tz)
        }
        if not row["msisdn"]:
            row["_error"] = "no sender's number ([from:])"
        elif not row["received"]:
            row["_error"] = "no time received"
        rows.append(row)
    records = _records(rows, [i.line for i in mine], [i.item for i in mine])
    return Parsed(parsed.name, FORMAT, records, rows=0, kind=KIND, lines=parsed.lines, raw=parsed.raw, cut=parsed.cut)


def _unbytes(value: str) -> str:
    found = _BYTES.match(value)
    return next(g for g in found.groups() if g is not None) if found else value


class _Unchanged(Exception):
    """No reply changed: the lake's new version is discarded."""


def reclassify_replies(lake: Lake, *, tz: str, keywords) -> tuple[int, list[str]]:
    """Decides every stored reply's keyword again with `keywords` (after SMSREPORTS_OPTOUT_KEYWORDS changed) and
    rebuilds the rollups of the messages months whose opt-outs change, in one lake transaction; returns (replies
    changed, months rebuilt). Nothing changed: the lake is left as it was."""
    from data.lake import transaction
    from data.rollups import build_rollups, read_state

    changed, rebuilt = 0, []
    try:
        with transaction(lake) as staging:
            table = read_inbound(staging)
            old = table["keyword"].to_pylist()
            new = [optout_keyword(x, keywords) for x in table["text"].to_pylist()]
            differs = pa.array([a != b for a, b in zip(old, new)], pa.bool_())
            changed = sum(differs.to_pylist())
            if not changed:
                raise _Unchanged
            before = table.filter(differs)
            table = table.set_column(table.schema.get_field_index("keyword"), "keyword", pa.array(new, pa.string()))
            after = table.filter(differs)
            months = set(pc.unique(_months(after["received_at"])).to_pylist())
            write_inbound(staging, table.filter(pc.is_in(_months(table["received_at"]), pa.array(sorted(months)))))
            # the opt-outs the changed replies counted for, and those they count for now
            touched = optout_months(staging, before) | optout_months(staging, after)
            state = read_state(staging)
            if state is not None and touched:
                if state.get("tz") == tz:
                    build_rollups(staging, tz=tz, months=sorted(touched))
                    rebuilt = sorted(touched)
                else:
                    build_rollups(staging, tz=tz)
                    rebuilt = sorted(m.name.removeprefix("month=") for m in staging.month_dirs())
    except _Unchanged:
        pass
    return changed, rebuilt
