"""What a report page shows above its numbers, or instead of them: months left out, stale rollups, failures."""

from __future__ import annotations

import logging

from callbacks.context import PageContext
from data.db import LakeUnavailable
from i18n import t
from i18n.labels import left_out
from layouts.components import failure_alert as failure_box
from layouts.components import warning_alert

log = logging.getLogger(__name__)


def data_notices(ctx: PageContext, lang: str, stale: bool = True) -> list:
    """Returns the warnings a report page shows above its numbers: months left out because their
    files cannot be read (or are gone), and rollups out of date (`stale`)."""
    notices = []
    try:
        months = left_out(ctx.db.unreadable(), lang)
    except LakeUnavailable:
        months = None
    if months:
        notices.append(warning_alert(t(lang, "lake.left_out", months=months)))
    status = ctx.db.rollup_status()
    if stale and ctx.db.use_rollups and not status.fresh:
        reason = t(lang, f"rollups.reason.{status.code}", months=", ".join(status.stale_months))
        notices.append(warning_alert(t(lang, "rollups.stale", reason=reason)))
    return notices


def failure_alert(exc: Exception, lang: str, page: str):
    """Returns what a page shows for a failure: how to get data when there is none, else the error in one line
    (logged with its traceback, which the user never sees)."""
    no_data = isinstance(exc, LakeUnavailable)
    if not no_data:
        log.error("%s page failed", page, exc_info=exc)
    return failure_box(exc, lang, no_data=no_data)
