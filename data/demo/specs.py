"""What to send in a month, one element per message, as integer arrays (bulk, test
and transactional messages), and the order of the rows in a file."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.random import Generator

from data.demo.catalogue import API_HOURS_W
from data.demo.draws import distinct_sample
from data.demo.plan import Plan, api_hour_cdf, api_hour_quantile


@dataclass
class Specs:
    """What to send: one element per message."""

    created_us: np.ndarray  # int64
    source: np.ndarray  # int8: 0 bulk, 1 test, 2 api
    entity: np.ndarray  # int32
    dispatch: np.ndarray  # int32, -1 for test/api
    number: np.ndarray  # int64 index into plan.numbers
    seq: np.ndarray  # uint64 sequence number (message ids)

    def __len__(self) -> int:
        return len(self.created_us)

    @staticmethod
    def empty() -> Specs:
        return Specs(
            np.empty(0, np.int64),
            np.empty(0, np.int8),
            np.empty(0, np.int32),
            np.empty(0, np.int32),
            np.empty(0, np.int64),
            np.empty(0, np.uint64),
        )

    def take(self, idx: np.ndarray | slice) -> Specs:
        return Specs(*(getattr(self, f)[idx] for f in Specs.__dataclass_fields__))


def bulk_specs(rng: Generator, plan: Plan, idx: list[int], seq0: int) -> Specs:
    """The messages of the bulk dispatches `idx`, sequence numbers from `seq0`."""
    sizes = np.array([plan.dispatches[i].size for i in idx], dtype=np.int64)
    total = int(sizes.sum())
    owner = np.repeat(np.arange(len(idx)), sizes)
    pos = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    start = np.array([plan.dispatches[i].start_us for i in idx], dtype=np.int64)
    step = np.array([plan.dispatches[i].duration_us for i in idx], dtype=np.float64) / sizes
    created = start[owner] + ((pos + rng.random(total)) * step[owner]).astype(np.int64)
    numbers = np.empty(total, dtype=np.int64)
    offset = 0
    for _k, i in enumerate(idx):
        disp = plan.dispatches[i]
        if disp.kind == "big":
            base = plan.main_pool + len(plan.staff)
            numbers[offset : offset + disp.size] = base + np.arange(disp.size)
        else:
            numbers[offset : offset + disp.size] = distinct_sample(rng, plan.main_pool, disp.size)
        offset += disp.size
    return Specs(
        created_us=created,
        source=np.zeros(total, dtype=np.int8),
        entity=np.array([plan.dispatches[i].entity for i in idx], dtype=np.int32)[owner],
        dispatch=np.array(idx, dtype=np.int32)[owner],
        number=numbers,
        seq=np.arange(seq0, seq0 + total, dtype=np.uint64),
    )


def api_specs(rng: Generator, plan: Plan, days: np.ndarray, seq0: int) -> Specs:
    """The transactional messages of `days` (indices into plan.day_dates)."""
    per_day = plan.api_per_day[days]
    n = int(per_day.sum())
    day_idx = np.repeat(days, per_day)
    # time of day: few at night, peaks late morning and evening
    hour = rng.choice(24, size=n, p=API_HOURS_W / API_HOURS_W.sum())
    frac = (hour + rng.random(n)) / 24.0
    day_len = np.diff(plan.day_start_us)[day_idx]
    last = len(plan.day_dates) - 1
    cut = (plan.now_us - plan.day_start_us[last]) / (plan.day_start_us[-1] - plan.day_start_us[last])
    if cut < 1.0:  # the last day up to now: the day's rhythm, cut off at now (the same order of messages)
        today = np.flatnonzero(day_idx == last)
        frac[today] = api_hour_quantile(api_hour_cdf(frac[today]) * api_hour_cdf(cut))
    shares = np.array([s for _, s, *_ in plan.labels])
    label = rng.choice(len(plan.labels), size=n, p=shares / shares.sum()).astype(np.int32)
    if plan.label_day >= 0:  # every label at least once: the busiest day's first messages carry one each
        first = np.flatnonzero(day_idx == plan.label_day)[: len(plan.labels)]
        label[first] = np.arange(first.size, dtype=np.int32)
    created = plan.day_start_us[day_idx] + (frac * day_len).astype(np.int64)
    return Specs(
        created_us=np.minimum(created, plan.now_us - 1),
        source=np.full(n, 2, dtype=np.int8),
        entity=plan.label_entity0 + label,
        dispatch=np.full(n, -1, dtype=np.int32),
        number=rng.integers(0, plan.main_pool, n),
        seq=np.arange(seq0, seq0 + n, dtype=np.uint64),
    )


def concat_specs(parts: list[Specs]) -> Specs:
    """Returns the specs of `parts`, one after the other."""
    parts = [p for p in parts if len(p)]
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return Specs.empty()
    return Specs(*(np.concatenate([getattr(p, f) for p in parts]) for f in Specs.__dataclass_fields__))


def split_specs(sp: Specs, end_us: int) -> tuple[Specs, Specs]:
    """(messages created before end_us, the others)."""
    before = sp.created_us < end_us
    if before.all():
        return sp, Specs.empty()
    return sp.take(np.flatnonzero(before)), sp.take(np.flatnonzero(~before))


def file_order(sp: Specs, dispatch_rank: np.ndarray) -> np.ndarray:
    """The order of the rows in a file: by dispatch (`dispatch_rank[sp.dispatch]`, the
    dispatch_id order, with index -1, no dispatch, last), then created_at."""
    key = dispatch_rank[sp.dispatch]
    order = np.argsort(key, kind="stable")  # a dispatch's rows are one run: cheap
    k = key[order]
    loose = int(np.searchsorted(k, dispatch_rank[-1]))
    rest = order[loose:]
    order[loose:] = rest[np.argsort(sp.created_us[rest], kind="stable")]
    # A dispatch's messages are made in time order; sort them if they ever are not.
    c = sp.created_us[order[:loose]]
    if loose > 1 and np.any((k[1:loose] == k[: loose - 1]) & (c[1:] < c[:-1])):
        order[:loose] = order[:loose][np.lexsort((c, k[:loose]))]
    return order
