"""Real gateway lines and provider receipts (issue 17, points 1 and 2).

- SMPP receipts inside longer lines: after `=`, inside quotes, after a comma; Jasmin's
  own log lines, whose message id sits in a bracketed field (`[smpp-msgid:…]`).
- Receipts with several times, one of them a placeholder or unreadable: the record is
  imported with its best valid time, and quarantined only when none is left.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.data.ingest.conftest import messages, quarantined, run

UTC = dt.UTC
MID = "a29f6845555647139e5c8f3b817f2c9a"
RECEIPT = f"id:{MID} sub:001 dlvrd:001 submit date:2510141000 done date:2510141001 stat:DELIVRD err:000"


def write(tmp_path, name: str, lines: list[str]):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def warsaw(*args) -> dt.datetime:
    """A wall-clock time in Warsaw in October 2025 (UTC+2), as UTC."""
    return dt.datetime(*args, tzinfo=dt.timezone(dt.timedelta(hours=2))).astimezone(UTC)


def every_line_accounted(summary, lines: int) -> None:
    assert summary.rows_read == lines and summary.accepted + summary.quarantined == lines


# ------------------------------------------------------------------ point 1: receipts inside longer lines


@pytest.mark.parametrize(
    "line",
    [
        f"2025-10-14 10:01:05 [DLR] short_message={RECEIPT} text:HOLA",
        f"2025-10-14 10:01:05 [DLR] short_message='{RECEIPT} text:HOLA'",
        f"2025-10-14 10:01:05 [DLR] short_message='{RECEIPT}'",  # the closing quote right after err
        f'2025-10-14 10:01:05 deliver_sm short_message="{RECEIPT}"',
        f"2025-10-14 10:01:05,DLR,{RECEIPT}",
        f"2025-10-14 10:01:05 deliver_sm(short_message={RECEIPT.replace(' stat:', ' stat:')})",
        # other orders and spellings go through the tolerant parser: the same keys after `=` and quotes
        f"2025-10-14 10:01:05 short_message='stat:DELIVRD err:000 id:{MID} submit_date:2510141000 "
        "done_date:2510141001'",
    ],
)
def test_a_receipt_after_any_non_word_character_is_read(tmp_path, data_dir, line):
    summary = run(data_dir, write(tmp_path, "dlr.log", [line]), fmt="smpp-dlr", provider="plus")
    assert summary.quarantined == 0, quarantined(summary)
    m = messages(data_dir)[f"plus:{MID}"]
    assert (m["status"], m["raw_status"], m["raw_error"]) == ("delivered", "DELIVRD", "000")
    assert m["done_at"] == warsaw(2025, 10, 14, 10, 1)


JASMIN_MT = (
    "2025-10-14 10:00:02 INFO     2214 SMS-MT [cid:smsc1] [queue-msgid:0b5e7c8e-6a2f-4c4f-9a0e-2f1d9c3a7b11] "
    f"[smpp-msgid:{MID}] [status:CommandStatus.ESME_ROK] [prio:0] [dlr:RegisteredDeliveryReceipt.SMSC_DELIVERY_"
    "RECEIPT_REQUESTED] [validity:none] [from:b'SKLEP'] [to:b'48601200001'] [content:b'Promocja -20%']"
)
JASMIN_DLR = (
    f"2025-10-14 10:01:05 INFO     2214 DLR [cid:smsc1] [smpp-msgid:{MID}] [status:DELIVRD] "
    "[submit date:2510141000] [done date:2510141001] [sub/dlvrd messages:001/001] [err:000] [content:b'Promocja']"
)


def test_jasmin_log_lines_are_read_by_their_bracketed_message_id(tmp_path, data_dir):
    lines = [
        JASMIN_MT,
        JASMIN_DLR,
        JASMIN_DLR.replace(MID, "5f1a0002").replace("DELIVRD", "UNDELIV").replace("[err:000]", "[err:00B]"),
        # inbound: not a receipt, though it has a status field
        "2025-10-14 10:02:00 INFO     2214 SMS-MO [cid:smsc1] [queue-msgid:9d2c1b7e-1111-4c4f-9a0e-2f1d9c3a7b11] "
        "[status:CommandStatus.ESME_ROK] [prio:0] [validity:none] [from:b'48601200009'] [to:b'SKLEP'] "
        "[content:b'STOP']",
        # refused by the SMSC: no SMSC id to follow
        "2025-10-14 10:00:03 INFO     2214 SMS-MT [cid:smsc1] [queue-msgid:7e1a] [status:ERROR/ESME_RTHROTTLED] "
        "[retry:1] [prio:0] [dlr:x] [validity:none] [from:b'SKLEP'] [to:b'48601200003'] [content:b'x']",
        "2025-10-14 10:03:00 ERROR    2214 [msgid:5f1a0004] (final) DLRMapNotFound: Got a DLR for an unknown message id",
    ]
    summary = run(data_dir, write(tmp_path, "messages.log", lines), fmt="smpp-dlr", provider="plus")
    every_line_accounted(summary, 6)
    m = messages(data_dir)
    assert set(m) == {f"plus:{MID}", "plus:5f1a0002"}  # never the queue's own id
    one = m[f"plus:{MID}"]
    assert (one["status"], one["msisdn"], one["sender"]) == ("delivered", "+48601200001", "SKLEP")
    assert one["created_at"] == warsaw(2025, 10, 14, 10, 0, 2) and one["done_at"] == warsaw(2025, 10, 14, 10, 1)
    two = m["plus:5f1a0002"]
    assert (two["status"], two["reason"], two["raw_error"]) == ("not_sent", "invalid_number", "00B")
    reasons = {q["line"]: q["reason"] for q in quarantined(summary)}
    assert set(reasons) == {5, 6}  # line 4, the SMS-MO, is a reply: the inbound table
    assert "SMS-MT without smpp-msgid" in reasons[5] and "no stat" in reasons[6]
    assert summary.inbound_new == 1


def test_a_kannel_receipt_without_id_is_read_by_its_fid(tmp_path, data_dir):
    line = (
        "2025-10-14 10:01:05 Receive DLR [SMSC:plus] [SVC:] [ACT:] [BINF:] [FID:1A2B3C01] [META:] "
        "[from:48601200001] [to:SKLEP] [flags:-1:-1:-1:-1:1] [msg:84:sub:001 dlvrd:001 submit date:2510141000 "
        "done date:2510141001 stat:DELIVRD err:000 text:Hello] [udh:0:]"
    )
    summary = run(data_dir, write(tmp_path, "access.log", [line]), fmt="smpp-dlr", provider="plus")
    assert summary.quarantined == 0, quarantined(summary)
    m = messages(data_dir)["plus:1A2B3C01"]
    assert (m["status"], m["msisdn"], m["sender"]) == ("delivered", "+48601200001", "SKLEP")


# ------------------------------------------------------------------ point 2: several times in one receipt

NOW_OK = "2025-10-17 12:01:03"


def vonage(scts: str, stamp: str | None, mid: str = "0A00000012345601") -> str:
    line = f"GET /webhooks/delivery-receipt?msisdn=48601600001&to=SKLEP&messageId={mid}&status=delivered&scts={scts}"
    return line + ("" if stamp is None else f"&err-code=0&message-timestamp={stamp.replace(' ', '+')}")


@pytest.mark.parametrize(
    ("fmt", "lines", "done"),
    [
        # Vonage: scts (the carrier's receipt time) wins; its documented placeholder gives way to message-timestamp
        ("vonage", [vonage("1234567890", NOW_OK)], dt.datetime(2025, 10, 17, 12, 1, 3, tzinfo=UTC)),
        ("vonage", [vonage("0", NOW_OK)], dt.datetime(2025, 10, 17, 12, 1, 3, tzinfo=UTC)),
        ("vonage", [vonage("2510171201", "0000-00-00 00:00:00")], dt.datetime(2025, 10, 17, 12, 1, tzinfo=UTC)),
        ("vonage", [vonage("2510171201", "1970-01-01 00:00:00")], dt.datetime(2025, 10, 17, 12, 1, tzinfo=UTC)),
        # Twilio: RawDlrDoneDate, else the callback's own (logged) time
        (
            "twilio",
            [
                "2025-10-15T11:00:09Z POST /twilio/status MessageSid=SM01&MessageStatus=delivered"
                "&To=%2B48601300021&RawDlrDoneDate=9999999999"
            ],
            dt.datetime(2025, 10, 15, 11, 0, 9, tzinfo=UTC),
        ),
        (
            "twilio",
            [
                "2025-13-45T11:00:09Z POST /twilio/status MessageSid=SM01&MessageStatus=delivered"
                "&To=%2B48601300021&RawDlrDoneDate=2510151100"
            ],
            dt.datetime(2025, 10, 15, 11, 0, tzinfo=UTC),
        ),
        # Infobip: doneAt, else (no logged time) sentAt
        (
            "infobip",
            [
                '{"results": [{"messageId": "41000001", "to": "48601100001", "sentAt": "2025-10-20T10:00:00.000+0000",'
                ' "doneAt": "1970-01-01T00:00:00.000+0000", "status": {"name": "DELIVERED_TO_HANDSET"}}]}'
            ],
            dt.datetime(2025, 10, 20, 10, 0, tzinfo=UTC),
        ),
        (
            "infobip",
            [
                '2025-10-20T10:00:07Z {"results": [{"messageId": "41000001", "to": "48601100001", '
                '"sentAt": "2025-10-20T10:00:00.000+0000", "doneAt": "n/a", "status": {"name": "DELIVERED_TO_HANDSET"}}]}'
            ],
            dt.datetime(2025, 10, 20, 10, 0, 7, tzinfo=UTC),
        ),
        # SMSAPI: donedate, else the logged time of the callback
        (
            "smsapi",
            ["2025-10-18T09:00:10Z GET /cb?MsgId=68F0A1&status=404&donedate=0&to=48601500001"],
            dt.datetime(2025, 10, 18, 9, 0, 10, tzinfo=UTC),
        ),
        # SMPP: done date, else the log line's time, else the submit date
        (
            "smpp-dlr",
            [f"id:{MID} sub:001 dlvrd:001 submit date:2510141000 done date:9912312359 stat:DELIVRD err:000"],
            warsaw(2025, 10, 14, 10, 0),
        ),
        (
            "smpp-dlr",
            [f"2025-10-14 10:01:05 id:{MID} sub:001 dlvrd:001 submit date:2510141000 done date:25101410 stat:DELIVRD"],
            warsaw(2025, 10, 14, 10, 1, 5),
        ),
        # canonical: done_at, else the other columns
        (
            "canonical",
            [
                "message_id;provider;msisdn;created_at;done_at;raw_status",
                "m-1;smsapi;48601100001;2025-10-20T10:00:00+02:00;yesterday;DELIVRD",
            ],
            dt.datetime(2025, 10, 20, 8, 0, tzinfo=UTC),
        ),
    ],
)
def test_a_bad_time_gives_way_to_a_good_one(tmp_path, data_dir, fmt, lines, done):
    name = "in.csv" if fmt == "canonical" else ("in.jsonl" if fmt == "infobip" else "in.log")
    summary = run(data_dir, write(tmp_path, name, lines), fmt=fmt, provider="plus")
    assert summary.quarantined == 0, quarantined(summary)
    (m,) = messages(data_dir).values()
    assert m["status"] == "delivered" and m["done_at"] == done
    assert any("another of their times used" in note for note in summary.files[0].notes)


@pytest.mark.parametrize(
    ("fmt", "line", "reason"),
    [
        ("vonage", vonage("1234567890", "0000-00-00 00:00:00"), "done_at is not a time: 1234567890"),
        ("vonage", vonage("1234567890", None), "done_at is not a time: 1234567890"),
        (
            "twilio",
            "POST /twilio/status MessageSid=SM01&MessageStatus=delivered&To=%2B48601300021&RawDlrDoneDate=0",
            "done_at is not a time: 0",
        ),
        (
            "infobip",
            '{"results": [{"messageId": "41000001", "to": "48601100001", "sentAt": "0", "doneAt": "1970-01-01T00:00:00Z",'
            ' "status": {"name": "DELIVERED_TO_HANDSET"}}]}',
            "created_at is not a time: 0",  # sentAt, read as created_at too
        ),
        ("smsapi", "GET /cb?MsgId=68F0A1&status=404&donedate=0&to=48601500001", "done_at is not a time: 0"),
        (
            "smpp-dlr",
            f"id:{MID} sub:001 dlvrd:001 submit date:0000000000 done date:1234567890 stat:DELIVRD err:000",
            "submit date is not YYMMDDhhmm[ss]",
        ),
        (
            "smpp-dlr",
            f"id:{MID} sub:001 dlvrd:001 submit date:9901010000 done date:9912312359 stat:DELIVRD err:000",
            "sent_at is before 2000",
        ),
    ],
)
def test_a_receipt_without_any_valid_time_is_quarantined_with_the_reason(tmp_path, data_dir, fmt, line, reason):
    name = "in.jsonl" if fmt == "infobip" else "in.log"
    summary = run(data_dir, write(tmp_path, name, [line]), fmt=fmt, provider="plus")
    (issue,) = quarantined(summary)
    assert issue["line"] == 1 and issue["reason"].startswith(reason), issue
    assert messages(data_dir) == {}


def test_canonical_row_without_any_valid_time_is_quarantined(tmp_path, data_dir):
    lines = ["message_id;provider;msisdn;created_at;done_at;raw_status", "m-1;smsapi;48601100001;0;soon;DELIVRD"]
    summary = run(data_dir, write(tmp_path, "in.csv", lines), fmt="canonical")
    (issue,) = quarantined(summary)
    assert (issue["line"], issue["reason"]) == (2, "created_at is not a time (ISO 8601)")
