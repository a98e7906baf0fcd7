"""Recipients abroad and what messages cost.

About 1.2% of the valid mobile recipients have a foreign number (Ukraine, Germany, Czechia, the UK): their own
country and network, a dearer international rate, and a few more messages lost on the international route.
Prices are in PLN, except twilio's, billed in EUR; a message without a final receipt (pending, or no
delivery report) has no price yet ("price unknown"). Which recipient is abroad and which message is lost
follow from hashes of the recipient and the message, so the rest of the demo draws the same as without them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data.demo.catalogue import O_DELIVERED, O_NO_DLR, O_PENDING, O_ROUTING
from data.demo.columns import const_chars, digit_chars, fixed_strings, mix64

ABROAD_PER_MILLE = 12
# country, number prefix (E.164, a mobile range), digits after it, network, share of the recipients abroad
COUNTRIES = (
    ("UA", "+38067", 7, "Kyivstar", 0.50),
    ("DE", "+49151", 8, "Telekom", 0.25),
    ("CZ", "+420601", 6, "O2 CZ", 0.15),
    ("GB", "+447700", 6, "EE", 0.10),
)
ABROAD_RATE = 2.5  # international price per segment, times the Polish one
ABROAD_LOST = 0.06  # of the messages abroad that would be delivered: failed on the route
EUR_PROVIDER = 2  # twilio bills in EUR
PLN_PER_EUR = 4.3
_SALT_ABROAD = np.uint64(0xA8B0AD)
_SALT_COUNTRY = np.uint64(0xC0C0)
_SALT_LOST = np.uint64(0x1057)


def abroad_country(number: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Returns each recipient's country abroad (index into COUNTRIES), -1 at home; only `valid` numbers move."""
    h = mix64(number.astype(np.uint64) ^ _SALT_ABROAD)
    away = valid & (h % np.uint64(1000) < np.uint64(ABROAD_PER_MILLE))
    pick = (mix64(number.astype(np.uint64) ^ _SALT_COUNTRY) % np.uint64(1000)).astype(np.float64) / 1000
    bounds = np.cumsum([c[4] for c in COUNTRIES])
    return np.where(away, np.searchsorted(bounds, pick, side="right"), -1).astype(np.int8)


def lost_abroad(country: np.ndarray, outcome: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Returns the outcomes with ABROAD_LOST of the delivered messages abroad failed on the route."""
    u = (mix64(key ^ _SALT_LOST) % np.uint64(1_000_000)).astype(np.float64) / 1_000_000
    out = outcome.copy()
    out[(country >= 0) & (outcome == O_DELIVERED) & (u < ABROAD_LOST)] = O_ROUTING
    return out


def foreign_msisdns(msisdn: pa.Array, number: np.ndarray, country: np.ndarray) -> pa.Array:
    """Returns `msisdn` with the numbers abroad replaced by their foreign ones (one per recipient, distinct)."""
    for c, (_code, prefix, digits, _net, _share) in enumerate(COUNTRIES):
        at = country == c
        k = int(at.sum())
        if not k:
            continue
        foreign = fixed_strings(const_chars(prefix, k), digit_chars(number[at] % 10**digits, digits))
        msisdn = pc.replace_with_mask(msisdn, pa.array(at), foreign)
    return msisdn


def prices(price: np.ndarray, provider: np.ndarray, country: np.ndarray, outcome: np.ndarray) -> tuple:
    """Returns (price, its validity, currency code: 0 PLN, 1 EUR) of each message from its Polish price."""
    price = np.where(country >= 0, np.round(price * ABROAD_RATE, 4), price)
    eur = provider == EUR_PROVIDER
    price = np.where(eur, np.round(price / PLN_PER_EUR, 4), price)
    known = (outcome != O_PENDING) & (outcome != O_NO_DLR)
    return price, known, eur.astype(np.int8)
