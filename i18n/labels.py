"""Labels the pages and the exports share: period ranges, chart legends and buckets, campaign and source names,
months left out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from i18n import fmt_date, fmt_date_range, fmt_month, t


def period_label(period, lang: str) -> str:
    """Returns "start – end" of a period (anything with `start` and `end` dates) in the language's date format."""
    return t(lang, "period.range", start=fmt_date(period.start, lang), end=fmt_date(period.end, lang))


def trend_labels(lang: str) -> dict[str, str]:
    """Returns the translated labels of the trend chart."""
    keys = ["sent", "delivered", "ctr", "prev_sent", "prev_delivered", "prev_ctr", "day", "week", "month", "count"]
    keys.append("empty")
    return {k: t(lang, f"trend.{k}") for k in keys}


def bucket_label(start: dt.date, end: dt.date, grain: str, lang: str) -> str:
    """Returns what one bar of a trend chart covers, in full: a day ("07.11.2026"), a whole month ("listopad
    2026"), or else its days ("03–09.11.2026": a week, or a month the period cuts)."""
    if grain == "month" and start.day == 1 and (end + dt.timedelta(days=1)).day == 1:
        return fmt_month(start, lang)
    return fmt_date_range(start, end, lang)


def bucket_tick(start: dt.date, grain: str, lang: str) -> str:
    """Returns the short axis label of a bar starting on `start`: its first day, or its month ("lis 2026")."""
    return fmt_month(start, lang, short=True) if grain == "month" else fmt_date(start, lang)


def campaign_name(label: str | None, lang: str) -> str:
    """Returns how a transactional campaign is shown: its label, or "(no campaign)" for unlabelled messages."""
    return t(lang, "trx.no_campaign") if label is None else label


def source_name(source: str | None, lang: str) -> str:
    """Returns a source ('test', 'api'; None: both) as users read it."""
    return t(lang, f"trx.source.{source or 'all'}")


def named_campaigns(records: list[dict], lang: str, text: str = "") -> list[dict]:
    """Returns transactional campaign rows with `campaign` (the shown name) added, narrowed to names
    containing `text` (any case)."""
    needle = (text or "").strip().casefold()
    for r in records:
        r["campaign"] = campaign_name(r["campaign_label"], lang)
    return [r for r in records if needle in r["campaign"].casefold()] if needle else records


def left_out(months: Mapping[str, str] | None, lang: str) -> str | None:
    """Returns the months every answer leaves out, each with why ('missing' or unreadable), in `lang`;
    None when nothing is left out."""
    if not months:
        return None
    return ", ".join(
        f"{m} ({t(lang, 'lake.why.missing' if why == 'missing' else 'lake.why.unreadable')})"
        for m, why in months.items()
    )


def country_name(code: str | None, lang: str) -> str:
    """Returns a country's name in `lang` (Babel's CLDR names) from its ISO code; the code itself when unknown,
    "unknown country" for none."""
    if not code:
        return t(lang, "ops.unknown_country")
    from babel import Locale

    return Locale.parse(lang).territories.get(str(code).upper(), str(code))


def operator_name(name: str | None, lang: str) -> str:
    """Returns an operator's name as the lake holds it, "unknown operator" for none (landlines, invalid numbers)."""
    return name if name else t(lang, "ops.unknown_operator")
