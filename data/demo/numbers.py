"""The recipients: distinct Polish mobile numbers, a few invalid ones and landlines,
their operators and devices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.random import Generator

from data.demo.catalogue import HUMAN_USER_AGENTS, MOBILE_PREFIXES, NO_OPERATOR, OPERATOR_SHARES, OPERATORS
from data.demo.columns import const_chars, digit_chars, fixed_strings, padded_strings
from data.demo.draws import draw_unique

F_OK, F_SHORT, F_LONG, F_LANDLINE, F_DEAD = 0, 1, 2, 3, 4


@dataclass
class Numbers:
    """The recipients; a number is "+48" and `digits` zero-padded to `width`."""

    digits: np.ndarray  # int64
    width: np.ndarray  # int8: 9, or 8 / 10 for numbers with a digit missing / too many
    operator: np.ndarray  # int8, NO_OPERATOR for landlines / invalid
    flag: np.ndarray  # int8, F_*
    device: np.ndarray  # int8 index into HUMAN_USER_AGENTS

    def __len__(self) -> int:
        return len(self.flag)


def msisdn_strings(digits: np.ndarray, width: np.ndarray) -> pa.Array:
    """'+48' + digits zero-padded to width (8, 9 or 10), as a pyarrow string array."""
    n = len(digits)
    d10 = digit_chars(digits, 10)
    mat = np.empty((n, 13), dtype=np.uint8)
    mat[:, :3] = np.frombuffer(b"+48", dtype=np.uint8)
    mat[:, 3:12] = d10[:, 1:]
    odd = np.flatnonzero(width != 9)
    if odd.size == 0:
        return fixed_strings(mat[:, :12])
    mat[:, 12] = ord(" ")
    w10 = odd[width[odd] == 10]
    mat[w10, 3:13] = d10[w10]
    w8 = odd[width[odd] == 8]
    mat[w8, 3:12] = np.hstack([d10[w8, 2:], const_chars(" ", w8.size)])
    return padded_strings(mat)


def make_numbers(rng: Generator, n: int, bad_share: float, dead_share: float) -> Numbers:
    """`n` distinct recipients: Polish mobiles, with a few invalid ones and landlines."""
    space = len(MOBILE_PREFIXES) * 10_000_000
    ints = draw_unique(rng, n, space)
    prefixes = np.array(MOBILE_PREFIXES, dtype=np.int64)[ints // 10_000_000]
    national = prefixes * 10_000_000 + ints % 10_000_000
    digits = national.copy()
    width = np.full(n, 9, dtype=np.int8)

    u = rng.random(n)
    flag = np.full(n, F_OK, dtype=np.int8)
    flag[u < bad_share * 0.30] = F_SHORT
    flag[(u >= bad_share * 0.30) & (u < bad_share * 0.55)] = F_LONG
    flag[(u >= bad_share * 0.55) & (u < bad_share)] = F_LANDLINE
    flag[(u >= bad_share) & (u < bad_share + dead_share)] = F_DEAD

    special = np.flatnonzero((flag == F_SHORT) | (flag == F_LONG) | (flag == F_LANDLINE))
    if special.size:
        used: set[tuple[int, int]] = set()
        extra_digit = rng.integers(0, 10, special.size)
        for j, i in enumerate(special.tolist()):
            nat, rest = int(national[i]), int(ints[i])
            if flag[i] == F_SHORT:  # a digit missing: 8 digits
                value, w, base, modulus = nat // 10, 8, 0, 10**8
            elif flag[i] == F_LONG:  # a digit too many: 10 digits
                value, w, base, modulus = nat * 10 + int(extra_digit[j]), 10, 0, 10**10
            else:  # a Warsaw landline: +48 22 and 7 digits
                value, w, base, modulus = rest % 10_000_000, 9, 220_000_000, 10**7
            while (w, base + value) in used:  # keep every number distinct
                value = (value + 1) % modulus
            used.add((w, base + value))
            digits[i], width[i] = base + value, w

    operator = rng.choice(len(OPERATORS), size=n, p=OPERATOR_SHARES / OPERATOR_SHARES.sum()).astype(np.int8)
    operator[(flag == F_SHORT) | (flag == F_LONG) | (flag == F_LANDLINE)] = NO_OPERATOR
    shares = np.array([w for _, w in HUMAN_USER_AGENTS])
    device = rng.choice(len(HUMAN_USER_AGENTS), size=n, p=shares / shares.sum()).astype(np.int8)
    return Numbers(digits, width, operator, flag, device)


def concat_numbers(parts: list[Numbers]) -> Numbers:
    """Returns the recipients of `parts`, one after the other."""
    return Numbers(*(np.concatenate([getattr(p, f) for p in parts]) for f in Numbers.__dataclass_fields__))
