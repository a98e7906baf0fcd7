"""Random draws the generator needs and numpy does not have (or has too slowly)."""

from __future__ import annotations

import math

import numpy as np
from numpy.random import Generator


def draw_unique(rng: Generator, size: int, high: int) -> np.ndarray:
    """`size` distinct integers in [0, high), in random order."""
    if size > high:
        raise ValueError("not enough distinct values")
    got = np.empty(0, dtype=np.int64)
    while got.size < size:
        extra = rng.integers(0, high, size=int((size - got.size) * 1.05) + 64, dtype=np.int64)
        got = np.sort(np.concatenate([got, extra]))  # np.unique (hash based in numpy 2.3+) is 10x slower
        got = got[np.concatenate(([True], got[1:] != got[:-1]))]
    return rng.permutation(got)[:size]


def distinct_sample(rng: Generator, high: int, size: int) -> np.ndarray:
    """`size` distinct integers in [0, high): a walk a, a + b, a + 2b... modulo `high`.

    With b coprime to `high` no value comes twice. It picks recipients from the pool,
    whose order is random already; rng.choice(replace=False) costs 30x more (a
    shuffle of the whole pool per dispatch).
    """
    if size > high:
        raise ValueError("not enough distinct values")
    start = int(rng.integers(high))
    step = int(rng.integers(1, max(high, 2)))
    while math.gcd(step, high) != 1:
        step = int(rng.integers(1, high))
    return (start + step * np.arange(size, dtype=np.int64)) % high


def lognormal_s(rng: Generator, median_s: float, sigma: float, n: int) -> np.ndarray:
    """`n` lognormal durations in seconds around `median_s`."""
    return rng.lognormal(np.log(median_s), sigma, n)
