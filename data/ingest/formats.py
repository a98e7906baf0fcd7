"""The formats, and `--format auto`: recognising a file's format from its content.

`detect(path)` looks at the first 64 KiB: Parquet's magic bytes; JSON keys
(Infobip `results[]`, Twilio `sid`/`num_segments`, Vonage `msisdn`+`messageId`,
SMSAPI `MsgId`, clicks `clicked_at`); SMPP receipt text (`id:... stat:...`) or
Kannel access-log lines (`Sent SMS [SMSC:...`), Jasmin DLR bodies;
form-encoded webhook bodies (Twilio `MessageSid=`, SMSAPI `MsgId=`, Vonage
`messageId=`+`msisdn=`); a CSV header (the lake's columns, Twilio's export, clicks).
A file it cannot place is read as "unrecognised": every line is quarantined with
that reason, and the rest of the import goes on.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from types import ModuleType

from data.ingest.core import Options, Parsed, empty_records, line_issue
from data.ingest.csvio import header_key, sniff_separator
from data.ingest.textio import lines_of

FORMAT_MODULES = {
    "canonical": "data.ingest.canonical",
    "smpp-dlr": "data.ingest.smpp_dlr",
    "twilio": "data.ingest.twilio",
    "infobip": "data.ingest.infobip",
    "smsapi": "data.ingest.smsapi",
    "vonage": "data.ingest.vonage",
    "clicks": "data.ingest.clicks",
    "inbound": "data.ingest.inbound",
}
NAMES = tuple(FORMAT_MODULES)


class _Unrecognised:
    """Pseudo-format of a file that --format auto could not place."""

    @staticmethod
    def parse(path: Path, name: str, opts: Options) -> Parsed:
        lines = lines_of(Path(path).read_bytes(), name)
        parsed = Parsed(name, "unrecognised", empty_records(), lines=lines)
        values = lines.lines.to_pylist()
        for i, v in enumerate(values, start=1):
            if v.strip() or i in lines.binary:
                parsed.rows += 1
                parsed.issues.append(line_issue(name, lines, i, "format not recognised (give --format)"))
        parsed.notes.append("format not recognised: every line quarantined" if parsed.rows else "empty file")
        return parsed


class _Formats(dict):
    def __missing__(self, key: str) -> ModuleType:
        if key == "unrecognised":
            return _Unrecognised  # type: ignore[return-value]
        module = importlib.import_module(FORMAT_MODULES[key])
        self[key] = module
        return module


FORMATS: dict[str, ModuleType] = _Formats()


def check_format(name: str) -> str:
    """Returns a format name (accepts smpp_dlr for smpp-dlr); ValueError for unknown names."""
    key = name.strip().lower().replace("_", "-")
    if key not in FORMAT_MODULES:
        raise ValueError(f"unknown format {name!r} (one of auto, {', '.join(NAMES)})")
    return key


_RECEIPT = re.compile(
    r"(?i)\bid:\s*\S+.*\bstat(?:e|us)?:\s*\w+"
    r"|^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} (Sent SMS|Receive DLR|FAILED Send SMS) \[SMSC:"
)
_JSON_KEYS = [
    ("inbound", re.compile(r'"(receivedAt|cleanText|received_at|keyword|message_type)"\s*:')),
    ("infobip", re.compile(r'"results"\s*:\s*\[')),
    ("clicks", re.compile(r'"(clicked_at|clickedAt|click_time|clickDate|click_date)"')),
    ("twilio", re.compile(r'"(account_sid|num_segments|MessageSid|messaging_service_sid)"')),
    ("smsapi", re.compile(r'"(MsgId|submitted_number|date_sent)"')),
    ("vonage", re.compile(r'"(err-code|network-code|scts|message-timestamp)"')),
    ("infobip", re.compile(r'"(messageId|bulkId)"\s*:.*"(doneAt|sentAt|groupName)"', re.S)),
]
_FORM = [
    ("smpp-dlr", re.compile(r"(^|[?&\s])message_status=.*&id_smsc=|(^|[?&\s])id_smsc=.*&message_status=")),
    # A Twilio log with replies stays a Twilio log: its parser hands the replies to the inbound table.
    ("twilio", re.compile(r"(^|[?&\s])(MessageSid|SmsSid|MessageStatus|SmsStatus)=")),
    (
        "inbound",
        re.compile(
            r"(^|[?&\s])(SmsStatus|MessageStatus)=received(&|$|\s)|(^|[?&\s])text=.*&keyword=|(^|[?&\s])keyword=.*&text="
        ),
    ),
    ("smsapi", re.compile(r"(^|[?&\s])MsgId=")),
    ("vonage", re.compile(r"(^|[?&\s])(messageId|message-timestamp|err-code|network-code)=")),
]


def looks_inbound(body: str) -> bool:
    """Tells whether one callback body (JSON, or a form body; maybe after a logged time) is a reply from a recipient,
    not a delivery report."""
    rules = _JSON_KEYS if re.search(r"(^|\s)[{\[]", body) else _FORM
    return any(fmt == "inbound" and rx.search(body) for fmt, rx in rules)


def detect(path: Path) -> str:
    """Returns the format name of a file, or "unrecognised"."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if head[:4] == b"PAR1":
        return _parquet_kind(path)
    text = head.decode("utf-8", "replace").lstrip("\ufeff")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return "canonical"  # an empty file: nothing to read, whatever its format
    sample = "\n".join(lines[:50])
    if sample[:1] in "{[":
        for fmt, rx in _JSON_KEYS:
            if rx.search(sample):
                return fmt
    if sum(1 for ln in lines[:50] if _RECEIPT.search(ln)) >= max(1, min(len(lines), 50) // 3):
        return "smpp-dlr"
    for fmt, rx in _FORM:
        if sum(1 for ln in lines[:50] if rx.search(ln)) >= max(1, min(len(lines), 50) // 3):
            return fmt
    header = lines[0]
    keys = {header_key(k) for k in header.split(sniff_separator(header))}
    from data.ingest import canonical

    if canonical.looks_like(header, keys):
        return "canonical"
    if ({"sid", "messagesid", "smssid"} & keys) and ({"status"} & keys):
        return "twilio"
    if {"receivedat", "received"} & keys and {"from", "msisdn", "phone", "number"} & keys and {"text", "body"} & keys:
        return "inbound"
    if ({"clickedat", "clicktime", "clickdate", "timestamp", "time"} & keys) and (
        {"messageid", "providermessageid", "linkid", "shortlinkid", "msgid"} & keys
    ):
        return "clicks"
    return "unrecognised"


def _parquet_kind(path: Path) -> str:
    import pyarrow.parquet as pq

    try:
        names = {header_key(n) for n in pq.read_schema(path).names}
    except Exception:  # noqa: BLE001 - unreadable: canonical's parser says why
        return "canonical"
    if "clickedat" in names and "status" not in names:
        return "clicks"
    return "canonical"
