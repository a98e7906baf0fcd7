"""The malformed inputs of the issue, for every format: never an exception, never a line lost.

Empty file, binary garbage, a truncated last line, Windows line endings, cp1250 and
UTF-8 with BOM, numbers in local format, unknown status codes, dates in the future,
duplicate ids.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tests.data.ingest.conftest import NOW, clicks, messages, quarantined, run
from tests.data.ingest.writers import FORMATS, LABEL, MESSAGE_FORMATS, line, message_id, text

ALL = list(FORMATS)


def write(tmp_path, fmt: str, content: str | bytes, name: str = "input") -> object:
    path = tmp_path / f"{name}{FORMATS[fmt][0]}"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def load(data_dir, fmt, *paths, **kw):
    if fmt == "clicks":
        run(data_dir, "canonical.csv")  # the messages the clicks belong to
    return run(data_dir, *paths, fmt=kw.pop("as_format", fmt), provider="plus", **kw)


def state(data_dir, fmt):
    if fmt == "clicks":
        return sorted((c["message_id"], c["clicked_at"], c["user_agent"], c["is_bot"]) for c in clicks(data_dir))
    return messages(data_dir)


@pytest.mark.parametrize("fmt", ALL)
@pytest.mark.parametrize("as_format", ["given", "auto"])
def test_empty_file(tmp_path, data_dir, fmt, as_format):
    path = write(tmp_path, fmt, b"")
    summary = load(data_dir, fmt, path, as_format=fmt if as_format == "given" else "auto")
    assert (summary.rows_read, summary.quarantined, summary.messages_new) == (0, 0, 0)
    assert "empty file" in summary.files[-1].notes


@pytest.mark.parametrize("fmt", ALL)
def test_binary_garbage_is_quarantined_line_by_line(tmp_path, data_dir, fmt):
    rng = random.Random(fmt)
    garbage = bytes(rng.randrange(256) for _ in range(3000))
    good = text(fmt, [line(fmt, 1)]).encode("utf-8")
    path = write(tmp_path, fmt, good + garbage + b"\n" + line(fmt, 2).encode("utf-8") + b"\n")
    summary = load(data_dir, fmt, path)
    issues = quarantined(summary)
    assert issues and all(q["reason"] for q in issues)
    lines = (good + garbage + b"\n").split(b"\n")
    garbage_lines = {i for i, raw in enumerate(lines, start=1) if raw.strip() and i > len(good.split(b"\n")) - 1}
    assert garbage_lines <= {q["line"] for q in issues}  # every garbage line is in the quarantine
    if fmt != "clicks":
        assert {message_id(fmt, 1), message_id(fmt, 2)} <= set(messages(data_dir))  # the good lines around it count


@pytest.mark.parametrize("fmt", ALL)
def test_truncated_last_line(tmp_path, data_dir, fmt):
    records = [line(fmt, i) for i in range(1, 4)]
    cut = line(fmt, 4)[: len(line(fmt, 4)) // 3]  # the file was copied while the log was being written
    content = text(fmt, records) + cut
    summary = load(data_dir, fmt, write(tmp_path, fmt, content))
    issues = quarantined(summary)
    assert len(issues) == 1 and "truncated last line" in issues[0]["reason"], issues
    assert issues[0]["raw"] == cut
    if fmt != "clicks":
        assert set(messages(data_dir)) == {message_id(fmt, i) for i in range(1, 4)}
    else:
        assert len(clicks(data_dir)) == 3


@pytest.mark.parametrize("fmt", ALL)
def test_a_complete_last_line_without_newline_is_read(tmp_path, data_dir, fmt):
    content = text(fmt, [line(fmt, i) for i in range(1, 4)], final_newline=False)
    summary = load(data_dir, fmt, write(tmp_path, fmt, content))
    assert summary.quarantined == 0
    assert (summary.messages_new if fmt != "clicks" else summary.clicks_new) == 3


@pytest.mark.parametrize("fmt", ALL)
def test_windows_line_endings_read_like_unix(tmp_path, fmt):
    records = [line(fmt, i, label=LABEL) for i in range(1, 5)]
    unix, windows = tmp_path / "unix", tmp_path / "windows"
    a = load(unix, fmt, write(tmp_path, fmt, text(fmt, records), "lf"))
    b = load(windows, fmt, write(tmp_path, fmt, text(fmt, records, newline="\r\n"), "crlf"))
    assert a.quarantined == b.quarantined == 0
    assert state(unix, fmt) == state(windows, fmt) and state(unix, fmt)


@pytest.mark.parametrize("fmt", ALL)
@pytest.mark.parametrize("encoding", ["cp1250", "utf-8-sig"])
def test_cp1250_and_utf8_bom_read_like_utf8(tmp_path, fmt, encoding):
    records = [line(fmt, i, label=LABEL) for i in range(1, 5)]
    content = text(fmt, records)
    plain, other = tmp_path / "utf8", tmp_path / encoding
    a = load(plain, fmt, write(tmp_path, fmt, content.encode("utf-8"), "utf8"))
    b = load(other, fmt, write(tmp_path, fmt, content.encode(encoding), encoding))
    assert a.quarantined == b.quarantined == 0
    assert state(plain, fmt) == state(other, fmt)
    found = state(other, fmt)
    if fmt == "clicks":
        assert all(LABEL in c[2] for c in found)
    else:
        assert all(LABEL in (m["campaign_label"] or m["sender"] or "") for m in found.values())


@pytest.mark.parametrize("fmt", MESSAGE_FORMATS)
def test_numbers_in_local_format(tmp_path, data_dir, fmt):
    records = [
        line(fmt, 1, number="600 100 200"),
        line(fmt, 2, number="0048600100201"),
        line(fmt, 3, number="48600100202"),
        line(fmt, 4, number="600-100-203"),
    ]
    summary = load(data_dir, fmt, write(tmp_path, fmt, text(fmt, records)))
    assert summary.quarantined == 0
    got = {mid: (m["msisdn"], m["country"], m["operator"]) for mid, m in messages(data_dir).items()}
    assert got == {message_id(fmt, i + 1): (f"+4860010020{i}", "PL", "T-Mobile") for i in range(4)}


@pytest.mark.parametrize("fmt", MESSAGE_FORMATS)
def test_unknown_status_codes_are_kept_as_unknown_and_counted(tmp_path, data_dir, fmt):
    records = [line(fmt, 1), line(fmt, 2, status="ZZTOP"), line(fmt, 3, status="ZZTOP")]
    summary = load(data_dir, fmt, write(tmp_path, fmt, text(fmt, records)))
    m = messages(data_dir)
    assert (m[message_id(fmt, 2)]["status"], m[message_id(fmt, 2)]["raw_status"]) == ("unknown", "ZZTOP")
    assert m[message_id(fmt, 1)]["status"] == "delivered"
    assert summary.unknown_total == 2 and [c[1] for c in summary.unknown_codes] == ["ZZTOP"]
    assert summary.quarantined == 0


@pytest.mark.parametrize("fmt", ALL)
def test_dates_in_the_future_are_quarantined(tmp_path, data_dir, fmt):
    future = NOW + dt.timedelta(days=30)
    records = [line(fmt, 1), line(fmt, 2, when=future), line(fmt, 3)]
    summary = load(data_dir, fmt, write(tmp_path, fmt, text(fmt, records)))
    issues = quarantined(summary)
    assert len(issues) == 1 and "in the future" in issues[0]["reason"]
    assert issues[0]["line"] == (3 if FORMATS[fmt][1] else 2)
    if fmt != "clicks":
        assert set(messages(data_dir)) == {message_id(fmt, 1), message_id(fmt, 3)}


@pytest.mark.parametrize("fmt", ALL)
def test_duplicate_ids_make_one_message(tmp_path, data_dir, fmt):
    records = [line(fmt, 1), line(fmt, 2), line(fmt, 1), line(fmt, 2), line(fmt, 2)]
    summary = load(data_dir, fmt, write(tmp_path, fmt, text(fmt, records)))
    assert summary.quarantined == 0
    if fmt == "clicks":
        assert (summary.clicks_new, summary.clicks_duplicates) == (2, 3)
    else:
        assert (summary.messages_new, summary.updates_folded) == (2, 3)
        assert set(messages(data_dir)) == {message_id(fmt, 1), message_id(fmt, 2)}


def test_a_file_of_no_known_format_is_quarantined_not_fatal(tmp_path, data_dir):
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\neggs\n\nmilk\n", encoding="utf-8")
    summary = run(data_dir, path, "vonage_dlr.log")
    assert summary.files[0].format == "unrecognised"
    assert [q["line"] for q in quarantined(summary)] == [1, 2, 4]
    assert summary.messages_new == 3


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_a_cp1250_csv_row_with_a_field_too_many_is_quarantined_without_a_traceback(tmp_path, data_dir):
    """pyarrow's CSV reader cannot show a handler such a row (it is no UTF-8) and printed a traceback;
    the file goes to the line-by-line reader instead, which quarantines the row with its number."""
    header = "message_id,provider,provider_message_id,msisdn,created_at,raw_status,raw_error\n"
    rows = [
        "m1,plus,p1,+48600100200,2025-10-20T10:00:00Z,DELIVRD,000\n",
        "m2,plus,p2,+48600100201,2025-10-20T10:00:00Z,DELIVRD,000,łódź\n",
        "m3,plus,p3,+48600100202,2025-10-20T10:00:00Z,DELIVRD,000\n",
    ]
    path = tmp_path / "cp1250.csv"
    path.write_bytes((header + "".join(rows)).encode("cp1250"))
    summary = run(data_dir, path)
    issues = quarantined(summary)
    assert [(q["line"], q["reason"]) for q in issues] == [(3, "expected 7 fields, found 8")]
    assert "łódź" in issues[0]["raw"]
    assert set(messages(data_dir)) == {"m1", "m3"}


TWILIO_HEADER = "Sid,From,To,Body,Status,Date Sent,Num Segments,Error Code,Direction,Price,Price Unit\n"


def _twilio_row(i: int, body: str, direction: str = "outbound-api") -> str:
    return f"SM{i},+15550001,+4860010020{i},{body},delivered,2025-10-20 10:0{i}:00,1,,{direction},-0.04,USD\n"


def test_a_twilio_export_with_a_stray_quote_quarantines_the_joined_lines_with_their_text(tmp_path, data_dir):
    """The quote opening line 3's Body is closed only on line 5: the three lines read as one record of the
    right width, which swallowed SM3 and SM4. It goes to the quarantine whole; nothing is read into a body."""
    rows = [_twilio_row(1, "Hello"), _twilio_row(2, '"Hi there'), _twilio_row(3, "Bye")]
    rows += [_twilio_row(4, 'Yo"'), _twilio_row(5, "Ok")]
    path = tmp_path / "twilio_messages.csv"
    path.write_text(TWILIO_HEADER + "".join(rows), encoding="utf-8")
    summary = run(data_dir, path, provider="plus")
    assert summary.files[0].format == "twilio"
    issues = quarantined(summary)
    assert [(q["line"], q["reason"]) for q in issues] == [(3, "a stray quote joins lines 3-5 into one record")]
    assert issues[0]["raw"] == "".join(rows[1:4]).rstrip("\n")
    assert set(messages(data_dir)) == {"twilio:SM1", "twilio:SM5"}


def test_a_twilio_body_with_a_line_break_is_one_record_quarantined_with_all_its_lines(tmp_path, data_dir):
    """A quoted Body may hold a line break (no stray quote): the record is read; when it is quarantined for
    another reason (here: a send time that is no time), its raw text is both of its lines, not the first alone."""
    unreadable = _twilio_row(2, '"Also\ntwo"').replace("2025-10-20 10:02:00", "yesterday")
    rows = [_twilio_row(1, '"Two\nlines"'), unreadable, _twilio_row(3, "x")]
    path = tmp_path / "twilio_messages.csv"
    path.write_text(TWILIO_HEADER + "".join(rows), encoding="utf-8")
    summary = run(data_dir, path, provider="plus")
    issues = quarantined(summary)
    assert [q["line"] for q in issues] == [4] and "time" in issues[0]["reason"], issues
    assert issues[0]["raw"] == rows[1].rstrip("\n")
    assert set(messages(data_dir)) == {"twilio:SM1", "twilio:SM3"}
