"""Message ids and provider message ids, from message sequence numbers and the seed's
key: distinct, and the same for the same seed."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from data.demo.columns import const_chars, digit_chars, fixed_strings, hex_chars, mix64, padded_strings


def seed_key(seed: int) -> np.uint64:
    """Returns the key mixed into every id of a lake built from `seed`."""
    return mix64(np.array([seed], dtype=np.uint64) ^ np.uint64(0xD1B54A32D192ED03))[0]


def message_ids(key: np.ndarray) -> pa.Array:
    """Message ids: 'msg-' and the key's 16 hex digits."""
    return fixed_strings(const_chars("msg-", len(key)), hex_chars(key))


_PMID_MIX_A = np.uint64(0x5A5A5A5A5A5A5A5A)
_PMID_MIX_B = np.uint64(0x0123456789ABCDEF)


def provider_message_ids(seq: np.ndarray, id_key: np.uint64, provider: np.ndarray) -> pa.Array:
    """Provider ids in each provider's style, distinct per provider."""
    n = len(seq)
    mat = np.full((n, 34), ord(" "), dtype=np.uint8)
    for p, width in enumerate((24, 21, 34)):
        sel = np.flatnonzero(provider == p)
        m = sel.size
        if not m:
            continue
        s = seq[sel] ^ id_key
        a = mix64(s ^ _PMID_MIX_A)
        if p == 0:  # SMSAPI: 24 hex digits, upper case
            rows = np.hstack([hex_chars(a, upper=True)[:, 8:], hex_chars(mix64(s ^ _PMID_MIX_B), upper=True)])
        elif p == 1:  # Infobip: a 21-digit number
            rows = np.hstack([const_chars("4", m), digit_chars(a, 20)])
        else:  # Twilio: SM + 32 hex digits
            rows = np.hstack([const_chars("SM", m), hex_chars(a), hex_chars(mix64(s ^ _PMID_MIX_B))])
        if m == n:
            return fixed_strings(rows)
        mat[sel, :width] = rows
    return padded_strings(mat)
