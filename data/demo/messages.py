"""A slice of messages built from its specs: provider, outcome, times, price and the
other columns, vectorized; and their clicks."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from numpy.random import Generator

from data import schema
from data.demo.abroad import abroad_country, foreign_msisdns, lost_abroad, prices
from data.demo.catalogue import (
    N_OUTCOMES,
    NO_OPERATOR,
    O_ABSENT,
    O_BARRED,
    O_COMPLIANCE,
    O_DELIVERED,
    O_EXPIRED,
    O_FILTERED,
    O_INVALID,
    O_LANDLINE,
    O_NETWORK,
    O_NO_DLR,
    O_PENDING,
    O_PLATFORM,
    O_ROUTING,
    O_UNKNOWN_SUB,
)
from data.demo.clicks import Clicks, build_clicks
from data.demo.columns import HOUR, US, mix64, timestamps
from data.demo.ids import message_ids, provider_message_ids
from data.demo.numbers import F_DEAD, F_LANDLINE, F_LONG, F_OK, F_SHORT, msisdn_strings
from data.demo.specs import Specs
from data.demo.tables import Tables

# Final status this long after sending, by outcome: (from, spread) seconds.
_DONE_FROM = np.zeros(N_OUTCOMES)
_DONE_SPREAD = np.zeros(N_OUTCOMES)
for _o, (_lo, _spread) in {
    O_ABSENT: (1800, 22 * 3600),  # retried for hours
    O_UNKNOWN_SUB: (1, 9),
    O_EXPIRED: (48 * 3600, 3600),  # 48 h validity
    O_FILTERED: (0.5, 4),
    O_COMPLIANCE: (0.5, 2),
    O_BARRED: (1, 5),
    O_PLATFORM: (0, 2),
    O_ROUTING: (1, 30),
    O_NETWORK: (10, 600),
    O_NO_DLR: (48 * 3600, 4 * 3600),  # given up on waiting for a receipt
    O_LANDLINE: (1, 20),
}.items():
    _DONE_FROM[_o], _DONE_SPREAD[_o] = _lo, _spread


def build_rows(rng: Generator, t: Tables, sp: Specs, id_key: np.uint64) -> tuple[pa.Table, Clicks]:
    """Message rows (in the order of `sp`) and click rows for the specs (vectorized)."""
    n = len(sp)
    now = t.now_us
    ent = sp.entity
    created = sp.created_us

    # provider: the entity's, with a little failover traffic on another one
    provider = t.e_provider[ent]
    moved = np.flatnonzero(rng.random(n) < 0.03)
    provider[moved] = (provider[moved] + rng.integers(1, 3, moved.size)) % 3

    # --- outcome -------------------------------------------------------------------
    op = t.numbers.operator[sp.number]
    flag = t.numbers.flag[sp.number]
    combo = ent.astype(np.int64) * (NO_OPERATOR + 1) + op
    u = rng.random(n)
    failed = np.flatnonzero(u < t.fail_total[combo])  # a few percent: only these need the details
    outcome = np.zeros(n, dtype=np.int8)
    outcome[failed] = (u[failed, None] >= t.fail_cum[combo[failed]]).sum(axis=1) + 1
    special = np.flatnonzero(flag != F_OK)
    if special.size:
        f = flag[special]
        outcome[special[(f == F_DEAD) & (rng.random(special.size) < 0.95)]] = O_UNKNOWN_SUB
        outcome[special[f == F_LANDLINE]] = O_LANDLINE
        outcome[special[(f == F_SHORT) | (f == F_LONG)]] = O_INVALID
    key = mix64(sp.seq ^ id_key)
    abroad = abroad_country(sp.number, flag == F_OK)
    outcome = lost_abroad(abroad, outcome, key)

    # --- times -----------------------------------------------------------------------
    z = rng.standard_normal(n)
    sent_s = np.where(sp.source == 0, 0.7 * z + np.log(2.0), 0.6 * z + np.log(0.8))
    sent = created + (np.exp(sent_s, out=sent_s) * US).astype(np.int64)
    mix = rng.random(n)
    z = rng.standard_normal(n)
    done_s = np.where(mix < 0.88, 0.8 * z + np.log(4.0), z + np.log(180.0))
    np.exp(done_s, out=done_s)
    slowest = np.flatnonzero(mix >= 0.985)
    done_s[slowest] = rng.uniform(3600, 12 * 3600, slowest.size)
    bad = np.flatnonzero(outcome != O_DELIVERED)
    ob = outcome[bad]
    done_s[bad] = _DONE_FROM[ob] + rng.random(bad.size) * _DONE_SPREAD[ob]
    # receipts still on their way at the end: the younger the message, the likelier
    young = np.flatnonzero(sent > now - 60 * HOUR)
    if young.size:
        young = young[outcome[young] == O_DELIVERED]
        age_s = (now - sent[young]) / US
        late = rng.random(young.size) < 0.15 * np.exp(-age_s / (12 * 3600))
        done_s[young[late]] = age_s[late] + rng.uniform(60, 12 * 3600, int(late.sum()))
    done = sent + (done_s * US).astype(np.int64)
    del done_s, sent_s, z, mix, u

    not_sent = outcome == O_INVALID
    pending = np.flatnonzero(done >= now)
    pending = pending[~not_sent[pending]]
    outcome[pending] = O_PENDING
    sent_valid = ~not_sent & (sent < now)
    done_valid = ~not_sent
    done_valid[pending] = False

    # --- columns ---------------------------------------------------------------------
    segments = t.e_segments[ent]
    price = np.round(segments * t.unit_price[provider * 2 + (created >= t.price_change_us)], 4)
    price[not_sent] = 0.0
    price, priced, currency = prices(price, provider, abroad, outcome)
    op = np.where(abroad >= 0, NO_OPERATOR + 1 + abroad, op)
    label = np.where(sp.source == 2, ent - t.label_entity0, len(t.label.lut) - 1)
    raw = provider.astype(np.int32) * N_OUTCOMES + outcome
    columns = [
        message_ids(key),
        t.provider.column(provider),
        provider_message_ids(sp.seq, id_key, provider),
        t.source.column(sp.source),
        t.dispatch.column(sp.dispatch),
        t.label.column(label),
        t.sender.column(ent),
        foreign_msisdns(msisdn_strings(t.numbers.digits[sp.number], t.numbers.width[sp.number]), sp.number, abroad),
        t.country.column(abroad + 1),
        t.operator.column(op),
        timestamps(created),
        timestamps(sent, sent_valid),
        timestamps(done, done_valid),
        t.status.column(outcome),
        t.reason.column(outcome),
        t.raw_status.column(raw),
        t.raw_error.column(raw),
        pa.array(segments, type=pa.int16()),
        t.encoding.column(t.e_ucs2[ent]),
        pa.array(price, type=pa.float64(), mask=~priced),
        t.currency.column(currency),
    ]
    messages = pa.Table.from_arrays(columns, names=schema.MESSAGES.names)
    clicks = build_clicks(rng, t, sp, outcome, sent, done, key)
    return messages, clicks
