"""Every component id of the app, one StrEnum per page; pattern-matching ids via factories."""
from __future__ import annotations

from enum import StrEnum


class Shell(StrEnum):
    URL = "shell-url"
    LANG = "shell-lang"
    LANG_PL = "shell-lang-pl"
    LANG_EN = "shell-lang-en"
    NAVBAR = "shell-navbar"
    PAGE = "shell-page"


class Sms(StrEnum):
    PERIOD_PRESET = "sms-period"
    PERIOD_RANGE = "sms-period-range"
    PERIOD_RANGE_BOX = "sms-period-range-box"
    PERIOD_LABEL = "sms-period-label"
    PERIOD_ERROR = "sms-period-error"
    TIMEZONE = "sms-timezone"
    ALERT = "sms-alert"
    KPIS = "sms-kpis"
    TREND = "sms-trend"
    HISTORY_COUNT = "sms-history-count"
    HISTORY_EMPTY = "sms-history-empty"
    GRID = "sms-grid"
    EXPORT_CSV = "sms-export-csv"
    EXPORT_DOC = "sms-export-doc"
    DETAILS = "sms-details"
    DETAILS_TITLE = "sms-details-title"
    DETAILS_BODY = "sms-details-body"
    DETAILS_CLOSE = "sms-details-close"
    DETAILS_REASONS = "sms-details-reasons"
    DETAILS_REASONS_CHART = "sms-details-reasons-chart"


def kpi_card(name: str) -> dict[str, str]:
    """Returns the id of the KPI card `name` (e.g. "sent")."""
    return {"type": "sms-kpi", "index": name}


def numbers_link(group: str, reason: str | None, fmt: str) -> dict[str, str]:
    """Returns the id of a numbers download link of a status group (and reason) in a format."""
    return {"type": "sms-numbers", "index": f"{group}:{reason or ''}:{fmt}"}


def details_group(group: str) -> dict[str, str]:
    """Returns the id of a status group's card in the details dialog."""
    return {"type": "sms-details-group", "index": group}
