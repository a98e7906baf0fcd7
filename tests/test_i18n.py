"""The message catalogs: the same keys and placeholders in every language."""

from __future__ import annotations

import string

from i18n import CATALOGS, fmt_decimal, fmt_duration


def placeholders(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_catalogs_have_the_same_keys_and_placeholders():
    pl, en = CATALOGS["pl"], CATALOGS["en"]
    assert set(pl) == set(en), set(pl) ^ set(en)
    assert {k for k in pl if placeholders(pl[k]) != placeholders(en[k])} == set()


def test_durations_and_decimals():
    assert [fmt_duration(s, "pl") for s in (9, 61, 3599, 3 * 3600 + 1250, 2 * 86400 + 4 * 3600)] == [
        "9 s",
        "1 min",
        "59 min",
        "3 h 20 min",
        "2 d 4 h",
    ]
    assert fmt_duration(None, "en") == "—"
    assert fmt_decimal(1.255, "pl", 2) == "1,26" and fmt_decimal(1234.5, "en", 1) == "1,234.5"
