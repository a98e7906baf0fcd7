"""What the app's AG Grid tables share."""

from __future__ import annotations

from i18n import js_locale, t

GRID_LOCALE_KEYS = [
    "page",
    "of",
    "to",
    "more",
    "nextPage",
    "lastPage",
    "firstPage",
    "previousPage",
    "pageSizeSelectorLabel",
    "ariaPageSizeSelectorLabel",
    "pageLastRowUnknown",
]


def grid_locale(lang: str) -> dict[str, str]:
    """Returns AG Grid's own texts (pagination) in `lang`."""
    return {key: t(lang, f"grid.{key}") for key in GRID_LOCALE_KEYS}


def number_formatter(lang: str, *, percent: bool = False) -> dict:
    """Returns an AG Grid value formatter of a count (or, with `percent`, a share 0..1 with one decimal) in the
    language's form, grouped from four digits as the server's `i18n.fmt_int` / `fmt_pct` do; "—" for no value
    (assets/dashAgGridFunctions.js formatNumber)."""
    return {"function": f"formatNumber(params.value, '{js_locale(lang)}', {'true' if percent else 'false'})"}
