"""twilio: Twilio Programmable Messaging logs.

Three shapes, told apart per file / line:

- The Messages log CSV exported from the Twilio console (columns such as Sid,
  From, To, Body, Status, Date Sent, Num Segments, Error Code, Direction, Price,
  Price Unit; names compare loosely, so `DateSent` or `date_sent` work too).
- JSON of the Messages API (https://www.twilio.com/docs/messaging/api/message-resource):
  a list page `{"messages": [...]}`, single message objects, or one per line as
  BulkExport day files have them; fields sid, status, error_code, to, from, body,
  date_created, date_sent, date_updated (RFC 2822 or ISO 8601), num_segments, price
  (negative, as Twilio bills), price_unit, direction.
- Status callback bodies, form-encoded, one per line as a webhook receiver logs
  them, maybe after a timestamp and the request line: MessageSid (or SmsSid),
  MessageStatus (or SmsStatus), ErrorCode, To, From, RawDlrDoneDate (YYMMDDhhmm,
  taken as UTC: Twilio says the carrier's zone is unknown). The logged timestamp,
  when present, orders updates; otherwise the order of the lines does.

Statuses and error codes map through `schema.TWILIO_STATUS` / `TWILIO_ERROR`.
Inbound messages (direction inbound, status received) are not deliveries: the import
puts them in the inbound table (replies, data/ingest/inbound.py).
"""

from __future__ import annotations

from pathlib import Path

from data.ingest import payloads
from data.ingest.core import Issue, Options, Parsed, build_records, empty_records
from data.ingest.csvio import parsed_csv

FORMAT = "twilio"
VOCABULARY = "twilio"
PROVIDER = "twilio"
TIMES = {"created_at": "any", "sent_at": "any", "event_at": "any", "done_at": "compact_utc"}


def record(k: dict, logged: str | None = None) -> dict:
    """One message record from a keyed dict (payloads.keyed) of any of the three shapes."""
    t = payloads.as_text
    sid = t(k.get("sid")) or t(k.get("messagesid")) or t(k.get("smssid"))
    status = t(k.get("status")) or t(k.get("messagestatus")) or t(k.get("smsstatus"))
    direction = (t(k.get("direction")) or "").lower()
    row: dict = {
        "provider_message_id": sid,
        "raw_status": status,
        "raw_error": t(k.get("errorcode")),
        "msisdn": t(k.get("to")),
        "sender": t(k.get("from")),
        "text": t(k.get("body")),
        "created_at": t(k.get("datecreated")),
        "sent_at": t(k.get("datesent")),
        "event_at": [logged, t(k.get("dateupdated"))],  # the callback's own time, else the resource's update
        "done_at": t(k.get("rawdlrdonedate")),
        "currency": t(k.get("priceunit")),
        "campaign_label": None,
    }
    segments = t(k.get("numsegments"))
    row["segments"] = segments if segments not in ("0", None) else None  # 0 when sent through a Messaging Service
    price = t(k.get("price"))
    row["price"] = price.lstrip("-") if price else None  # Twilio writes charges as negative amounts
    if direction.startswith("inbound") or (status or "").lower() in ("received", "receiving"):
        row["_error"] = "inbound message, not a delivery"
    elif not sid:
        row["_error"] = "no message id (Sid / MessageSid)"
    elif not status:
        row["_error"] = "no status"
    return row


def parse(path: Path, name: str, opts: Options) -> Parsed:
    data = Path(path).read_bytes()
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] not in (b"{", b"[") and b"=" not in head.split(b"\n", 1)[0]:
        return _parse_csv(data, name, opts)
    parsed, found = payloads.start(data, name, FORMAT, empty_records(), vocabulary=VOCABULARY, fixed_provider=PROVIDER)
    lines = parsed.lines
    text = "\n".join(lines.lines.to_pylist())
    offset = 0
    for p in payloads.readable(parsed):
        body = p.body
        entries, _ = payloads.objects(body, ("messages",))
        many = len(entries) > 1 or isinstance(body, list) or (isinstance(body, dict) and "messages" in body)
        for j, entry in enumerate(entries):
            parsed.rows += 1
            item = f"messages[{j}]" if many else None
            line = p.line
            if not isinstance(entry, dict):
                parsed.issues.append(Issue(name, p.line, "not a message object", lines.text(p.line), item))
                continue
            k = payloads.keyed(entry)
            sid = payloads.as_text(k.get("sid"))
            if many and sid:
                at, offset = payloads.line_of(text, sid, offset)
                line = at or p.line
            found.add(record(k, p.time), line, item, entry)
    return found.finish(parsed, tz=opts.tz, times=TIMES)


def _parse_csv(data: bytes, name: str, opts: Options) -> Parsed:
    parsed, cols = parsed_csv(data, name, FORMAT, empty_records(), vocabulary=VOCABULARY, fixed_provider=PROVIDER)
    if not cols.header:
        return parsed
    keys = list(cols.columns)
    if not {"sid", "messagesid", "smssid"} & set(keys) or not {"status", "messagestatus", "smsstatus"} & set(keys):
        parsed.issues.append(cols.header_issue(name, "not a Twilio export header (no Sid or Status column)"))
        parsed.rows += 1
    values = [cols.columns[k].to_pylist() for k in keys]
    rows = [record(dict(zip(keys, vals))) for vals in zip(*values)]
    parsed.records = build_records(rows, cols.lines.to_pylist(), tz=opts.tz, times=TIMES) if rows else empty_records()
    return parsed
