"""Writers of one record in each format, to build malformed variants of a file in the tests."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote

from tests.data.ingest.conftest import NOW

BASE = NOW - dt.timedelta(days=10)  # 2025-10-22
LABEL = "Łódź – jesień"  # Polish letters that cp1250 and UTF-8 write differently

# format -> (file name suffix, header line or None, the "delivered" status of the format)
FORMATS = {
    "canonical": (
        ".csv",
        "message_id;provider;provider_message_id;msisdn;created_at;raw_status;raw_error;campaign_label",
        "DELIVRD",
    ),
    "smpp-dlr": (".log", None, "DELIVRD"),
    "twilio": (".log", None, "delivered"),
    "infobip": (".jsonl", None, "DELIVERED_TO_HANDSET"),
    "smsapi": (".log", None, "404"),
    "vonage": (".log", None, "delivered"),
    "clicks": (".csv", "message_id,clicked_at,user_agent", None),
}
MESSAGE_FORMATS = [f for f in FORMATS if f != "clicks"]


def yymmddhhmm(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%y%m%d%H%M")


def line(
    fmt: str,
    i: int,
    *,
    number: str | None = None,
    status: str | None = None,
    when: dt.datetime | None = None,
    label: str = "SKLEP",
) -> str:
    """Record i of a file of format `fmt`: message `i` delivered (or `status`) at `when` to `number`."""
    number = number or f"+486017{i:05d}"
    status = status or FORMATS[fmt][2]
    when = when or BASE + dt.timedelta(minutes=i)
    iso = when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if fmt == "canonical":
        return f"m-{i:05d};smsapi;P{i:05d};{number};{iso};{status};000;{label}"
    if fmt == "smpp-dlr":
        local = when.astimezone(dt.timezone(dt.timedelta(hours=2)))  # Warsaw in October: the file's --tz
        stamp = local.strftime("%y%m%d%H%M")
        return (
            f"{local:%Y-%m-%d %H:%M:%S} Receive DLR [SMSC:plus] [SVC:] [ACT:] [BINF:] [FID:ABC{i:05d}] [META:] "
            f"[from:{number}] [to:{label}] [flags:-1:-1:-1:-1:1] [msg:110:id:ABC{i:05d} sub:001 dlvrd:001 "
            f"submit date:{stamp} done date:{stamp} stat:{status} err:000 text:Hello] [udh:0:]"
        )
    if fmt == "twilio":
        return (
            f"{iso} POST /twilio/status MessageSid=SM{i:032d}&MessageStatus={status}&To={quote(number)}"
            f"&From={quote(label)}&RawDlrDoneDate={yymmddhhmm(when)}"
        )
    if fmt == "infobip":
        return json.dumps(
            {
                "results": [
                    {
                        "messageId": f"41{i:08d}",
                        "to": number,
                        "sentAt": iso,
                        "doneAt": iso,
                        "smsCount": 1,
                        "status": {"groupName": "X", "name": status},
                        "error": {"name": "NO_ERROR"},
                        "campaignReferenceId": label,
                    }
                ]
            },
            ensure_ascii=False,
        )
    if fmt == "smsapi":
        return (
            f"GET /cb?MsgId=68F0{i:020d}&status={status}&donedate={int(when.timestamp())}&from={_form(label)}"
            f"&to={quote(number)}"
        )
    if fmt == "vonage":
        return (
            f"GET /dlr?msisdn={quote(number)}&to=SKLEP&messageId=0A{i:014d}&status={status}"
            f"&scts={yymmddhhmm(when)}&err-code=0&message-timestamp={quote(when.astimezone(dt.UTC).strftime('%Y-%m-%d %H:%M:%S'))}"
            f"&client-ref={_form(label)}"
        )
    if fmt == "clicks":
        return f"c-000{1 + i % 2},{iso},Mozilla/5.0 ({label}) Mobile Safari/604.1"
    raise ValueError(fmt)


def message_id(fmt: str, i: int) -> str:
    return {
        "canonical": f"m-{i:05d}",
        "smpp-dlr": f"plus:ABC{i:05d}",
        "twilio": f"twilio:SM{i:032d}",
        "infobip": f"infobip:41{i:08d}",
        "smsapi": f"smsapi:68F0{i:020d}",
        "vonage": f"vonage:0A{i:014d}",
    }[fmt]


def _form(value: str) -> str:
    """A value as receivers log query strings: spaces as +, other letters as they are (not %-escaped)."""
    return value.replace(" ", "+")


def text(fmt: str, records: list[str], newline: str = "\n", final_newline: bool = True) -> str:
    header = FORMATS[fmt][1]
    rows = ([header] if header else []) + records
    return newline.join(rows) + (newline if final_newline else "")
