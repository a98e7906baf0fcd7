"""Every sample file (tests/samples/ingest, written from the providers' documentation)
imports with the expected status and reason of each message."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from data.ingest import detect
from tests.data.ingest.conftest import SAMPLES, clicks, messages, quarantined, run

UTC = dt.UTC

# file -> (format auto-detected, {message_id: (status, reason)}, quarantine reasons)
EXPECTED = {
    "canonical.csv": (
        "canonical",
        {
            "c-0001": ("delivered", None),
            "c-0002": ("delivered", None),
            "c-0003": ("undelivered", "absent_subscriber"),
            "c-0004": ("expired", "expired_validity"),
            "c-0005": ("not_sent", "invalid_number"),
            "c-0006": ("pending", None),  # status from raw ENROUTE
            "c-0007": ("delivered", None),
            "c-0008": ("delivered", None),
        },
        [],
    ),
    "smpp_kannel.log": (
        "smpp-dlr",
        {
            "plus:1A2B3C01": ("delivered", None),
            "plus:1A2B3C02": ("undelivered", "absent_subscriber"),
            "plus:1A2B3C03": ("expired", "expired_validity"),  # EXPIRED wins over a later line's ENROUTE
            "plus:1A2B3C04": ("undelivered", "landline_unsupported"),
            "plus:1A2B3C05": ("failed", "platform_error"),  # FAILED Send SMS
        },
        [],  # its Receive SMS line (a STOP) goes to the inbound table
    ),
    "smpp_receipts.log": (
        "smpp-dlr",
        {
            "plus:0000000101": ("delivered", None),
            "plus:0000000102": ("not_sent", "invalid_number"),
            "plus:0000000103": ("expired", "expired_validity"),
            "plus:0000000104": ("rejected", "barred_or_opted_out"),
            "plus:0000000105": ("undelivered", "unknown_subscriber"),
            "plus:0000000106": ("failed", "platform_error"),
            "plus:0000000107": ("unknown", "no_dlr"),
            "plus:0000000108": ("unknown", None),
            "plus:0000000109": ("delivered", None),
            "plus:0000000110": ("pending", None),
        },
        [],
    ),
    "jasmin_dlr.log": (
        "smpp-dlr",
        {
            "plus:3a2b0001": ("delivered", None),
            "plus:3a2b0002": ("rejected", "barred_or_opted_out"),
        },
        [],
    ),
    "twilio_messages.csv": (
        "twilio",
        {
            "twilio:SM00000000000000000000000000000001": ("delivered", None),
            "twilio:SM00000000000000000000000000000002": ("undelivered", "absent_subscriber"),
            "twilio:SM00000000000000000000000000000004": ("rejected", "carrier_filtered"),
        },
        ["update of a message the lake does not have, and no time to place it"],  # the STOP reply: inbound table
    ),
    "twilio_messages.json": (
        "twilio",
        {
            "twilio:SM00000000000000000000000000000011": ("delivered", None),
            "twilio:SM00000000000000000000000000000012": ("undelivered", "unknown_subscriber"),
            "twilio:SM00000000000000000000000000000013": ("pending", None),
        },
        [],
    ),
    "twilio_callbacks.log": (
        "twilio",
        {
            "twilio:SM00000000000000000000000000000021": ("delivered", None),  # logged before queued/sent
            "twilio:SM00000000000000000000000000000022": ("undelivered", "landline_unsupported"),
            "twilio:SM00000000000000000000000000000023": ("pending", None),  # "sent": waiting for a receipt
        },
        [],
    ),
    "infobip_reports.json": (
        "infobip",
        {
            "infobip:3000000000000000001": ("delivered", None),
            "infobip:3000000000000000002": ("rejected", "barred_or_opted_out"),
            "infobip:3000000000000000003": ("expired", "expired_validity"),
            "infobip:3000000000000000004": ("not_sent", "invalid_number"),
        },
        [],
    ),
    "infobip_reports_v3.jsonl": (
        "infobip",
        {
            "infobip:3000000000000000011": ("delivered", None),
            "infobip:3000000000000000012": ("rejected", "sender_compliance"),
            "infobip:3000000000000000013": ("pending", None),
            "infobip:3000000000000000014": ("unknown", None),  # a status name not in the table
        },
        [],
    ),
    "smsapi_callbacks.log": (
        "smsapi",
        {
            "smsapi:68F0A1B20000000000000001": ("delivered", None),
            "smsapi:68F0A1B20000000000000002": ("undelivered", None),
            "smsapi:68F0A1B20000000000000003": ("expired", "expired_validity"),
            "smsapi:68F0A1B20000000000000004": ("pending", None),
            "smsapi:68F0A1B20000000000000005": ("rejected", None),
        },
        [],
    ),
    "smsapi_reports.jsonl": (
        "smsapi",
        {
            "smsapi:68F0A1B20000000000000011": ("pending", None),
            "smsapi:68F0A1B20000000000000012": ("delivered", None),
        },
        [],
    ),
    "vonage_dlr.log": (
        "vonage",
        {
            "vonage:0A00000012345601": ("delivered", None),
            "vonage:0A00000012345602": ("rejected", "carrier_filtered"),
            "vonage:0A00000012345603": ("pending", None),
        },
        [],
    ),
    "vonage_dlr.jsonl": (
        "vonage",
        {
            "vonage:0A00000012345611": ("expired", "expired_validity"),
            "vonage:0A00000012345612": ("not_sent", "invalid_number"),
        },
        [],
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_imports_with_expected_statuses(data_dir, name):
    fmt, want, reasons = EXPECTED[name]
    assert detect(SAMPLES / name) == fmt
    summary = run(data_dir, name, provider="plus" if fmt == "smpp-dlr" else None)
    got = {mid: (m["status"], m["reason"]) for mid, m in messages(data_dir).items()}
    assert got == want
    assert sorted(q["reason"] for q in quarantined(summary)) == sorted(reasons)
    assert summary.quarantined == len(reasons)
    assert summary.messages_new == len(want)
    for m in messages(data_dir).values():  # raw values are kept
        assert m["raw_status"] is not None or m["status"] == "failed"


def test_raw_values_and_details_are_kept(data_dir):
    run(
        data_dir,
        "smpp_receipts.log",
        "twilio_messages.json",
        "infobip_reports.json",
        "vonage_dlr.log",
        "smsapi_callbacks.log",
        provider="plus",
    )
    m = messages(data_dir)
    hexa = m["plus:0000000104"]
    assert (hexa["raw_status"], hexa["raw_error"]) == ("UNDELIV", "0x0D")  # as written; read as 13 = call barred
    assert m["plus:0000000102"]["done_at"] == dt.datetime(2025, 10, 14, 8, 5, 12, tzinfo=UTC)  # 12-digit date, Warsaw
    tw = m["twilio:SM00000000000000000000000000000012"]
    assert (tw["raw_status"], tw["raw_error"], tw["msisdn"], tw["price"], tw["currency"]) == (
        "undelivered",
        "30005",
        "+48601300012",
        0.045,
        "USD",
    )
    assert tw["created_at"] == dt.datetime(2025, 10, 15, 10, 0, tzinfo=UTC)  # RFC 2822
    ib = m["infobip:3000000000000000002"]
    assert (ib["raw_status"], ib["raw_error"], ib["segments"], ib["price"]) == (
        "UNDELIVERABLE_NOT_DELIVERED",
        "EC_CALL_BARRED",
        2,
        pytest.approx(0.218),
    )
    assert m["infobip:3000000000000000001"]["operator"] == "Orange"  # mccMnc 26003
    vn = m["vonage:0A00000012345602"]
    assert (vn["raw_error"], vn["campaign_label"], vn["operator"], vn["sender"]) == ("6", "newsletter", "Plus", "SKLEP")
    sa = m["smsapi:68F0A1B20000000000000001"]
    assert (sa["raw_status"], sa["done_at"], sa["operator"]) == (
        "404",
        dt.datetime(2025, 10, 18, 9, 0, 10, tzinfo=UTC),
        "Play",
    )  # unix time; mcc 260 mnc 6


def test_kannel_submission_and_receipt_make_one_message(data_dir):
    summary = run(data_dir, "smpp_kannel.log", provider="plus")
    m = messages(data_dir)["plus:1A2B3C01"]
    assert m["msisdn"] == "+48601200001" and m["sender"] == "SKLEP"  # from the Sent SMS line
    assert (m["encoding"], m["segments"]) == ("gsm7", 1)  # computed from the text
    assert m["created_at"] == dt.datetime(2025, 10, 14, 7, 0, 1, tzinfo=UTC)  # the Sent SMS time, not the receipt's
    assert messages(data_dir)["plus:1A2B3C03"]["msisdn"] == "+48601200003"  # "601200003": national, region PL
    assert summary.updates_folded == 5


def test_canonical_fills_country_operator_segments_and_creates_the_dispatch(data_dir):
    summary = run(data_dir, "canonical.csv")
    m = messages(data_dir)
    first = m["c-0001"]
    assert (first["msisdn"], first["country"], first["operator"]) == ("+48601100001", "PL", "Plus")
    assert (first["encoding"], first["segments"]) == ("ucs2", 1)  # from the text: Polish letters, 69 characters
    assert m["c-0002"]["msisdn"] == "+48601100002"  # "601 100 002"
    assert m["c-0003"]["msisdn"] == "+48601100003"  # "0048..."
    assert m["c-0004"]["msisdn"] == "+48601100004"  # "48..." without +
    assert (m["c-0005"]["msisdn"], m["c-0005"]["operator"]) == ("+4860110000", None)  # too short: kept, no operator
    assert m["c-0007"]["created_at"] == dt.datetime(2025, 10, 21, 10, 0, tzinfo=UTC)  # no offset: Warsaw time
    assert (m["c-0007"]["source"], m["c-0007"]["campaign_label"]) == ("api", "Potwierdzenie zamówienia")
    assert summary.dispatches_new == 1
    dispatches = pq.read_table(data_dir / "lake" / "dispatches" / "dispatches.parquet").to_pylist()
    assert [(d["dispatch_id"], d["number"], d["name"], d["recipient_group"], d["sender"]) for d in dispatches] == [
        ("oct-sale", 1, "Wyprzedaż jesienna", "Klienci VIP", "SKLEP")
    ]
    assert dispatches[0]["message_text"].startswith("Wyprzedaż jesienna: -30%")


def test_canonical_parquet_reads_like_csv(data_dir, tmp_path):
    table = pcsv.read_csv(
        SAMPLES / "canonical.csv",
        parse_options=pcsv.ParseOptions(delimiter=";"),
        convert_options=pcsv.ConvertOptions(column_types={"msisdn": "string", "raw_error": "string"}),
    )
    pq.write_table(table, tmp_path / "canonical.parquet")
    assert detect(tmp_path / "canonical.parquet") == "canonical"
    run(data_dir, tmp_path / "canonical.parquet")
    run(tmp_path / "other", "canonical.csv")
    assert messages(data_dir) == messages(tmp_path / "other")


def test_canonical_parquet_with_or_without_dictionaries_and_row_groups(data_dir, tmp_path):
    """A Parquet file stored with dictionaries and small row groups reads like one without: untidy values
    (blanks around them, other case, empty) come out the same."""
    table = pcsv.read_csv(
        SAMPLES / "canonical.csv",
        parse_options=pcsv.ParseOptions(delimiter=";"),
        convert_options=pcsv.ConvertOptions(column_types={"msisdn": "string", "raw_error": "string"}),
    )
    untidy = {
        "status": lambda v: f" {v.upper()} " if v else "",
        "country": lambda v: f"{v.lower()} " if v else v,
        "dispatch_id": lambda v: f"  {v}" if v else " ",
    }
    for name, fn in untidy.items():
        if name in table.column_names:
            table = table.set_column(
                table.schema.get_field_index(name),
                name,
                pa.array([fn(v) for v in table[name].to_pylist()], pa.string()),
            )
    pq.write_table(table, tmp_path / "dictionaries.parquet", row_group_size=3)
    pq.write_table(table, tmp_path / "plain.parquet", use_dictionary=False)
    one = run(data_dir, tmp_path / "dictionaries.parquet")
    other = run(tmp_path / "other", tmp_path / "plain.parquet")
    assert messages(data_dir) == messages(tmp_path / "other")
    assert sorted(q["reason"] for q in quarantined(one)) == sorted(q["reason"] for q in quarantined(other))
    assert one.messages_new == other.messages_new > 0


def test_clicks_by_id_provider_id_and_short_link(data_dir):
    run(data_dir, "canonical.csv")
    summary = run(data_dir, "clicks.csv", "clicks.jsonl", links="links.csv")
    got = sorted((c["message_id"], c["clicked_at"].isoformat(), c["is_bot"]) for c in clicks(data_dir))
    assert got == [
        ("c-0001", "2025-10-20T08:00:09+00:00", True),  # 4 s after delivery: a scanner
        ("c-0001", "2025-10-20T08:25:31+00:00", False),
        ("c-0002", "2025-10-20T08:30:00+00:00", True),  # link preview
        ("c-0002", "2025-10-20T09:02:00+00:00", False),  # by the provider's id
        ("c-0006", "2025-10-20T10:00:00+00:00", False),  # by short link
    ]
    assert sorted(q["reason"] for q in quarantined(summary)) == [
        "unknown message id",
        "unknown short-link id (not in --links)",
    ]
    assert (summary.clicks_new, summary.clicks_bots) == (5, 2)
    again = run(data_dir, "clicks.csv", "clicks.jsonl", links="links.csv")
    assert (again.clicks_new, again.clicks_unchanged) == (0, 5)
    assert len(clicks(data_dir)) == 5


def test_an_empty_user_agent_stays_empty_and_is_a_bot_while_none_is_not_known(data_dir, tmp_path):
    # hours after delivery, so only the user agent decides
    run(data_dir, "canonical.csv")
    (tmp_path / "empty.csv").write_text(
        "message_id,clicked_at,user_agent\nc-0001,2025-10-20T15:00:00+02:00,\nc-0001,2025-10-20T15:01:00+02:00,null\n"
    )
    (tmp_path / "empty.jsonl").write_text(
        '{"message_id": "c-0001", "clicked_at": "2025-10-20T16:00:00+02:00", "user_agent": ""}\n'
        '{"message_id": "c-0001", "clicked_at": "2025-10-20T16:01:00+02:00", "user_agent": " "}\n'
        '{"message_id": "c-0001", "clicked_at": "2025-10-20T16:02:00+02:00", "user_agent": null}\n'
        '{"message_id": "c-0001", "clicked_at": "2025-10-20T16:03:00+02:00"}\n'
    )
    (tmp_path / "no_agent.csv").write_text("message_id,clicked_at\nc-0001,2025-10-20T17:00:00+02:00\n")
    summary = run(data_dir, tmp_path / "empty.csv", tmp_path / "empty.jsonl", tmp_path / "no_agent.csv")
    got = sorted((c["clicked_at"].isoformat()[11:16], c["user_agent"], c["is_bot"]) for c in clicks(data_dir))
    assert got == [
        ("13:00", "", True),  # an empty cell of the user-agent column: the client sent an empty header
        ("13:01", None, False),  # "null": not known
        ("14:00", "", True),
        ("14:01", "", True),
        ("14:02", None, False),
        ("14:03", None, False),
        ("15:00", None, False),  # the file has no user agents at all
    ]
    assert (summary.clicks_new, summary.clicks_bots) == (7, 3)
