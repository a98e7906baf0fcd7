"""Link clicks on the messages: people (on delivered messages, minutes to days later)
and bots (link previews, scanners, fetches right after delivery)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.random import Generator

from data import clicks as click_rules
from data import schema
from data.demo.catalogue import HUMAN_USER_AGENTS, O_DELIVERED, O_NO_DLR, PREVIEW_USER_AGENTS, SCANNER_USER_AGENTS
from data.demo.columns import US, timestamps
from data.demo.draws import lognormal_s
from data.demo.ids import message_ids
from data.demo.specs import Specs
from data.demo.tables import Tables


@dataclass
class Clicks:
    """Click rows before they become a table: sorted and written per month."""

    key: np.ndarray  # uint64: the message id's number ("msg-" + its 16 hex digits)
    at_us: np.ndarray  # int64
    ua: np.ndarray  # int8 index into UA_VOCAB
    is_bot: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.key)

    @staticmethod
    def concat(parts: list[Clicks]) -> Clicks:
        if not parts:
            return Clicks(np.empty(0, np.uint64), np.empty(0, np.int64), np.empty(0, np.int8), np.empty(0, bool))
        return Clicks(*(np.concatenate([getattr(p, f) for p in parts]) for f in Clicks.__dataclass_fields__))

    def take(self, idx: np.ndarray) -> Clicks:
        return Clicks(*(getattr(self, f)[idx] for f in Clicks.__dataclass_fields__))

    def split(self, end_us: int) -> tuple[Clicks, Clicks]:
        before = self.at_us < end_us
        return self.take(np.flatnonzero(before)), self.take(np.flatnonzero(~before))


def build_clicks(
    rng: Generator, t: Tables, sp: Specs, outcome: np.ndarray, sent: np.ndarray, done: np.ndarray, key: np.ndarray
) -> Clicks:
    """Returns the clicks on the messages of `sp` (human and bot), those before now."""
    now = t.now_us
    link = t.e_link[sp.entity] & (sp.source != 1)  # nobody counts the staff's clicks on test sends
    delivered = np.flatnonzero(link & (outcome == O_DELIVERED))
    unconfirmed = np.flatnonzero(link & (outcome == O_NO_DLR))
    n_human = len(HUMAN_USER_AGENTS)
    n_preview = len(PREVIEW_USER_AGENTS)
    device = t.numbers.device

    # human clicks on delivered messages: 1-3 clicks, minutes to days after delivery
    idx = np.concatenate(
        [
            delivered[rng.random(delivered.size) < t.e_ctr[sp.entity[delivered]]],
            # a few on messages whose delivery was never confirmed
            unconfirmed[rng.random(unconfirmed.size) < 0.05],
        ]
    )
    times = np.where(outcome[idx] == O_DELIVERED, done[idx], sent[idx])
    first = times + (np.maximum(lognormal_s(rng, 25 * 60, 1.6, idx.size), 12.0) * US).astype(np.int64)
    repeats = rng.choice(3, size=idx.size, p=[0.78, 0.17, 0.05])
    ua_human = device[sp.number[idx]]
    rows_msg, rows_at, rows_ua = [idx], [first], [ua_human]
    for extra in (1, 2):
        sel = repeats >= extra
        later = first[sel] + (lognormal_s(rng, 2 * 3600, 1.5, int(sel.sum())) * extra * US).astype(np.int64)
        rows_msg.append(idx[sel])
        rows_at.append(later)
        rows_ua.append(ua_human[sel])

    # bot clicks: preview fetchers, scanners, and fetches right after delivery
    bidx = delivered[rng.random(delivered.size) < t.e_bot[sp.entity[delivered]]]
    kind = rng.choice(3, size=bidx.size, p=[0.5, 0.2, 0.3])
    delay = np.where(
        kind == 0,
        lognormal_s(rng, 30.0, 1.5, bidx.size),  # preview when the message is shown
        np.where(
            kind == 1,
            lognormal_s(rng, 20.0, 1.2, bidx.size),  # scanner
            rng.uniform(0.3, 8.0, bidx.size),
        ),  # a browser-like fetch within seconds
    )
    ua = np.where(
        kind == 0,
        n_human + rng.integers(0, n_preview, bidx.size),
        np.where(
            kind == 1,
            n_human + n_preview + rng.integers(0, len(SCANNER_USER_AGENTS), bidx.size),
            device[sp.number[bidx]],
        ),
    )
    rows_msg.append(bidx)
    rows_at.append(done[bidx] + (delay * US).astype(np.int64))
    rows_ua.append(ua.astype(np.int8))

    msg = np.concatenate(rows_msg)
    at = np.concatenate(rows_at)
    ua_idx = np.concatenate(rows_ua).astype(np.int8)
    keep = np.flatnonzero(at < now)
    msg, at, ua_idx = msg[keep], at[keep], ua_idx[keep]
    # click_rules.is_bot_click per click: the agent's verdict (per distinct agent) or the time window
    with np.errstate(invalid="ignore"):
        seconds = np.where(outcome[msg] == O_DELIVERED, (at - done[msg]) / US, np.nan)
        near = np.abs(seconds) <= click_rules.BOT_CLICK_WINDOW_SECONDS
    return Clicks(key[msg], at, ua_idx, t.ua_is_bot[ua_idx] | near)


def clicks_table(t: Tables, c: Clicks) -> pa.Table:
    """The click rows as written: sorted by clicked_at, message_id (= by key)."""
    c = c.take(np.lexsort((c.key, c.at_us)))
    return pa.Table.from_arrays(
        [message_ids(c.key), timestamps(c.at_us), t.user_agent.column(c.ua), pa.array(c.is_bot, type=pa.bool_())],
        names=schema.CLICKS.names,
    )
