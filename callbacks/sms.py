"""Callbacks of the SMS reports page: thin wrappers over plain functions."""
from __future__ import annotations

import logging

from dash import Input, Output, State, ctx as dash_ctx, no_update

from context import AppContext
from data import queries
from data.db import LakeUnavailable
from data.period import Period, PeriodError, Preset
from i18n import lang_or_default, t
from layouts import sms
from layouts.figures import reasons_figure, trend_figure
from layouts.ids import Shell, Sms
from reports.dispatches import period_label, trend_labels

log = logging.getLogger(__name__)

REPORT_OUTPUTS = ["period_label", "period_error", "alert", "kpis", "trend", "rows", "count", "empty", "csv_href", "doc_href"]


def _blank() -> dict:
    return {
        "period_label": "", "period_error": None, "alert": None, "kpis": None, "trend": {},
        "rows": [], "count": "", "empty": None, "csv_href": None, "doc_href": None,
    }


def report(ctx: AppContext, *, preset: str | None, start: str | None, end: str | None, lang: str | None) -> dict:
    """Returns everything the page shows for a period choice, keyed by REPORT_OUTPUTS."""
    lang = lang_or_default(lang)
    out = _blank()
    try:
        period = ctx.period(preset, start, end)
    except PeriodError as exc:
        out["period_error"] = sms.error_alert(t(lang, exc.key, **exc.values))
        return out
    out["period_label"] = period_label(period, lang)
    try:
        return _fill(ctx, period, preset, lang, out)
    except Exception as exc:  # noqa: BLE001 - the page shows a readable message instead of a traceback
        out["alert"] = failure_alert(exc, lang)
    return out


def failure_alert(exc: Exception, lang: str):
    """Returns what the page shows for a failure: how to get data when there is none, else the error in one line."""
    if isinstance(exc, LakeUnavailable):
        return sms.empty_state(lang, "empty.lake")
    log.error("SMS page failed", exc_info=exc)
    return sms.error_alert(t(lang, "error.generic", error=f"{type(exc).__name__}: {exc}"))


def _fill(ctx: AppContext, period: Period, preset: str | None, lang: str, out: dict) -> dict:
    compare = preset != Preset.ALL
    status = ctx.db.rollup_status()
    if ctx.db.use_rollups and not status.fresh:
        reason = t(lang, f"rollups.reason.{status.code}", months=", ".join(status.stale_months))
        out["alert"] = sms.warning_alert(t(lang, "rollups.stale", reason=reason))
    now = queries.kpis(ctx.db, period=period).iloc[0]
    prev = queries.kpis(ctx.db, period=period.previous()).iloc[0] if compare else None
    trend = queries.daily_trend(ctx.db, period=period, compare=compare)
    frame = queries.dispatches(ctx.db, period=period)
    out["kpis"] = sms.kpi_cards(now, prev, lang)
    out["trend"] = trend_figure(trend, trend_labels(lang), lang)
    out["rows"] = sms.grid_rows(frame, lang)
    out["count"] = t(lang, "history.count", n=len(frame))
    if frame.empty:
        out["empty"] = sms.empty_state(lang, "history.empty")
    start, end = period.start.isoformat(), period.end.isoformat()
    out["csv_href"] = sms.export_href("dispatches", "csv", start, end, lang)
    out["doc_href"] = sms.export_href("dispatches", "docx", start, end, lang)
    return out


def details(ctx: AppContext, *, number: int, lang: str | None) -> tuple[str, object]:
    """Returns (title, body) of the details dialog of dispatch `number`."""
    lang = lang_or_default(lang)
    try:
        info = queries.dispatch_info(ctx.db, number=number, tz=ctx.tz)
        if info is None:
            return t(lang, "details.title", number=number), sms.error_alert(t(lang, "details.unknown", number=number))
        counts = queries.dispatch_counts(ctx.db, dispatch_id=info["dispatch_id"]).iloc[0]
        reasons = queries.dispatch_reasons(ctx.db, dispatch_id=info["dispatch_id"])
    except Exception as exc:  # noqa: BLE001
        return t(lang, "details.title", number=number), failure_alert(exc, lang)
    names = [t(lang, f"reason.{r or 'none'}") for r in reasons["reason"]]
    figure = reasons_figure(reasons, names, t(lang, "col.count"), lang)
    return t(lang, "details.title", number=number), sms.details_body(info, counts, reasons, figure, lang)


def clicked_dispatch(cell: dict | None) -> int | None:
    """Returns the dispatch number of a click on a row's Details cell, else None."""
    if not cell or cell.get("colId") != "details":
        return None
    row_id = str(cell.get("rowId") or "")
    return int(row_id) if row_id.isdigit() else None


def register(app, ctx: AppContext) -> None:
    """Registers the SMS page's callbacks on `app`."""

    @app.callback(Output(Sms.PERIOD_RANGE_BOX, "style"), Input(Sms.PERIOD_PRESET, "value"))
    def show_range(preset):
        return {"display": "block"} if preset == Preset.CUSTOM else {"display": "none"}

    @app.callback(
        Output(Sms.PERIOD_LABEL, "children"),
        Output(Sms.PERIOD_ERROR, "children"),
        Output(Sms.ALERT, "children"),
        Output(Sms.KPIS, "children"),
        Output(Sms.TREND, "figure"),
        Output(Sms.GRID, "rowData"),
        Output(Sms.HISTORY_COUNT, "children"),
        Output(Sms.HISTORY_EMPTY, "children"),
        Output(Sms.EXPORT_CSV, "href"),
        Output(Sms.EXPORT_DOC, "href"),
        Input(Sms.PERIOD_PRESET, "value"),
        Input(Sms.PERIOD_RANGE, "start_date"),
        Input(Sms.PERIOD_RANGE, "end_date"),
        State(Shell.LANG, "data"),
    )
    def update_report(preset, start, end, lang):
        out = report(ctx, preset=preset, start=start, end=end, lang=lang)
        return tuple(out[k] for k in REPORT_OUTPUTS)

    @app.callback(
        Output(Sms.DETAILS, "is_open"),
        Output(Sms.DETAILS_TITLE, "children"),
        Output(Sms.DETAILS_BODY, "children"),
        Input(Sms.GRID, "cellClicked"),
        Input(Sms.DETAILS_CLOSE, "n_clicks"),
        State(Shell.LANG, "data"),
        prevent_initial_call=True,
    )
    def open_details(cell, _close, lang):
        if dash_ctx.triggered_id == Sms.DETAILS_CLOSE:
            return False, no_update, no_update
        number = clicked_dispatch(cell)
        if number is None:
            return no_update, no_update, no_update
        title, body = details(ctx, number=number, lang=lang)
        return True, title, body
