"""Every component id of the app, one StrEnum per page; pattern-matching ids via factories."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Shell(StrEnum):
    URL = "shell-url"
    LANG = "shell-lang"
    LANG_PL = "shell-lang-pl"
    LANG_EN = "shell-lang-en"
    NAVBAR = "shell-navbar"
    PAGE = "shell-page"
    PERIOD = "shell-period"  # the period chosen on any page, kept for the browser session
    NAV_TRANSACTIONAL = "shell-nav-transactional"
    NAV_ADMIN = "shell-nav-admin"
    NAV_SCHEDULES = "shell-nav-schedules"  # analysts and admins: reports by e-mail
    ACCOUNT = "shell-account"  # who is logged in, with the log-out button
    LOCAL_BANNER = "shell-local-banner"  # local mode: no users, no log-in


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
    TREND_GRAIN = "sms-trend-grain"  # what one bar of the trend covers: auto, day, week, month
    HISTORY_COUNT = "sms-history-count"
    HISTORY_EMPTY = "sms-history-empty"
    GRID = "sms-grid"
    GRID_REFRESHED = "sms-grid-refreshed"  # the grid was told to ask for its rows again (a clientside callback)
    EXPORT_CSV = "sms-export-csv"
    EXPORT_DOC = "sms-export-doc"
    DETAILS = "sms-details"
    DETAILS_TITLE = "sms-details-title"
    DETAILS_BODY = "sms-details-body"
    DETAILS_CLOSE = "sms-details-close"
    DETAILS_REASONS = "sms-details-reasons"
    DETAILS_REASONS_CHART = "sms-details-reasons-chart"
    DETAILS_OPERATORS = "sms-details-operators"  # the details' "by operator" table
    DETAILS_COUNTRIES = "sms-details-countries"
    DETAILS_DELIVERY_CHART = "sms-details-delivery-chart"  # the details' time-to-delivery histogram
    DETAILS_OPTOUTS = "sms-details-optouts"  # the details' opt-outs (issue 20)
    PERIOD_VIEWS = "sms-period-views"  # the period's operators and time to delivery, under the trend
    PERIOD_OPERATORS = "sms-period-operators"
    PERIOD_COUNTRIES = "sms-period-countries"
    PERIOD_DELIVERY_CHART = "sms-period-delivery-chart"


class Search(StrEnum):
    """Find one message (SMS page): the search box in the page header and the results dialog."""

    TEXT = "search-text"
    BUTTON = "search-button"
    MODAL = "search-modal"
    TITLE = "search-title"
    BODY = "search-body"
    CLOSE = "search-close"
    RESULTS = "search-results"  # the list of messages found


class Trx(StrEnum):
    PERIOD_PRESET = "trx-period"
    PERIOD_RANGE = "trx-period-range"
    PERIOD_RANGE_BOX = "trx-period-range-box"
    PERIOD_LABEL = "trx-period-label"
    PERIOD_ERROR = "trx-period-error"
    TIMEZONE = "trx-timezone"
    ALERT = "trx-alert"
    KPIS = "trx-kpis"
    TREND = "trx-trend"
    TREND_GRAIN = "trx-trend-grain"
    FILTER_TEXT = "trx-filter-text"
    FILTER_SOURCE = "trx-filter-source"
    TABLE_COUNT = "trx-table-count"
    TABLE_EMPTY = "trx-table-empty"
    GRID = "trx-grid"
    EXPORT_CSV = "trx-export-csv"
    EXPORT_DOC = "trx-export-doc"
    OPEN = "trx-open"  # the campaign keys whose rows are expanded
    TOGGLE = "trx-toggle"  # set by the grid's +/- buttons: {"key": campaign key, "at": ms}


class PeriodIds(NamedTuple):
    """The ids of one page's period control (layouts/period.py)."""

    preset: str
    range: str
    range_box: str
    label: str
    error: str
    timezone: str


SMS_PERIOD = PeriodIds(
    Sms.PERIOD_PRESET, Sms.PERIOD_RANGE, Sms.PERIOD_RANGE_BOX, Sms.PERIOD_LABEL, Sms.PERIOD_ERROR, Sms.TIMEZONE
)
TRX_PERIOD = PeriodIds(
    Trx.PERIOD_PRESET, Trx.PERIOD_RANGE, Trx.PERIOD_RANGE_BOX, Trx.PERIOD_LABEL, Trx.PERIOD_ERROR, Trx.TIMEZONE
)


def trx_kpi_card(name: str) -> dict[str, str]:
    """Returns the id of the transactional page's KPI card `name` (e.g. "ctr_raw")."""
    return {"type": "trx-kpi", "index": name}


def kpi_card(name: str) -> dict[str, str]:
    """Returns the id of the KPI card `name` (e.g. "sent")."""
    return {"type": "sms-kpi", "index": name}


def numbers_link(group: str, reason: str | None, fmt: str) -> dict[str, str]:
    """Returns the id of a numbers download link of a status group (and reason) in a format."""
    return {"type": "sms-numbers", "index": f"{group}:{reason or ''}:{fmt}"}


def details_group(group: str) -> dict[str, str]:
    """Returns the id of a status group's card in the details dialog."""
    return {"type": "sms-details-group", "index": group}


class Camp(StrEnum):
    """Grouping on the SMS reports page."""

    TOOLBAR = "camp-toolbar"
    GROUP = "camp-group"
    UNGROUP = "camp-ungroup"
    ADD = "camp-add"
    ADD_TARGET = "camp-add-target"
    REMOVE = "camp-remove"
    FILTER_TOGGLE = "camp-filter-toggle"
    FILTER_PANEL = "camp-filter-panel"
    FILTER_TEXT = "camp-filter-text"
    FILTER_RANGE = "camp-filter-range"
    FILTER_COUNT = "camp-filter-count"
    FILTER_RULE = "camp-filter-rule"
    FILTER_GROUP = "camp-filter-group"
    FILTER_NAME = "camp-filter-name"
    PER_CAMPAIGN = "camp-per-campaign"
    CONFIRM = "camp-confirm"
    CONFIRM_BODY = "camp-confirm-body"
    CONFIRM_OK = "camp-confirm-ok"
    CONFIRM_CANCEL = "camp-confirm-cancel"
    PENDING = "camp-pending"
    CHANGES = "camp-changes"
    EXPANDED = "camp-expanded"
    TOAST = "camp-toast"
    TOAST_TEXT = "camp-toast-text"
    UNDO = "camp-undo"
    MESSAGE = "camp-message"
    AUDIT_TOGGLE = "camp-audit-toggle"
    AUDIT = "camp-audit"
    AUDIT_BODY = "camp-audit-body"
    VIEWER_NOTE = "camp-viewer-note"  # shown instead of the grouping actions to a viewer


class Admin(StrEnum):
    """The administration page: users and the access audit."""

    REFRESH = "admin-refresh"
    USERS = "admin-users"
    AUDIT_ACTION = "admin-audit-action"
    AUDIT = "admin-audit"
    AUDIT_CSV = "admin-audit-csv"
    NEW_NAME = "admin-new-name"
    NEW_ROLE = "admin-new-role"
    NEW_PASSWORD = "admin-new-password"
    ADD = "admin-add"
    CHANGE_USER = "admin-change-user"
    CHANGE_ACTION = "admin-change-action"
    APPLY = "admin-apply"
    MESSAGE = "admin-message"
    TIMEZONE = "admin-timezone"  # the zone the page's times are in
    SESSIONS = "admin-sessions"
    CHAIN = "admin-chain"


class Sched(StrEnum):
    """The Scheduled reports page (analyst and admin roles): reports sent by e-mail."""

    TIMEZONE = "sched-timezone"
    PAGE = "sched-page"  # which report: sms or transactional
    VIEW = "sched-view"  # which saved view of that page (DEFAULT_VIEW: the page's default table)
    FORMATS = "sched-formats"
    EVERY = "sched-every"
    DAY = "sched-day"
    HOUR = "sched-hour"
    PERIOD = "sched-period"
    TO = "sched-to"
    LANG = "sched-lang"
    ADD = "sched-add"
    MESSAGE = "sched-message"
    REFRESH = "sched-refresh"
    LIST = "sched-list"
    REMOVE = "sched-remove"  # a row's remove button: {"type": REMOVE, "index": schedule id}


class Live(StrEnum):
    """The "data as of" note and the "live" switch of both report pages (issue 21)."""

    SMS_SWITCH = "sms-live"
    SMS_TIMER = "sms-live-timer"
    SMS_AS_OF = "sms-live-as-of"
    SMS_VERSION = "sms-live-version"  # the data version the page shows; a change refreshes the report
    TRX_SWITCH = "trx-live"
    TRX_TIMER = "trx-live-timer"
    TRX_AS_OF = "trx-live-as-of"
    TRX_VERSION = "trx-live-version"


class View(StrEnum):
    """A report page's view: its link (copy), saved views, and what a link asked for (callbacks/view_state.py)."""

    LAST = "view-last"  # the query string the page wrote last (shell): an address change that is not it re-renders
    BAR = "view-bar"
    COPY = "view-copy"  # copies the page's address
    COPY_DIALOG = "view-copy-dialog"  # the same, in the SMS page's details dialog
    MENU = "view-menu"  # the saved views
    SAVE_OPEN = "view-save-open"
    SAVE_POPOVER = "view-save-popover"
    NAME = "view-name"
    SHARE = "view-share"  # admins: shared with everyone
    SAVE = "view-save"
    MESSAGE = "view-message"
    REMOVE = "view-remove"  # a saved view's remove entry in the menu: {"type": REMOVE, "index": view id}
    REMOVED = "view-removed"  # what removing a saved view did
    NOTICE = "view-notice"  # the parts of a link that were ignored
    SMS_DETAIL = "view-sms-detail"  # the SMS page's open details dialog: {"dispatch": n} or {"campaign": id}
    SMS_DETAIL_ASKED = "view-sms-detail-asked"  # the dialog a link asked for (opened once the page is drawn)


def view_query(page: str) -> dict[str, str]:
    """Returns the id of a report page's store of its address's query string ({"search", "initial", "sort"})."""
    return {"type": "view-query", "page": page}
