"""What the app's AG Grid tables share."""

from __future__ import annotations

from i18n import t

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
