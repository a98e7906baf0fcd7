"""Replies (inbound SMS) into the lake's inbound table: the shapes read, the keyword decided, a bad line
quarantined with its line number, and a second import of the same file changing nothing."""

from __future__ import annotations

import pyarrow.compute as pc

from data.ingest.formats import detect
from data.ingest.inbound import read_inbound
from data.lake import Lake
from tests.data.ingest.conftest import lake_files, quarantined, run

CSV = """from,text,received_at,id
+48601000001,STOP,2025-10-20T10:00:00Z,r1
48601000002, rezygnuję! ,2025-10-20 12:00:00,r2
601000003,Dziękuję,2025-10-21T10:00:00Z,r3
,STOP,2025-10-21T10:00:00Z,r4
+48601000005,Nie,not a time,r5
+48601000006,nie wiem,2025-10-22T08:00:00Z,r6
"""

CALLBACKS = "\n".join(
    [
        "2025-10-20T09:00:00Z POST /twilio/inbound ToCountry=PL&SmsSid=SM1&SmsStatus=received&Body=Stop"
        "&From=%2B48601000011&To=%2B48500000000&MessageSid=SM1&AccountSid=AC1",
        '{"msisdn": "48601000012", "to": "48500000000", "messageId": "V1", "text": "NIE", "type": "text",'
        ' "keyword": "NIE", "message-timestamp": "2025-10-20 09:30:00"}',
        '{"results": [{"messageId": "I1", "from": "48601000013", "to": "48500000000", "text": "REZYGNUJE",'
        ' "cleanText": "", "keyword": "REZYGNUJE", "receivedAt": "2025-10-20T09:45:00.000+0000"}]}',
        "2025-10-20T09:50:00Z POST /twilio/status MessageSid=SM2&MessageStatus=delivered&To=%2B48601000014",
    ]
)


def test_csv_replies_with_keywords_and_quarantined_lines(data_dir, tmp_path):
    path = tmp_path / "replies.csv"
    path.write_text(CSV, encoding="utf-8")
    assert detect(path) == "inbound"
    summary = run(data_dir, path)
    assert summary.inbound_new == 4 and summary.optouts_new == 2
    bad = {q["line"]: q["reason"] for q in quarantined(summary)}
    assert set(bad) == {5, 6}  # the header is line 1
    assert "sender's number" in bad[5] and "not a time" in bad[6]
    rows = {r["inbound_id"]: r for r in read_inbound(Lake(data_dir / "lake")).to_pylist()}
    by_number = {r["msisdn"]: r for r in rows.values()}
    assert by_number["+48601000001"]["keyword"] == "STOP"
    assert by_number["+48601000002"]["keyword"] == "REZYGNUJE"  # diacritics, case, blanks and "!" ignored
    assert by_number["+48601000003"]["keyword"] is None  # a thank-you is no opt-out
    assert by_number["+48601000006"]["keyword"] is None  # "nie wiem" is not the keyword "NIE"
    # a time without an offset is the reporting zone's (Warsaw, UTC+2 in October)
    assert by_number["+48601000002"]["received_at"].isoformat() == "2025-10-20T10:00:00+00:00"


def test_reimport_changes_nothing(data_dir, tmp_path):
    path = tmp_path / "replies.csv"
    path.write_text(CSV, encoding="utf-8")
    run(data_dir, path)
    before = lake_files(data_dir)
    again = run(data_dir, path)
    assert again.inbound_new == 0 and again.inbound_unchanged == 4
    assert lake_files(data_dir) == before


def test_provider_callbacks(data_dir, tmp_path):
    path = tmp_path / "inbound.log"
    path.write_text(CALLBACKS + "\n", encoding="utf-8")
    summary = run(data_dir, path, fmt="inbound")
    table = read_inbound(Lake(data_dir / "lake"))
    got = {r["provider"]: r for r in table.to_pylist()}
    assert set(got) == {"twilio", "vonage", "infobip"}
    assert got["twilio"]["msisdn"] == "+48601000011" and got["twilio"]["keyword"] == "STOP"
    assert got["twilio"]["received_at"].isoformat() == "2025-10-20T09:00:00+00:00"  # the logged time
    assert got["vonage"]["received_at"].isoformat() == "2025-10-20T09:30:00+00:00"  # Vonage's UTC
    assert got["infobip"]["inbound_id"] == "infobip:I1" and got["infobip"]["keyword"] == "REZYGNUJE"
    assert [q["line"] for q in quarantined(summary)] == [4]  # a delivery receipt is no reply
    assert pc.count(table["keyword"]).as_py() == 3


def test_a_twilio_logs_reply_goes_to_the_inbound_table(data_dir):
    summary = run(data_dir, "twilio_messages.csv")
    assert summary.inbound_new == 1 and summary.optouts_new == 1
    (reply,) = read_inbound(Lake(data_dir / "lake")).to_pylist()
    assert (reply["inbound_id"], reply["msisdn"], reply["recipient"], reply["keyword"]) == (
        "twilio:SM00000000000000000000000000000005",
        "+48601300001",  # who replied: the recipient of SM...01
        "+48799000111",
        "STOP",
    )
    assert reply["received_at"].isoformat() == "2025-10-15T09:00:00+00:00"
    assert "inbound message" not in " ".join(q["reason"] for q in quarantined(summary))


def test_a_gateway_logs_replies_go_to_the_inbound_table(data_dir, tmp_path):
    jasmin = tmp_path / "jasmin.log"
    jasmin.write_text(
        "2025-10-14 10:02:00 INFO     2214 SMS-MO [cid:smsc1] [queue-msgid:9d2c] [status:CommandStatus.ESME_ROK] "
        "[prio:0] [validity:none] [from:b'48601200009'] [to:b'SKLEP'] [content:b'Stop']\n",
        encoding="utf-8",
    )
    summary = run(data_dir, "smpp_kannel.log", jasmin, fmt="smpp-dlr", provider="plus")
    assert summary.inbound_new == 2 and summary.optouts_new == 2
    assert not [q for q in quarantined(summary) if "inbound" in q["reason"]]
    got = {r["msisdn"]: r for r in read_inbound(Lake(data_dir / "lake")).to_pylist()}
    kannel, mo = got["+48601200001"], got["+48601200009"]
    assert (kannel["text"], kannel["recipient"], kannel["keyword"]) == ("STOP", "8080", "STOP")
    assert kannel["received_at"].isoformat() == "2025-10-14T07:05:00+00:00"  # the log's local time (Warsaw)
    assert (mo["inbound_id"], mo["text"], mo["recipient"], mo["keyword"]) == ("plus:9d2c", "Stop", "SKLEP", "STOP")


def test_a_twilio_callback_log_with_replies_stays_a_twilio_log(data_dir, tmp_path):
    path = tmp_path / "twilio.log"
    path.write_text(
        "2025-10-20T09:00:00Z POST /twilio/status MessageSid=SM9&MessageStatus=delivered&To=%2B48601000014\n"
        "2025-10-20T09:05:00Z POST /twilio/inbound SmsSid=SM8&SmsStatus=received&Body=STOP&From=%2B48601000014"
        "&To=%2B48500000000&MessageSid=SM8&AccountSid=AC1\n",
        encoding="utf-8",
    )
    assert detect(path) == "twilio"
    summary = run(data_dir, path)
    assert (summary.quarantined, summary.messages_new, summary.inbound_new) == (0, 1, 1)
    (reply,) = read_inbound(Lake(data_dir / "lake")).to_pylist()
    assert (reply["inbound_id"], reply["msisdn"], reply["keyword"]) == ("twilio:SM8", "+48601000014", "STOP")
    assert reply["received_at"].isoformat() == "2025-10-20T09:05:00+00:00"
