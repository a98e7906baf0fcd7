"""vonage: Vonage (Nexmo) SMS API delivery receipts.

As GET query strings (one per line, maybe after a timestamp and the request line)
or POST JSON bodies (one per line or one document), with the fields of
https://developer.vonage.com/en/messaging/sms/guides/delivery-receipts: msisdn (the
recipient), to (our sender), network-code (MCC+MNC), messageId, price, status,
scts (YYMMDDHHMM, UTC: when the carrier's receipt came), err-code,
message-timestamp (UTC), client-ref (kept as campaign_label), api-key (ignored).
Status callbacks of the Messages API (message_uuid, to, from, timestamp, status,
usage {price, currency}, client_ref) are read too.

status and err-code map through `schema.VONAGE_STATUS` / `VONAGE_ERROR`. A long
message is several parts with their own messageId and receipt: each part counts as
a message, as Vonage bills it.
"""

from __future__ import annotations

from pathlib import Path

from data.ingest import payloads
from data.ingest.core import Issue, Options, Parsed, empty_records

FORMAT = "vonage"
VOCABULARY = "vonage"
PROVIDER = "vonage"
TIMES = {"done_at": "compact_utc", "event_at": "any_utc"}


def record(item: dict, logged: str | None = None) -> dict:
    t = payloads.as_text
    k = payloads.keyed(item)
    usage = payloads.keyed(k.get("usage")) if isinstance(k.get("usage"), dict) else {}
    error = payloads.keyed(k.get("error")) if isinstance(k.get("error"), dict) else {}
    messages_api = "messageuuid" in k
    row = {
        "provider_message_id": t(k.get("messageid")) or t(k.get("messageuuid")),
        "raw_status": t(k.get("status")),
        "raw_error": t(k.get("errcode")) or (t(error.get("title")) if messages_api else None),
        "msisdn": t(k.get("to")) if messages_api else t(k.get("msisdn")),
        "sender": t(k.get("from")) if messages_api else t(k.get("to")),
        "mccmnc": t(k.get("networkcode")),
        "price": t(k.get("price")) or t(usage.get("price")),
        "currency": t(usage.get("currency")) or t(k.get("currency")),
        "done_at": None if messages_api else t(k.get("scts")),
        # candidates, best first: scts (done_at) is the carrier's receipt time; message-timestamp when Vonage
        # pushed the receipt; the receiver's logged time last
        "event_at": [t(k.get("messagetimestamp")), t(k.get("timestamp")), logged],
        "campaign_label": t(k.get("clientref")),
    }
    if not row["provider_message_id"]:
        row["_error"] = "no message id (messageId)"
    elif not row["raw_status"]:
        row["_error"] = "no status"
    return row


def parse(path: Path, name: str, opts: Options) -> Parsed:
    parsed, found = payloads.start(
        Path(path).read_bytes(), name, FORMAT, empty_records(), vocabulary=VOCABULARY, fixed_provider=PROVIDER
    )
    lines = parsed.lines
    for p in payloads.readable(parsed):
        entries = p.body if isinstance(p.body, list) else [p.body]
        for j, entry in enumerate(entries):
            parsed.rows += 1
            item = f"[{j}]" if isinstance(p.body, list) else None
            if not isinstance(entry, dict):
                parsed.issues.append(Issue(name, p.line, "not a receipt object", lines.text(p.line), item))
                continue
            found.add(record(entry, p.time), p.line, item, entry)
    return found.finish(parsed, tz=opts.tz, times=TIMES)
