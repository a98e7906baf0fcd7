"""Message catalogs (pl first, en second) and number/date formatting per language."""

from __future__ import annotations

import datetime as dt
import math
import numbers
from collections.abc import Mapping
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_interval
from babel.numbers import format_decimal, format_percent, get_group_symbol

from i18n.en import MESSAGES as EN
from i18n.pl import MESSAGES as PL

LANGS = ("pl", "en")
DEFAULT_LANG = "pl"
#: A catalog entry: a text, or a counted text's forms by CLDR plural category ("one", "few", "many", "other").
Message = str | Mapping[str, str]
CATALOGS: dict[str, dict[str, Message]] = {"pl": PL, "en": EN}
LOCALES = {"pl": "pl_PL", "en": "en_GB"}
DASH = "—"


def lang_or_default(lang: str | None) -> str:
    """Returns `lang` when it is a supported language, else the default (for any value a request may carry)."""
    return lang if isinstance(lang, str) and lang in CATALOGS else DEFAULT_LANG


def t(lang: str, key: str, **values: object) -> str:
    """Returns the text of `key` in `lang`, with `{name}` placeholders filled.

    A counted message (its entry holds one form per plural category) takes its count as `n`: the form is
    the one CLDR's plural rule of `lang` picks for `n` ("1 wysyłka", "2 wysyłki", "5 wysyłek"), and `{n}`
    is written with the language's digit grouping."""
    lang = lang_or_default(lang)
    text = CATALOGS[lang][key]
    if not isinstance(text, str):
        n = values.get("n")
        if not isinstance(n, numbers.Real) or isinstance(n, bool):
            raise TypeError(f"{key!r} is a counted message: pass its count as n=<number>, not {n!r}")
        text = text[plural_category(n, lang)]
        values = {**values, "n": fmt_int(n, lang) if float(n).is_integer() else fmt_decimal(float(n), lang, 1)}
    return text.format(**values) if values else text


@lru_cache(maxsize=8)
def _locale(lang: str) -> Locale:
    return Locale.parse(LOCALES[lang_or_default(lang)])


def plural_category(n: float, lang: str) -> str:
    """Returns the CLDR plural category of the count `n` in `lang` ("one", "few", "many" or "other")."""
    return _locale(lang).plural_form(abs(n))


def plural_categories(lang: str) -> frozenset[str]:
    """Returns every CLDR plural category of `lang` (pl: one, few, many, other; en: one, other)."""
    return _locale(lang).plural_form.tags | {"other"}


def fmt_int(value: int | float | None, lang: str) -> str:
    """Returns a whole number formatted for the language ("1 725", "12 345" / "1,725", "12,345").

    Every count the app shows is grouped from four digits on, in both languages: a column
    must not mix "1725" with "13 180" (CLDR lets Polish leave four-digit numbers ungrouped,
    and browsers do; the grids group them too: assets/dashAgGridFunctions.js formatNumber).
    Exports meant for machines (CSV, XML) keep plain digits.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    # what format_decimal(value, "#,##0") writes, without its pattern parsing: a detail view formats hundreds
    return f"{int(value):,}".replace(",", _group_symbol(lang_or_default(lang)))


@cache
def _group_symbol(lang: str) -> str:
    """Returns the language's thousands separator ("\xa0" / ",")."""
    return get_group_symbol(LOCALES[lang])


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


@lru_cache(maxsize=4096)
def fmt_date_range(start: dt.date, end: dt.date, lang: str) -> str:
    """Returns a range of days as short as it reads ("03–09.11.2026", "28.12.2026–03.01.2027" / "3–9 Nov 2026");
    one day when `start` is `end`."""
    if start == end:
        return fmt_date(start, lang)
    lang = lang_or_default(lang)
    return format_interval(start, end, "yMd" if lang == "pl" else "yMMMd", locale=LOCALES[lang])


@lru_cache(maxsize=4096)
def fmt_month(value: dt.date, lang: str, *, short: bool = False) -> str:
    """Returns the month of a date with its year ("listopad 2026" / "November 2026"; `short`: "lis 2026" / "Nov 2026")."""
    return format_date(value, "LLL yyyy" if short else "LLLL yyyy", locale=LOCALES[lang_or_default(lang)])


def fmt_instant(value: str | dt.datetime | None, lang: str, tz: str, *, seconds: bool = False) -> str:
    """Returns an instant as the date and time of the reporting zone `tz` ("06.12.2026 12:53" / "6 Dec 2026 12:53",
    with `seconds` "12:53:21"): ISO text with its offset as the stores keep it, or an aware datetime; a naive one
    is UTC. "—" when missing or unreadable."""
    try:
        if value is None or bool(value != value):  # None, NaN, NaT
            return DASH
    except TypeError:  # pandas' NA
        return DASH
    try:
        when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        return DASH
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    local = when.astimezone(ZoneInfo(tz))
    pattern = "dd.MM.yyyy HH:mm" if lang_or_default(lang) == "pl" else "d MMM yyyy HH:mm"
    return format_datetime(local, pattern + (":ss" if seconds else ""), locale=LOCALES[lang_or_default(lang)])


def js_locale(lang: str) -> str:
    """Returns the BCP 47 tag the browser uses to format numbers for `lang`."""
    return {"pl": "pl-PL", "en": "en-GB"}[lang_or_default(lang)]


def fmt_duration(seconds: float | None, lang: str) -> str:
    """Returns a duration rounded for reading ("45 s", "12 min", "3 h 20 min", "2 d 4 h"), or "—"."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return DASH
    s = max(0, int(round(seconds)))
    if s < 60:
        return t(lang, "duration.seconds", s=s)
    if s < 3600:
        return t(lang, "duration.minutes", m=s // 60)
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


def fmt_money(value, currency: str, lang: str, digits: int = 2) -> str:
    """Returns an amount in `currency` (ISO code) in the language's form ("1 234,50 zł" / "€1,234.50") with
    `digits` decimals, or "—"; an unknown code is written after the number."""
    from babel.numbers import format_currency

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    locale = LOCALES[lang_or_default(lang)]
    try:
        pattern = None if digits == 2 else Locale.parse(locale).currency_formats["standard"].pattern
        if pattern is not None:
            pattern = pattern.replace("0.00", "0." + "0" * digits)
        return format_currency(value, currency, locale=locale, format=pattern, currency_digits=digits == 2)
    except (ValueError, KeyError):
        return f"{format_decimal(value, format='#,##0.' + '0' * digits, locale=locale)} {currency}"


def fmt_cost_sums(cost, lang: str) -> str:
    """Returns a `data.queries.cost.Cost` in a table cell: each currency's sum joined by " + " (never one sum of
    two), then " + ?" when some messages have no price ("?" alone with no price at all, "—" with no message)."""
    sums = [fmt_money(c.cost, currency, lang) for currency, c in cost.currencies.items()]
    return " + ".join(sums + (["?"] if cost.unknown else [])) or DASH
