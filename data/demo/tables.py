"""The lookups the rows are built from (per entity, per operator, per number) and the
vocabulary of every dictionary column."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data import clicks as click_rules
from data.demo.abroad import COUNTRIES as ABROAD
from data.demo.catalogue import (
    BASE_FAILURE,
    OPERATOR_PROFILE,
    OPERATORS,
    OUTCOMES,
    PRICE_PER_SEGMENT,
    PROVIDERS,
    RAW_CODES,
    ROUTE_DOWN,
    ROUTE_DOWN_OPERATOR,
    SOURCES,
    UA_VOCAB,
)
from data.demo.columns import Vocab
from data.demo.numbers import Numbers
from data.demo.plan import Plan


@dataclass
class Tables:
    """Lookups the rows are built from (per entity, per number) and the columns' vocabularies."""

    now_us: int
    price_change_us: int
    label_entity0: int
    numbers: Numbers
    e_provider: np.ndarray  # int8
    e_segments: np.ndarray  # int16
    e_ucs2: np.ndarray  # int8
    e_link: np.ndarray  # bool
    e_ctr: np.ndarray
    e_bot: np.ndarray
    fail_cum: np.ndarray  # (entity * (NO_OPERATOR + 1) + operator, 10): cumulated failure rates
    fail_total: np.ndarray  # fail_cum[:, -1]
    unit_price: np.ndarray  # provider * 2 + (after the price change)
    ua_is_bot: np.ndarray  # bool per user agent code
    provider: Vocab
    source: Vocab
    dispatch: Vocab  # by dispatch index; -1 -> null
    label: Vocab  # by plan.labels index; len(plan.labels) -> null
    sender: Vocab  # by entity
    country: Vocab
    operator: Vocab
    status: Vocab  # by outcome
    reason: Vocab
    raw_status: Vocab  # by provider * N_OUTCOMES + outcome
    raw_error: Vocab
    encoding: Vocab
    currency: Vocab
    user_agent: Vocab


def make_tables(plan: Plan) -> Tables:
    """Returns the lookups and vocabularies for the plan's rows."""
    ent = plan.entities
    e_mult = np.stack([e.failure_mult for e in ent])
    op_profile = np.vstack([OPERATOR_PROFILE, np.ones((1, 10))])
    rates = BASE_FAILURE[None, None, :] * e_mult[:, None, :] * op_profile[None, :, :]
    # A route down fails at one operator: the other operators of that dispatch's messages get through as usual.
    down = e_mult[:, ROUTE_DOWN[0][0] - 1] >= ROUTE_DOWN[0][1] / 2
    others = np.arange(op_profile.shape[0]) != ROUTE_DOWN_OPERATOR
    for outcome, factor in ROUTE_DOWN:
        rates[np.ix_(down, others, [outcome - 1])] /= factor
    raw = [code for p in PROVIDERS for code in RAW_CODES[p]]
    return Tables(
        now_us=plan.now_us,
        price_change_us=plan.price_change_us,
        label_entity0=plan.label_entity0,
        numbers=plan.numbers,
        e_provider=np.array([e.provider for e in ent], dtype=np.int8),
        e_segments=np.array([e.segments for e in ent], dtype=np.int16),
        e_ucs2=np.array([e.encoding == "ucs2" for e in ent], dtype=np.int8),
        e_link=np.array([e.has_link for e in ent]),
        e_ctr=np.array([e.human_ctr for e in ent]),
        e_bot=np.array([e.bot_rate for e in ent]),
        fail_cum=np.cumsum(rates, axis=2).reshape(-1, 10),
        fail_total=np.ascontiguousarray(np.cumsum(rates, axis=2).reshape(-1, 10)[:, -1]),
        unit_price=np.array(PRICE_PER_SEGMENT, dtype=np.float64).reshape(-1),
        ua_is_bot=np.array([click_rules.is_bot_user_agent(ua) for ua in UA_VOCAB]),
        provider=Vocab(PROVIDERS),
        source=Vocab(SOURCES),
        dispatch=Vocab([d.dispatch_id for d in plan.dispatches] + [None]),
        label=Vocab([lab for lab, *_ in plan.labels] + [None]),
        sender=Vocab([e.sender for e in ent]),
        country=Vocab(["PL"] + [c[0] for c in ABROAD]),  # code = abroad.abroad_country + 1
        operator=Vocab(list(OPERATORS) + [None] + [c[3] for c in ABROAD]),  # abroad: NO_OPERATOR + 1 + country
        status=Vocab([s.value for s, _ in OUTCOMES]),
        reason=Vocab([(r.value if r else None) for _, r in OUTCOMES]),
        raw_status=Vocab([rs for rs, _ in raw]),
        raw_error=Vocab([re_ for _, re_ in raw]),
        encoding=Vocab(["gsm7", "ucs2"]),
        currency=Vocab(["PLN", "EUR"]),
        user_agent=Vocab(UA_VOCAB),
    )
