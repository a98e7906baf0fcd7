"""Message catalogs (pl first, en second) and number/date formatting per language."""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from i18n.en import MESSAGES as EN
from i18n.pl import MESSAGES as PL

LANGS = ("pl", "en")
DEFAULT_LANG = "pl"
CATALOGS: dict[str, dict[str, str]] = {"pl": PL, "en": EN}
LOCALES = {"pl": "pl_PL", "en": "en_GB"}
DASH = "—"


def lang_or_default(lang: str | None) -> str:
    """Returns `lang` when it is a supported language, else the default (for any value a request may carry)."""
    return lang if isinstance(lang, str) and lang in CATALOGS else DEFAULT_LANG


def t(lang: str, key: str, **values: object) -> str:
    """Returns the text of `key` in `lang`, with `{name}` placeholders filled."""
    text = CATALOGS[lang_or_default(lang)][key]
    return text.format(**values) if values else text


def fmt_int(value: int | float | None, lang: str) -> str:
    """Returns a whole number formatted for the language ("12 345" / "12,345")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    return format_decimal(int(value), locale=LOCALES[lang_or_default(lang)])


def fmt_pct(value: float | None, lang: str, digits: int = 1) -> str:
    """Returns a share 0..1 as a percentage ("97,5%" / "97.5%"), or "—" when unknown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    fmt = "#,##0." + "0" * digits + "%" if digits else "#,##0%"
    return format_percent(value, format=fmt, locale=LOCALES[lang_or_default(lang)])


@lru_cache(maxsize=8192)
def fmt_date(value: dt.date | None, lang: str) -> str:
    """Returns a date in the language's usual short form."""
    if value is None:
        return DASH
    pattern = "dd.MM.yyyy" if lang_or_default(lang) == "pl" else "d MMM yyyy"
    return format_date(value, pattern, locale=LOCALES[lang_or_default(lang)])


@lru_cache(maxsize=8192)
def fmt_datetime(value: dt.datetime | None, lang: str) -> str:
    """Returns a local date and time ("25.11.2026 14:05" / "25 Nov 2026 14:05")."""
    if value is None:
        return DASH
    pattern = "dd.MM.yyyy HH:mm" if lang_or_default(lang) == "pl" else "d MMM yyyy HH:mm"
    return format_datetime(value, pattern, locale=LOCALES[lang_or_default(lang)])


def js_locale(lang: str) -> str:
    """Returns the BCP 47 tag the browser uses to format numbers for `lang`."""
    return {"pl": "pl-PL", "en": "en-GB"}[lang_or_default(lang)]


def fmt_duration(seconds: float | None, lang: str) -> str:
    """Returns a duration rounded for reading ("45 s", "12 min", "3 h 20 min", "2 d 4 h"), or "—"."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return DASH
    s = max(0, int(round(seconds)))
    if s < 60:
        return t(lang, "duration.seconds", n=s)
    if s < 3600:
        return t(lang, "duration.minutes", n=s // 60)
    if s < 86400:
        return t(lang, "duration.hours", h=s // 3600, m=s % 3600 // 60)
    return t(lang, "duration.days", d=s // 86400, h=s % 86400 // 3600)


def fmt_decimal(value: float | None, lang: str, digits: int = 1) -> str:
    """Returns a number with `digits` decimals in the language's form ("1,25" / "1.25"), or "—"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    fmt = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, format=fmt, locale=LOCALES[lang_or_default(lang)])


@lru_cache(maxsize=8192)
def fmt_datetime_seconds(value: dt.datetime | None, lang: str) -> str:
    """Returns a local date and time to the second ("25.11.2026 14:05:09" / "25 Nov 2026 14:05:09"):
    a message's timeline, where seconds tell the steps apart."""
    if value is None:
        return DASH
    pattern = "dd.MM.yyyy HH:mm:ss" if lang_or_default(lang) == "pl" else "d MMM yyyy HH:mm:ss"
    return format_datetime(value, pattern, locale=LOCALES[lang_or_default(lang)])
