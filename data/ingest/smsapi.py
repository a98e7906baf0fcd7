"""smsapi: SMSAPI.pl delivery reports.

- Callbacks ("Raporty Callback", https://www.smsapi.pl/docs): GET query strings,
  one per line as a receiver logs them, maybe after a timestamp and the request
  line: MsgId, status (401-412), status_name, idx, donedate (unix seconds), username,
  points, from, to, mcc, mnc. SMSAPI may put several reports in one callback, the
  values comma-separated (`MsgId=a,b&status=404,405&...`): each becomes a record
  (`item` "report[i]" in the quarantine).
- Report JSON of the REST API (`{"count": n, "list": [{"id", "points", "number",
  "date_sent", "submitted_number", "status", "error", "idx", "parts"}]}`), one
  document per file or per line.

status is a code (404) or its name (DELIVERED); both map through
`schema.SMSAPI_STATUS`. A receipt-style status word (DELIVRD, UNDELIV: SMSAPI's
SMPP interface) is read with the SMPP table instead. `points` is kept as price
(SMSAPI bills in points; currency left empty). The network code (mcc+mnc) names
the operator when it is a known Polish network.
"""

from __future__ import annotations

from pathlib import Path

from data.ingest import payloads
from data.ingest.core import Issue, Options, Parsed, empty_records

FORMAT = "smsapi"
VOCABULARY = None  # per row: SMSAPI's codes, or SMPP words (see normalise's fallback)
PROVIDER = "smsapi"
TIMES = {"done_at": "unix", "sent_at": "unix", "created_at": "unix", "event_at": "any"}


def record(k: dict, logged: str | None = None) -> dict:
    t = payloads.as_text
    status = t(k.get("status")) or t(k.get("statusname"))
    mcc, mnc = t(k.get("mcc")), t(k.get("mnc"))
    row = {
        "provider": PROVIDER,
        "provider_message_id": t(k.get("msgid")) or t(k.get("id")),
        "raw_status": status,
        "raw_error": t(k.get("error")),
        "msisdn": t(k.get("to")) or t(k.get("number")) or t(k.get("submittednumber")),
        "sender": t(k.get("from")),
        "done_at": t(k.get("donedate")),
        "sent_at": t(k.get("datesent")),
        "event_at": logged,
        "price": t(k.get("points")),
        "segments": t(k.get("parts")),
        "mccmnc": f"{mcc}{int(mnc):02d}" if mcc and mnc and mnc.isdigit() else None,
    }
    if not row["provider_message_id"]:
        row["_error"] = "no message id (MsgId)"
    elif not status:
        row["_error"] = "no status"
    return row


def split_callback(form: dict[str, str]) -> list[dict[str, str]]:
    """A callback with comma-separated values (several reports) -> one dict per report."""
    ids = (form.get("MsgId") or "").split(",")
    if len(ids) <= 1:
        return [form]
    out = []
    for i in range(len(ids)):
        one = {}
        for key, value in form.items():
            parts = value.split(",")
            one[key] = parts[i] if len(parts) == len(ids) else value
        out.append(one)
    return out


def parse(path: Path, name: str, opts: Options) -> Parsed:
    parsed, found = payloads.start(
        Path(path).read_bytes(), name, FORMAT, empty_records(), vocabulary=None, fixed_provider=PROVIDER
    )
    lines = parsed.lines
    for p in payloads.readable(parsed):
        body = p.body
        if p.form:
            entries, label = split_callback(body), "report"
        else:
            entries, label = payloads.objects(body, ("list",))
        for j, entry in enumerate(entries):
            parsed.rows += 1
            item = f"{label}[{j}]" if label is not None and (len(entries) > 1 or label in ("list", "")) else None
            if not isinstance(entry, dict):
                parsed.issues.append(Issue(name, p.line, "not a report object", lines.text(p.line), item))
                continue
            found.add(record(payloads.keyed(entry), p.time), p.line, item, entry)
    return found.finish(parsed, tz=opts.tz, times=TIMES)
