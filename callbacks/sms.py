"""Callbacks of the SMS reports page: thin wrappers over plain functions."""

from __future__ import annotations

import logging

from dash import ClientsideFunction, Input, Output, State, no_update
from dash import ctx as dash_ctx

from callbacks import campaigns as campaign_callbacks
from callbacks import inputs, sms_period
from callbacks import period as period_callbacks
from callbacks import search as search_callbacks
from callbacks.context import PageContext
from callbacks.notices import data_notices, failure_alert
from data.period import Choice, Period
from data.queries import cost as cost_queries
from data.queries import delivery as delivery_queries
from data.queries import dispatches as dispatch_queries
from data.queries import operators as operator_queries
from data.queries import optouts as optout_queries
from data.queries import sms as sms_queries
from data.queries.history import SORTABLE, HistoryFilter, Sort
from data.queries.history_page import SORT_KEYS, history_page
from data.schema import StatusGroup
from data.trend import bucketed, granularity_for
from i18n import lang_or_default, t
from i18n.labels import trend_labels
from layouts import sms
from layouts.components import empty_state, error_alert
from layouts.figures import reasons_figure, trend_figure
from layouts.ids import SMS_PERIOD, Camp, Live, Shell, Sms

log = logging.getLogger(__name__)

REPORT_OUTPUTS = [
    *period_callbacks.OUTPUTS,
    "alert",
    "kpis",
    "trend",
    "count",
    "empty",
    "filter_count",
]


def _blank() -> dict:
    return {
        "period_label": "",
        "period_error": None,
        "range_start": no_update,
        "range_end": no_update,
        "alert": None,
        "kpis": None,
        "trend": {},
        "rows": [],
        "count": "",
        "empty": None,
        "filter_count": "",
    }


def report(
    ctx: PageContext,
    *,
    preset: str | None,
    start: str | None,
    end: str | None,
    lang: str | None,
    flt: HistoryFilter | None = None,
    expanded: frozenset[int] = frozenset(),
    grain: str | None = None,
    trend_only: bool = False,
    rows: bool = True,
) -> dict:
    """Returns everything the page shows for a period choice (and grouping filter, open campaigns, what one bar
    of the trend covers: `grain`), keyed by REPORT_OUTPUTS, and under "rows" (with `rows`) the grid's first block
    of rows as `grid_page` gives it (the grid asks for its rows itself). With `trend_only` (only `grain` changed)
    the trend alone is computed; the rest is no_update."""
    lang = lang_or_default(lang)
    out = _blank()
    for attempt in (1, 2):  # a second time when a lake file was found unreadable: without its month
        try:
            choice = period_callbacks.resolve(ctx, preset, start, end)
            out.update(period_callbacks.shown(choice, start, end, lang))
            return _fill(ctx, choice, lang, out, flt, expanded, grain, trend_only, rows)
        except Exception as exc:  # noqa: BLE001 - the page shows a readable message instead of a traceback
            if attempt == 2 or not ctx.db.note_failure(exc):
                out["alert"] = failure_alert(exc, lang, "SMS")
                break
    return out


def _trend(trend, period: Period, grain: str | None, lang: str) -> dict:
    """Returns the trend figure of a period's daily `trend`, by the chosen (or the period's) granularity."""
    chosen = granularity_for(period, grain)
    return trend_figure(bucketed(trend, chosen), trend_labels(lang), lang, chosen)


def _history_page(ctx: PageContext, period, flt: HistoryFilter | None, expanded: frozenset[int], **cut):
    """Returns the dispatch history's page `cut` (sort, start, end) of the period, with the store's campaigns."""
    campaigns, members = ctx.campaign_frames()
    return history_page(ctx.db, period=period, campaigns=campaigns, members=members, flt=flt, expanded=expanded, **cut)


def _fill(
    ctx: PageContext,
    choice: Choice,
    lang: str,
    out: dict,
    flt: HistoryFilter | None,
    expanded: frozenset[int],
    grain: str | None = None,
    trend_only: bool = False,
    with_rows: bool = True,
) -> dict:
    if choice.period is None:  # a custom range without a day of data: nothing to read
        now, prev, trend = sms_queries.empty_summary()
        if trend_only:
            return {**dict.fromkeys(REPORT_OUTPUTS, no_update), "trend": trend_figure(trend, trend_labels(lang), lang)}
        out["alert"] = data_notices(ctx, lang) or None
        out["kpis"] = sms.kpi_cards(now, prev, lang)
        out["trend"] = trend_figure(trend, trend_labels(lang), lang)
        out["count"] = t(lang, "history.count", n=0)
        out["empty"] = empty_state(lang, "history.empty")
        return out
    period = choice.period
    now, prev, trend = sms_queries.period_summary(ctx.db, period=period, compare=choice.compare)
    if trend_only:
        return {**dict.fromkeys(REPORT_OUTPUTS, no_update), "trend": _trend(trend, period, grain, lang)}
    delivery = delivery_queries.period_delivery(ctx.db, period=period)
    cost = cost_queries.period_cost(ctx.db, period=period)
    optouts = optout_queries.period_optouts(ctx.db, period=period)
    before = optout_queries.period_optouts(ctx.db, period=period.previous()) if prev is not None else None
    out["alert"] = data_notices(ctx, lang) or None
    page = _history_page(ctx, period, flt, expanded, end=sms.GRID_BLOCK if with_rows else 0)
    out["kpis"] = sms.kpi_cards(now, prev, lang, delivery, cost, optouts, before)
    out["trend"] = _trend(trend, period, grain, lang)
    out["rows"] = sms.grid_rows(page.rows, lang, expanded)
    out["count"] = t(lang, "history.count", n=page.dispatches)
    if flt is not None and flt.active:
        out["filter_count"] = t(lang, "camp.filter_count", n=page.dispatches)
    if not page.total:
        out["empty"] = empty_state(lang, "history.empty")
    return out


def grid_request(request: dict | None) -> tuple[int, int, Sort]:
    """Returns (first row, row after the last, sort) of the grid's getRowsRequest: at most a block of rows, by
    its first sorted column that SORT_KEYS knows (none: newest first, the history's own order)."""
    request = request or {}
    start = inputs.integer(request.get("startRow")) or 0
    end = inputs.integer(request.get("endRow"))
    start = max(0, start)
    end = start + sms.GRID_BLOCK if end is None or end <= start else min(end, start + sms.GRID_BLOCK)
    sort = Sort()
    for item in inputs.records(request.get("sortModel")):
        if item.get("colId") in SORT_KEYS and item.get("sort") in ("asc", "desc"):
            sort = Sort(item["colId"], item["sort"] == "desc")
            break
    return start, end, sort


def grid_page(
    ctx: PageContext,
    *,
    preset: str | None,
    start: str | None,
    end: str | None,
    lang: str | None,
    flt: HistoryFilter | None,
    expanded: frozenset[int],
    request: dict | None,
) -> dict:
    """Returns the grid's getRowsResponse to `request` (a getRowsRequest): the block of rows it asks for,
    sorted and formatted, and how many rows the history has (nothing when the period cannot be read: the
    report says why)."""
    lang = lang_or_default(lang)
    first, after, sort = grid_request(request)
    try:
        period = period_callbacks.resolve(ctx, preset, start, end).period
        if period is None:
            return {"rowData": [], "rowCount": 0}
        page = _history_page(ctx, period, flt, expanded, sort=sort, start=first, end=after)
    except Exception:  # noqa: BLE001 - no lake, or a file found unreadable: the report's alert says so
        log.warning("the dispatch grid's rows could not be read", exc_info=True)
        return {"rowData": [], "rowCount": 0}
    return {"rowData": sms.grid_rows(page.rows, lang, expanded), "rowCount": page.total}


def export_links(
    ctx: PageContext,
    *,
    preset: str | None,
    start: str | None,
    end: str | None,
    lang: str | None,
    flt: HistoryFilter | None,
    per_campaign: bool,
    sort: Sort | None,
) -> tuple[str | None, str | None]:
    """Returns the CSV and DOC addresses of what the table shows: period, filter, sort, per campaign or dispatch."""
    lang = lang_or_default(lang)
    try:
        period = period_callbacks.resolve(ctx, preset, start, end).period
    except Exception:  # noqa: BLE001 - no lake, or a file found unreadable: the report says so; no links
        return None, None
    if period is None:
        return None, None
    query = ctx.urls.DispatchesQuery(
        period,
        flt if flt is not None and flt.active else HistoryFilter(),
        sort,
        "campaign" if per_campaign else "dispatch",
    )
    return ctx.urls.dispatches_url("csv", query, lang), ctx.urls.dispatches_url("docx", query, lang)


def grid_sort(column_state: list[dict] | None) -> Sort | None:
    """Returns the grid's sort (the first sorted column) from AG Grid's column state."""
    for col in sorted((c for c in column_state or [] if c.get("sort")), key=lambda c: c.get("sortIndex") or 0):
        if col.get("colId") in SORTABLE:
            return Sort(col["colId"], col["sort"] == "desc")
    return None


def campaign_details(
    ctx: PageContext, *, campaign_id: int, lang: str | None, can_download: bool = True
) -> tuple[str, object]:
    """Returns (title, body) of the details dialog of a campaign: its dispatches' numbers summed
    (with numbers download links when `can_download`)."""
    lang = lang_or_default(lang)
    campaigns = ctx.store.campaigns().set_index("id")
    if campaign_id not in campaigns.index:
        return "", error_alert(t(lang, "campaign.error.unknown_campaign", ids=campaign_id))
    row = campaigns.loc[campaign_id]
    title = t(lang, "details.campaign_title", name=row["name"])
    members = ctx.store.members()
    ids = list(members.loc[members["campaign_id"] == campaign_id, "dispatch_id"])
    try:
        numbers = sorted(dispatch_queries.dispatch_numbers(ctx.db, dispatch_ids=ids).values())
        figures = _details_figures(ctx, ids)
    except Exception as exc:  # noqa: BLE001
        return title, failure_alert(exc, lang, "SMS")
    info = {"campaign_id": campaign_id, "name": row["name"], "description": row["description"], "numbers": numbers}
    return title, _details_body(ctx, info, figures, {"campaign": campaign_id}, lang, can_download)


def details(ctx: PageContext, *, number: int, lang: str | None, can_download: bool = True) -> tuple[str, object]:
    """Returns (title, body) of the details dialog of dispatch `number` (numbers download links when `can_download`)."""
    lang = lang_or_default(lang)
    try:
        info = dispatch_queries.dispatch_info(ctx.db, number=number, tz=ctx.tz)
        if info is None:
            return t(lang, "details.title", number=number), error_alert(t(lang, "details.unknown", number=number))
        figures = _details_figures(ctx, info["dispatch_id"])
    except Exception as exc:  # noqa: BLE001
        return t(lang, "details.title", number=number), failure_alert(exc, lang, "SMS")
    return t(lang, "details.title", number=number), _details_body(
        ctx, info, figures, {"dispatch": number}, lang, can_download
    )


def _details_figures(ctx: PageContext, ids: str | list[str]) -> dict:
    """Returns what the details of a dispatch, or of a campaign's dispatches together (`ids`), show."""
    return {
        "counts": sms_queries.dispatch_counts(ctx.db, dispatch_id=ids).iloc[0],
        "reasons": sms_queries.dispatch_reasons(ctx.db, dispatch_id=ids),
        "breakdowns": operator_queries.dispatch_breakdowns(ctx.db, dispatch_id=ids),
        "delivery": delivery_queries.dispatch_delivery(ctx.db, dispatch_id=ids),
        "cost": cost_queries.dispatch_cost(ctx.db, dispatch_id=ids),
        "optouts": optout_queries.dispatch_optouts(ctx.db, dispatch_id=ids),
    }


def _details_body(ctx: PageContext, info: dict, figures: dict, target: dict, lang: str, can_download: bool):
    """Returns the details dialog's body of `info` with its `figures`; `target` names it in download links."""
    reasons = figures["reasons"]
    names = [t(lang, f"reason.{r or 'none'}") for r in reasons["reason"]]
    return sms.details_body(
        info,
        figures["counts"],
        reasons,
        reasons_figure(reasons, names, t(lang, "col.count"), lang),
        lang,
        numbers_href=_numbers_href(ctx, target, lang, can_download),
        optouts=figures["optouts"],
        optouts_href=_optouts_href(ctx, target, lang, can_download),
        breakdowns=figures["breakdowns"],
        delivery=figures["delivery"],
        delivery_bins=delivery_queries.chart_bins(figures["delivery"].buckets),
        cost=figures["cost"],
    )


def _numbers_href(ctx: PageContext, scope: dict, lang: str, can_download: bool):
    """Returns the builder of numbers download addresses of a dispatch or campaign (`scope`), or None when the
    role may not download numbers."""
    if not can_download:
        return None
    return lambda group, reason, fmt: ctx.urls.numbers_url(
        fmt, ctx.urls.NumbersQuery(StatusGroup(group), reason, **scope), lang
    )


def _optouts_href(ctx: PageContext, scope: dict, lang: str, can_download: bool):
    """Returns the builder (fmt -> address) of the download of the numbers that opted out of a dispatch or
    campaign (`scope`), or None when the role may not download numbers."""
    if not can_download:
        return None
    return lambda fmt: ctx.urls.optouts_url(fmt, ctx.urls.OptoutsQuery(**scope), lang)


def clicked_dispatch(cell: dict | None) -> int | None:
    """Returns the dispatch number of a click on a dispatch row's Details cell, else None."""
    if not cell or cell.get("colId") != "details":
        return None
    row_id = str(cell.get("rowId") or "")
    return int(row_id) if row_id.isdigit() else None


def clicked_campaign(cell: dict | None) -> int | None:
    """Returns the campaign id of a click on a campaign row's Details cell, else None."""
    if not cell or cell.get("colId") != "details":
        return None
    row_id = str(cell.get("rowId") or "")
    return int(row_id[1:]) if row_id.startswith("c") and row_id[1:].isdigit() else None


def view_inputs() -> list[Input]:
    """Returns what chooses the rows shown: the period (preset, from, to) and the grouping filter (text, from, to)."""
    return [
        Input(Sms.PERIOD_PRESET, "value"),
        Input(Sms.PERIOD_RANGE, "start_date"),
        Input(Sms.PERIOD_RANGE, "end_date"),
        Input(Camp.FILTER_TEXT, "value"),
        Input(Camp.FILTER_RANGE, "start_date"),
        Input(Camp.FILTER_RANGE, "end_date"),
    ]


def register(app, ctx: PageContext) -> None:
    """Registers the SMS page's callbacks on `app`."""

    period_callbacks.register(app, SMS_PERIOD)
    campaign_callbacks.register(app, ctx)
    sms_period.register(app, ctx)
    search_callbacks.register(app, ctx)

    @app.callback(
        Output(Sms.PERIOD_LABEL, "children"),
        Output(Sms.PERIOD_ERROR, "children"),
        Output(Sms.PERIOD_RANGE, "start_date"),
        Output(Sms.PERIOD_RANGE, "end_date"),
        Output(Sms.ALERT, "children"),
        Output(Sms.KPIS, "children"),
        Output(Sms.TREND, "figure"),
        Output(Sms.HISTORY_COUNT, "children"),
        Output(Sms.HISTORY_EMPTY, "children"),
        Output(Camp.FILTER_COUNT, "children"),
        *view_inputs(),
        Input(Camp.CHANGES, "data"),
        Input(Camp.EXPANDED, "data"),
        Input(Sms.TREND_GRAIN, "value"),
        Input(Live.SMS_VERSION, "data"),  # a new lake version while "live" is on: the period read again
        State(Shell.LANG, "data"),
    )
    def update_report(preset, start, end, text, fstart, fend, _changes, expanded, grain, _live, lang):
        preset, start, end, text, fstart, fend = map(inputs.text, (preset, start, end, text, fstart, fend))
        flt = campaign_callbacks.filter_or_none(text, fstart, fend)
        out = report(
            ctx,
            preset=preset,
            start=start,
            end=end,
            lang=lang,
            flt=flt,
            expanded=frozenset(inputs.integers(expanded)),
            grain=inputs.text(grain),
            trend_only=set(dash_ctx.triggered_prop_ids) == {f"{Sms.TREND_GRAIN}.value"},
            rows=False,
        )
        return tuple(out[k] for k in REPORT_OUTPUTS)

    @app.callback(
        Output(Sms.GRID, "getRowsResponse"),
        Input(Sms.GRID, "getRowsRequest"),
        *[State(i.component_id, i.component_property) for i in view_inputs()],
        State(Camp.EXPANDED, "data"),
        State(Shell.LANG, "data"),
        prevent_initial_call=True,
    )
    def send_rows(request, preset, start, end, text, fstart, fend, expanded, lang):
        preset, start, end, text, fstart, fend = map(inputs.text, (preset, start, end, text, fstart, fend))
        return grid_page(
            ctx,
            preset=preset,
            start=start,
            end=end,
            lang=lang,
            flt=campaign_callbacks.filter_or_none(text, fstart, fend),
            expanded=frozenset(inputs.integers(expanded)),
            request=inputs.record(request),
        )

    # What the grid shows changed (period, filter, campaigns, open campaigns, a new lake version while live):
    # it asks for its rows again, keeping its sort and page (assets/sms_grid.js).
    app.clientside_callback(
        ClientsideFunction("smsGrid", "refresh"),
        Output(Sms.GRID_REFRESHED, "data"),
        *view_inputs(),
        Input(Camp.CHANGES, "data"),
        Input(Camp.EXPANDED, "data"),
        Input(Live.SMS_VERSION, "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(Sms.EXPORT_CSV, "href"),
        Output(Sms.EXPORT_DOC, "href"),
        *view_inputs(),
        Input(Camp.PER_CAMPAIGN, "value"),
        Input(Sms.GRID, "columnState"),
        State(Shell.LANG, "data"),
    )
    def update_export_links(preset, start, end, text, fstart, fend, per_campaign, column_state, lang):
        preset, start, end, text, fstart, fend = map(inputs.text, (preset, start, end, text, fstart, fend))
        column_state = inputs.records(column_state)
        flt = campaign_callbacks.filter_or_none(text, fstart, fend)
        return export_links(
            ctx,
            preset=preset,
            start=start,
            end=end,
            lang=lang,
            flt=flt,
            per_campaign=bool(per_campaign),
            sort=grid_sort(column_state),
        )

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
        cell = inputs.record(cell)
        number, campaign_id = clicked_dispatch(cell), clicked_campaign(cell)
        can_download = ctx.can("numbers")
        if number is not None:
            title, body = details(ctx, number=number, lang=lang, can_download=can_download)
        elif campaign_id is not None:
            title, body = campaign_details(ctx, campaign_id=campaign_id, lang=lang, can_download=can_download)
        else:
            return no_update, no_update, no_update
        return True, title, body
