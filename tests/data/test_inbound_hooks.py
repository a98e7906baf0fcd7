"""Replies that reach the twilio, vonage and infobip hooks (inbound SMS) land in the inbound table through the
spool and the compactor, and their opt-outs in the rollups, as a batch import would put them."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

import pyarrow.parquet as pq
import pytest

from data.compactor import compact
from data.db import Db
from data.hookbodies import Malformed, check
from data.ingest.core import Options
from data.ingest.inbound import read_inbound
from data.lake import Lake
from data.queries import optouts as optout_queries
from data.spool import Entry, Spool
from tests.conftest import TZ
from tests.faults.conftest import copy_data

OPTIONS = Options(tz=TZ)


def latest_delivered(data_dir, count: int) -> list[dict]:
    """The newest delivered bulk messages of the demo's last month, to different numbers."""
    files = sorted(Lake(data_dir / "lake").messages_dir.glob("month=2026-11/*.parquet"))
    m = pq.read_table(files[0]).to_pandas()
    m = m[(m["source"] == "bulk") & (m["status"] == "delivered")].sort_values("done_at").drop_duplicates("msisdn")
    return m.tail(count).to_dict("records")


def bodies(messages: list[dict]) -> list[Entry]:
    a, b, c = messages
    after = (a["done_at"] + dt.timedelta(hours=1)).isoformat()
    twilio = urlencode(
        {
            "SmsSid": "SMr1",
            "SmsStatus": "received",
            "Body": "Stop",
            "From": a["msisdn"],
            "To": "+48500000000",
            "MessageSid": "SMr1",
            "AccountSid": "AC1",
        }
    )
    vonage = json.dumps(
        {
            "msisdn": b["msisdn"].lstrip("+"),
            "to": "48500000000",
            "messageId": "V-r2",
            "text": "Rezygnuję",
            "type": "text",
            "keyword": "REZYGNUJE",
            "message-timestamp": (b["done_at"] + dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S"),
        }
    )
    infobip = json.dumps(
        {
            "results": [
                {
                    "messageId": "I-r3",
                    "from": c["msisdn"].lstrip("+"),
                    "to": "48500000000",
                    "text": "Dzięki",
                    "cleanText": "",
                    "keyword": "",
                    "receivedAt": after,
                }
            ]
        }
    )
    return [
        Entry(after, "twilio", twilio.encode(), "application/x-www-form-urlencoded"),
        Entry(after, "vonage", vonage.encode(), "application/json"),
        Entry(after, "infobip", infobip.encode(), "application/json"),
    ]


def test_replies_through_the_hooks_reach_the_rollups(demo_dir, tmp_path):
    data_dir = copy_data(demo_dir, tmp_path / "data")
    messages = latest_delivered(data_dir, 3)
    entries = bodies(messages)
    spool = Spool(data_dir)
    for entry in entries:
        check(entry, OPTIONS, spool.dir)  # what the hook checks before it answers 200
        spool.append(entry)
    with pytest.raises(Malformed):  # a reply without a sender's number is refused at the door
        check(Entry(entries[0].at, "twilio", b"SmsSid=SMx&SmsStatus=received&Body=STOP", ""), OPTIONS, spool.dir)
    lake = Lake(data_dir / "lake")
    before = optout_queries.every_dispatch_optouts(Db(lake, tz=TZ, use_rollups=False))
    done = compact(data_dir, options=OPTIONS, report_tz=TZ)
    assert done.summary.inbound_new == 3 and done.summary.optouts_new == 2
    got = {
        r["provider"]: r for r in read_inbound(lake).to_pylist() if r["provider_message_id"] in ("SMr1", "V-r2", "I-r3")
    }
    assert got["twilio"]["keyword"] == "STOP" and got["vonage"]["keyword"] == "REZYGNUJE"
    assert got["infobip"]["keyword"] is None
    fast, raw = Db(lake, tz=TZ), Db(lake, tz=TZ, use_rollups=False)
    assert fast.rollup_status().fresh
    after = optout_queries.every_dispatch_optouts(fast)
    assert after == optout_queries.every_dispatch_optouts(raw)
    assert sum(after.values()) - sum(before.values()) == 2
