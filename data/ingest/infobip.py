"""infobip: Infobip SMS delivery reports (JSON).

`{"results": [ {...}, ... ]}` as Infobip POSTs them to a notify URL, as its reports
and logs endpoints return them, or as a receiver logs one body per line; a bare
array or single report objects work too. Both shapes of a report item are read:

- older (`/sms/1/reports`, webhooks before 2024): messageId, to, from, sentAt,
  doneAt, smsCount, mccMnc, price {pricePerMessage, currency}, status {groupId,
  groupName, id, name, description}, error {groupId, groupName, id, name,
  description, permanent}, bulkId, callbackData;
- current (`/sms/3/reports`, Messages API): the same with `sender` for from,
  `messageCount` for smsCount, `campaignReferenceId` (kept as campaign_label), and
  `platform` {entityId, applicationId}.

raw_status is status.name (its groupName when the name is missing), raw_error is
error.name; they map through `schema.INFOBIP_STATUS` / `INFOBIP_ERROR`. price is
pricePerMessage x message count. Times are ISO 8601 with an offset
(`2019-11-09T16:00:00.000+0000`).
https://www.infobip.com/docs/api/channels/sms/sms-messaging/logs-and-status-reports/receive-outbound-sms-message-report
"""

from __future__ import annotations

from pathlib import Path

from data.ingest import payloads
from data.ingest.core import Issue, Options, Parsed, empty_records

FORMAT = "infobip"
VOCABULARY = "infobip"
PROVIDER = "infobip"


def record(item: dict, logged: str | None = None) -> dict:
    t = payloads.as_text
    k = payloads.keyed(item)
    status = k.get("status") if isinstance(k.get("status"), dict) else {"name": k.get("status")}
    error = k.get("error") if isinstance(k.get("error"), dict) else {"name": k.get("error")}
    status = payloads.keyed(status)
    error = payloads.keyed(error)
    raw_status = t(status.get("name")) or t(status.get("groupname"))
    count = t(k.get("messagecount")) or t(k.get("smscount"))
    price_obj = k.get("price") if isinstance(k.get("price"), dict) else {}
    price_obj = payloads.keyed(price_obj)
    per = t(price_obj.get("pricepermessage"))
    price = None
    if per is not None:
        try:
            price = str(round(float(per) * (int(count) if count and count.isdigit() else 1), 6))
        except ValueError:
            price = per  # not a number: normalise says so
    row = {
        "provider_message_id": t(k.get("messageid")),
        "msisdn": t(k.get("to")),
        "sender": t(k.get("sender")) or t(k.get("from")),
        "sent_at": t(k.get("sentat")),
        "created_at": t(k.get("sentat")),
        "done_at": t(k.get("doneat")),
        "event_at": [t(k.get("doneat")), logged],  # doneAt, else when the receiver got the report
        "segments": count,
        "mccmnc": t(k.get("mccmnc")),
        "price": price,
        "currency": t(price_obj.get("currency")),
        "raw_status": raw_status,
        "raw_error": t(error.get("name")),
        "campaign_label": t(k.get("campaignreferenceid")),
        "text": t(k.get("text")),
    }
    if row["currency"] and row["currency"].upper() == "UNKNOWN":
        row["currency"] = None
    if not row["provider_message_id"]:
        row["_error"] = "no messageId"
    elif not raw_status:
        row["_error"] = "no status"
    return row


def parse(path: Path, name: str, opts: Options) -> Parsed:
    parsed, found = payloads.start(
        Path(path).read_bytes(), name, FORMAT, empty_records(), vocabulary=VOCABULARY, fixed_provider=PROVIDER
    )
    lines = parsed.lines
    text = "\n".join(lines.lines.to_pylist())
    offset = 0
    for p in payloads.readable(parsed, form="not an Infobip report (JSON expected)"):
        entries, path_name = payloads.objects(p.body, ("results",))
        for j, entry in enumerate(entries):
            parsed.rows += 1
            item = f"{path_name}[{j}]" if path_name is not None else None
            line = p.line
            if not isinstance(entry, dict):
                parsed.issues.append(Issue(name, p.line, "not a report object", lines.text(p.line), item))
                continue
            mid = payloads.as_text(payloads.keyed(entry).get("messageid"))
            if mid and len(entries) > 1:
                at, offset = payloads.line_of(text, mid, offset)
                line = at or p.line
            found.add(record(entry, p.time), line, item, entry)
    return found.finish(parsed, tz=opts.tz)
