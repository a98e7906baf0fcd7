"""Provider callbacks checked together (the group check of `data.hookbodies`) give each callback the verdict it
gets alone."""

from __future__ import annotations

import json
import threading
from urllib.parse import urlencode

import pytest

import data.hookbodies as hookbodies
from data.hookbodies import Checker, Malformed, check, verdicts
from data.ingest.core import Options
from data.spool import Entry

OPTIONS = Options(tz="Europe/Warsaw", region="PL")
AT = "2026-11-19T09:00:05.000000+00:00"


def good(n: int) -> Entry:
    """The n-th of five providers' well-formed callbacks."""
    kind = n % 5
    if kind == 0:
        record = {"message_id": f"hook-{n}", "provider": "smsapi", "source": "api", "msisdn": f"+48601{n:06d}",
                  "created_at": "2026-11-19T10:00:00+01:00", "status": "delivered",
                  "done_at": "2026-11-19T10:00:04+01:00"}  # fmt: skip
        return Entry(AT, "canonical", (json.dumps(record) + "\n").encode())
    if kind == 1:
        form = {"MessageSid": f"SM{n:032d}", "MessageStatus": "delivered", "To": f"+48602{n:06d}"}
        return Entry(AT, "twilio", urlencode(form).encode(), "application/x-www-form-urlencoded")
    if kind == 2:
        body = {"message_uuid": f"00000000-0000-4000-8000-{n:012d}", "to": f"48603{n:06d}",
                "timestamp": "2026-11-19T09:00:04Z", "status": "delivered", "channel": "sms"}  # fmt: skip
        return Entry(AT, "vonage", json.dumps(body).encode(), "application/json")
    if kind == 3:
        result = {"messageId": f"9{n:018d}", "to": f"48604{n:06d}", "doneAt": "2026-11-19T09:00:04.000+0000",
                  "status": {"groupName": "DELIVERED", "name": "DELIVERED_TO_HANDSET"}}  # fmt: skip
        return Entry(AT, "infobip", json.dumps({"results": [result]}).encode(), "application/json")
    query = {"MsgId": f"{n:024X}", "status": "404", "donedate": "1763542804", "to": f"48605{n:06d}"}
    return Entry(AT, "smsapi", urlencode(query).encode())


BAD = [
    Entry(AT, "infobip", b'{"results": []}', "application/json"),
    Entry(AT, "twilio", b"MessageSid=&MessageStatus=delivered", "application/x-www-form-urlencoded"),
    Entry(AT, "canonical", b'{"message_id": "x"}\n'),
    Entry(AT, "canonical", b"not json\n"),
    Entry(AT, "vonage", b'{"status": "delivered"}', "application/json"),
    Entry(AT, "clicks", b'{"message_id": "hook-0", "clicked_at": "nonsense"}\n'),
    Entry(AT, "smsapi", b"nothing"),
    Entry(AT, "nobody", b"x=1"),
]


def alone(entry: Entry, workdir) -> str | None:
    try:
        check(entry, OPTIONS, workdir)
    except Malformed as exc:
        return str(exc)
    return None


def test_callbacks_checked_together_get_the_verdicts_they_get_alone(tmp_path):
    entries = [good(n) for n in range(20)]
    mixed = entries[:7] + BAD[:4] + entries[7:15] + BAD[4:] + entries[15:]
    expected = [alone(e, tmp_path) for e in mixed]
    assert sum(v is None for v in expected) == 20 and all(expected[7:11]) and all(expected[-9:-5])
    assert verdicts(mixed, OPTIONS, tmp_path) == expected
    assert verdicts(entries, OPTIONS, tmp_path) == [None] * 20
    assert not list(tmp_path.glob("*/*")), "the bodies hold phone numbers: nothing stays behind"


def test_two_canonical_lines_in_one_callback_are_one_callback(tmp_path):
    first, second = good(0), good(5)
    two = Entry(AT, "canonical", first.body + second.body)
    broken = Entry(AT, "canonical", first.body + b'{"message_id": "y"}\n')
    assert verdicts([first, two, broken, second], OPTIONS, tmp_path) == [None, None, alone(broken, tmp_path), None]
    assert alone(broken, tmp_path) is not None


def test_concurrent_callbacks_are_checked_in_groups_with_the_verdict_each_gets_alone(tmp_path, monkeypatch):
    entries = [good(n) for n in range(60)] + BAD * 2
    expected = [alone(e, tmp_path) for e in entries]
    sizes: list[int] = []
    joint = hookbodies.verdicts

    def counted(batch, options, workdir):
        sizes.append(len(batch))
        return joint(batch, options, workdir)

    monkeypatch.setattr(hookbodies, "verdicts", counted)
    checker = Checker(OPTIONS, tmp_path)
    got: list[str | None] = [None] * len(entries)
    start = threading.Barrier(len(entries))

    def send(i: int) -> None:
        start.wait()
        try:
            checker.check(entries[i])
        except Malformed as exc:
            got[i] = str(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(entries))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert got == expected
    assert sum(sizes) == len(entries) and max(sizes) > 1, sizes


def test_a_check_that_fails_tells_every_callback_of_its_group(tmp_path, monkeypatch):
    def broken(batch, options, workdir):
        raise OSError("disk gone")

    monkeypatch.setattr(hookbodies, "verdicts", broken)
    with pytest.raises(OSError, match="disk gone"):
        Checker(OPTIONS, tmp_path).check(good(1))
