"""Replies from recipients (the inbound table): opt-outs and a few other answers.

About 0.25% of the delivered marketing messages get an opt-out reply within three days (STOP, NIE, REZYGNUJĘ,
in mixed case, with or without diacritics and punctuation), 0.05% an answer that is no opt-out ("Dziękuję",
"Nie wiem", ...), and 0.02% a STOP more than 30 days later (it counts for no dispatch, data/optouts.py). Which
message gets a reply, which text and how late follow from hashes of the message's recipient and time, so the
rest of the demo draws the same as without them; nothing is received at or after "now".
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from data import schema
from data.demo.columns import mix64
from data.lake import Lake
from data.optouts import optout_keyword

OPTOUT_PER_10K = 25
OTHER_PER_10K = 5
LATE_PER_10K = 2
OPTOUT_TEXTS = ("STOP", "stop", "Stop", "STOP.", "NIE", "nie", "Nie!", "REZYGNUJĘ", "Rezygnuję", "rezygnuje")
OTHER_TEXTS = ("Dziękuję", "Nie wiem", "OK", "Kiedy kończy się promocja?", "stop wysyłania do mnie? ok")
_SALT = np.uint64(0x5709)
_DAY_US = 86_400_000_000


def demo_replies(lake: Lake, now_us: int) -> pa.Table:
    """Returns the demo's replies (rows of `schema.INBOUND`) to the delivered bulk messages of `lake`."""
    parts = []
    for path in sorted(lake.messages_dir.glob("month=*/*.parquet")):
        m = pq.read_table(
            path,
            columns=["provider", "source", "status", "msisdn", "sender", "created_at", "sent_at", "done_at"],
            filters=[("source", "=", "bulk"), ("status", "=", "delivered")],
        )
        if m.num_rows == 0:
            continue
        reached = pc.coalesce(m["done_at"], m["sent_at"], m["created_at"]).cast(pa.int64()).to_numpy()
        digits = pc.cast(pc.utf8_slice_codeunits(m["msisdn"], 1), pa.int64()).to_numpy(zero_copy_only=False)
        h = mix64(reached.astype(np.uint64) ^ (digits.astype(np.uint64) << np.uint64(3)) ^ _SALT)
        pick = (h % np.uint64(10_000)).astype(np.int64)
        spread = ((h >> np.uint64(20)) % np.uint64(1_000_000)).astype(np.int64)  # millionths of the delay's range
        which = ((h >> np.uint64(40)) % np.uint64(64)).astype(np.int64)
        optout = pick < OPTOUT_PER_10K
        other = (pick >= OPTOUT_PER_10K) & (pick < OPTOUT_PER_10K + OTHER_PER_10K)
        late = (pick >= OPTOUT_PER_10K + OTHER_PER_10K) & (pick < OPTOUT_PER_10K + OTHER_PER_10K + LATE_PER_10K)
        # within 3 days (most within hours: the square of a uniform draw), or 31-40 days later
        soon = (spread.astype(np.float64) / 1e6) ** 2 * 3 * _DAY_US
        delay = np.where(late, 31 * _DAY_US + spread * 9 * _DAY_US // 1_000_000, soon.astype(np.int64) + 60_000_000)
        received = reached + delay
        chosen = (optout | other | late) & (received < now_us)
        if not chosen.any():
            continue
        texts = np.where(
            optout | late,
            np.array(OPTOUT_TEXTS, dtype=object)[which % len(OPTOUT_TEXTS)],
            np.array(OTHER_TEXTS, dtype=object)[which % len(OTHER_TEXTS)],
        )
        idx = pa.array(np.flatnonzero(chosen))
        sel = m.take(idx)
        provider = sel["provider"].to_pylist()
        at = received[chosen]
        text = texts[chosen].tolist()
        ids = [f"{p}:MO{t:016x}{n:012d}" for p, t, n in zip(provider, at.tolist(), digits[chosen].tolist())]
        parts.append(
            pa.table(
                {
                    "inbound_id": pa.array(ids, pa.string()),
                    "provider": sel["provider"],
                    "provider_message_id": pa.array([i.split(":", 1)[1] for i in ids], pa.string()),
                    "msisdn": sel["msisdn"],
                    "recipient": sel["sender"],
                    "text": pa.array(text, pa.string()),
                    "keyword": pa.array([optout_keyword(x) for x in text], pa.string()),
                    "received_at": pa.array(at, pa.int64()).cast(schema.TS),
                },
                schema=schema.INBOUND,
            )
        )
    if not parts:
        return schema.INBOUND.empty_table()
    out = pa.concat_tables(parts)
    # the same reply drawn twice (one number, the same moment) is one reply
    keep = np.unique(np.array(out["inbound_id"].to_pylist(), dtype=object), return_index=True)[1]
    return out.take(pa.array(np.sort(keep)))
