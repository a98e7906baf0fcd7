"""Callbacks of the transactional reports page: thin wrappers over plain functions."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from dash import ClientsideFunction, Input, Output, State, no_update
from dash import ctx as dash_ctx

from callbacks import inputs
from callbacks import period as period_callbacks
from callbacks.context import PageContext
from callbacks.inputs import InputRefused
from callbacks.notices import data_notices, failure_alert
from choices import Granularity
from data.period import Choice, Period
from data.queries import delivery as delivery_queries
from data.queries import transactional as trx_queries
from data.queries.transactional import Campaign
from data.schema import check_source
from data.trend import bucketed, granularity_for
from i18n import lang_or_default, t
from i18n.labels import campaign_name, named_campaigns
from layouts import transactional
from layouts.components import empty_state
from layouts.ids import TRX_PERIOD, Live, Shell, Trx
from layouts.operators import breakdown_lines
from layouts.transactional_figures import ctr_figure, delay_figure, trend_figure

log = logging.getLogger(__name__)

MAX_OPEN_ROWS = 20  # rows open at once (assets/transactional.js keeps the browser to it; more is refused)
REPORT_OUTPUTS = [
    *period_callbacks.OUTPUTS,
    "alert",
    "kpis",
    "trend",
    "rows",
    "count",
    "empty",
    "csv_href",
    "doc_href",
]
LATEST_MESSAGES = 10


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
        "csv_href": None,
        "doc_href": None,
    }


def chart_labels(lang: str) -> dict[str, str]:
    """Returns the translated labels of the page's charts."""
    return {
        "sent": t(lang, "trend.sent"),
        "delivered": t(lang, "trend.delivered"),
        "ctr": t(lang, "trx.kpi.ctr"),
        "ctr_raw": t(lang, "trx.kpi.ctr_raw"),
        "ctr_axis": t(lang, "trend.ctr"),
        "day": t(lang, "trend.day"),
        "week": t(lang, "trend.week"),
        "month": t(lang, "trend.month"),
        "count": t(lang, "trend.count"),
        "empty": t(lang, "trend.empty"),
    }


def resolve(ctx: PageContext, preset: str | None, start: str | None, end: str | None) -> Choice:
    """Returns what the page shows for a period choice, as every page resolves it ("all time" from the lake's
    first day with any message)."""
    return period_callbacks.resolve(ctx, preset, start, end)


def source_filter(value: str | None) -> str | None:
    """Returns the source the filter asks for ('test', 'api'), or None for both (and for anything unknown)."""
    try:
        return check_source(value)
    except ValueError:
        return None


def report(
    ctx: PageContext,
    *,
    preset: str | None,
    start: str | None,
    end: str | None,
    text: str | None = None,
    source: str | None = None,
    open_keys: list[str] | None = None,
    lang: str | None,
    rows_only: bool = False,
    can_download: bool = True,
    grain: str | None = None,
    grain_only: bool = False,
) -> dict:
    """Returns everything the page shows for a period and filters, keyed by REPORT_OUTPUTS
    (rows: the campaign rows, each open one followed by its details; `grain`: what one bar of the
    charts covers). With `rows_only` (a row was opened or closed) only rows, count and empty are
    computed, with `grain_only` (the granularity changed) those and the trend; the rest is no_update."""
    lang = lang_or_default(lang)
    if len(dict.fromkeys(open_keys or [])) > MAX_OPEN_ROWS:  # the page never sends more (assets/transactional.js)
        raise InputRefused(f"more than {MAX_OPEN_ROWS} open rows")
    out = _blank()
    for attempt in (1, 2):  # a second time when a lake file was found unreadable: without its month
        try:
            choice = resolve(ctx, preset, start, end)
            out.update(period_callbacks.shown(choice, start, end, lang))
            out = _fill(
                ctx,
                choice.period,
                choice.compare,
                (text or "").strip(),
                source_filter(source),
                list(open_keys or []),
                lang,
                out,
                rows_only or grain_only,
                can_download,
                grain,
                grain_only,
            )
            if rows_only or grain_only:
                kept = ("rows", "count", "empty", "trend") if grain_only else ("rows", "count", "empty")
                out.update({k: no_update for k in REPORT_OUTPUTS if k not in kept})
            return out
        except Exception as exc:  # noqa: BLE001 - the page shows a readable message instead of a traceback
            if attempt == 2 or not ctx.db.note_failure(exc):
                out["alert"] = failure_alert(exc, lang, "transactional")
                break
    return out


def _fill(
    ctx: PageContext,
    period: Period | None,
    compare: bool,
    text: str,
    source: str | None,
    open_keys: list[str],
    lang: str,
    out: dict,
    rows_only: bool,
    can_download: bool = True,
    grain: str | None = None,
    with_trend: bool = False,
) -> dict:
    if period is None:  # a custom range without a day of data: nothing to read
        out["count"] = t(lang, "trx.table.count", n=0)
        out["empty"] = empty_state(lang, "trx.table.empty", spacing="mb-2")
        if not rows_only:
            out["alert"] = data_notices(ctx, lang) or None
            daily = trx_queries.trx_no_days()
            out["kpis"] = transactional.kpi_cards(trx_queries.trx_totals(daily), lang)
            out["trend"] = trend_figure(daily, chart_labels(lang), lang)
        return out
    chosen = granularity_for(period, grain)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="trx-daily") as pool:
        # The daily counts are read while the table is (DuckDB works outside the GIL); then the details of
        # the open rows the table has, only: a key of no campaign in the table costs nothing.
        wanted = with_trend or not rows_only
        daily_read = pool.submit(_daily, ctx, period, source, compare and not rows_only) if wanted else None
        records = table_records(ctx, period=period, lang=lang, source=source, text=text, reuse=rows_only)
        shown = {r["key"] for r in records}
        details = {
            key: cached_detail(
                ctx,
                period=period,
                key=key,
                name=campaign_name(campaign.label, lang),
                source=source,
                lang=lang,
                can_download=can_download,
                grain=chosen,
            )
            for key, campaign in _campaigns(open_keys)
            if key in shown
        }
        daily, before = daily_read.result() if daily_read is not None else (None, None)
    out["rows"] = transactional.grid_rows(records, details)
    out["count"] = t(lang, "trx.table.count", n=len(records))
    if not records:
        out["empty"] = empty_state(lang, "trx.table.empty", spacing="mb-2")
    if daily is not None:
        out["trend"] = trend_figure(bucketed(daily, chosen), chart_labels(lang), lang, chosen)
    if rows_only:
        return out
    out["alert"] = data_notices(ctx, lang) or None
    prev = trx_queries.trx_totals(before) if before is not None else None
    cost = trx_queries.trx_period_cost(ctx.db, period=period, source=source)
    out["kpis"] = transactional.kpi_cards(trx_queries.trx_totals(daily), lang, prev, cost)
    query = ctx.urls.TransactionalQuery(period, source, text)
    out["csv_href"] = ctx.urls.transactional_url("csv", query, lang)
    out["doc_href"] = ctx.urls.transactional_url("docx", query, lang)
    return out


def _daily(ctx: PageContext, period: Period, source: str | None, compare: bool):
    """Returns the daily counts of the period and (when `compare`) of the previous period of equal length,
    else None: both from one query over the days of both."""
    if not compare:
        return trx_queries.trx_daily(ctx.db, period=period, source=source), None
    both = trx_queries.trx_daily(ctx.db, period=Period(period.previous().start, period.end, period.tz), source=source)
    now = both["day"] >= period.start
    return both[now].reset_index(drop=True), both[~now].reset_index(drop=True)


def _campaigns(keys: list[str]) -> list[tuple[str, Campaign]]:
    """Returns (key, campaign) of each of `keys` that names a campaign (others are left out)."""
    found = []
    for key in dict.fromkeys(keys):
        try:
            found.append((key, Campaign.from_key(key)))
        except ValueError:
            continue
    return found


def cached_detail(
    ctx: PageContext,
    *,
    period: Period,
    key: str,
    name: str,
    source: str | None,
    lang: str,
    can_download: bool = True,
    grain: Granularity | None = None,
) -> dict:
    """Returns `detail(...)`, remembered per lake version: opening a row sends every open row's details
    again, and only the new one has to be queried."""
    return ctx.db.remember(
        ("trx-detail", period, key, name, source, lang, can_download, grain),
        lambda: detail(
            ctx, period=period, key=key, name=name, source=source, lang=lang, can_download=can_download, grain=grain
        ),
    )


def table_records(
    ctx: PageContext, *, period: Period, lang: str, source: str | None, text: str, reuse: bool
) -> list[dict]:
    """Returns `campaign_records(...)`, read afresh unless `reuse` (a row opened or closed: the table the
    page shows already), when the answer remembered for this lake version is returned instead."""
    found = ctx.db.remember(
        ("trx-table", period, lang, source, text),
        lambda: campaign_records(ctx, period=period, lang=lang, source=source, text=text),
        fresh=not reuse,
    )
    return [dict(r) for r in found]  # copies: callers may change their rows


def campaign_records(ctx: PageContext, *, period: Period, lang: str, source: str | None, text: str) -> list[dict]:
    """Returns the period's campaign rows as the page shows them (named, narrowed to names containing `text`)."""
    return named_campaigns(trx_queries.trx_campaign_records(ctx.db, period=period, source=source), lang, text)


def detail(
    ctx: PageContext,
    *,
    period: Period,
    key: str,
    name: str,
    source: str | None,
    lang: str,
    can_download: bool = True,
    grain: Granularity | None = None,
) -> dict:
    """Returns the detail row of campaign `key`: its CTR by `grain` (by default the period's), breakdowns, time
    to first click, latest messages (numbers masked), and the link to download its messages (with numbers)
    when `can_download`."""
    grain = granularity_for(period, grain)
    found = trx_queries.trx_detail(
        ctx.db, period=period, campaign=Campaign.from_key(key), source=source, latest=LATEST_MESSAGES
    )
    clicked_n = int(found.delays["messages"].sum())
    delay_fig = None
    if clicked_n:
        bins = trx_queries.click_delay_bins(found.delays)
        delay_fig = delay_figure(
            bins,
            [t(lang, f"trx.delay.bin.{b}") for b in bins["bin"]],
            t(lang, "trx.delay.messages"),
            lang,
            height=transactional.CHART_HEIGHT - 24,
        )
    panel = transactional.detail_panel(
        key=key,
        name=name,
        lang=lang,
        ctr_fig=ctr_figure(
            bucketed(found.daily, grain), chart_labels(lang), lang, height=transactional.CHART_HEIGHT, grain=grain
        ),
        by_source=found.by_source,
        groups=found.groups,
        reasons=found.reasons,
        delay_fig=delay_fig,
        median_s=trx_queries.click_delay_median(found.delays),
        clicked_n=clicked_n,
        latest=found.latest,
        breakdowns=found.breakdowns,
        delivery=found.delivery,
        delivery_bins=delivery_queries.chart_bins(found.delivery.buckets),
        cost=found.cost,
        messages_href=ctx.urls.messages_url(ctx.urls.MessagesQuery(period, key, source), lang)
        if can_download
        else None,
    )
    height = transactional.detail_height(
        sources=len(found.by_source),
        reasons=len(found.reasons),
        groups=found.reasons["status_group"].nunique(),
        latest=len(found.latest),
        breakdown_lines=breakdown_lines(found.breakdowns),
        ttd_chart=found.delivery.timed,
    )
    return transactional.detail_row(key, name, panel, height)


def toggled(open_keys: list[str] | None, key: str | None) -> list[str]:
    """Returns the open campaigns after a click on the +/- of `key` (what assets/transactional.js does in the
    browser): at most MAX_OPEN_ROWS, the one opened first closing when one more opens."""
    keys = list(open_keys or [])
    if not key:
        return keys
    return [k for k in keys if k != key] if key in keys else [*keys, key][-MAX_OPEN_ROWS:]


def register(app, ctx: PageContext) -> None:
    """Registers the transactional page's callbacks on `app`."""
    trx_queries.start_detail_threads()
    period_callbacks.register(app, TRX_PERIOD)

    app.clientside_callback(
        ClientsideFunction(namespace="trx", function_name="toggle"),
        Output(Trx.OPEN, "data"),
        Input(Trx.TOGGLE, "data"),
        State(Trx.OPEN, "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(Trx.PERIOD_LABEL, "children"),
        Output(Trx.PERIOD_ERROR, "children"),
        Output(Trx.PERIOD_RANGE, "start_date"),
        Output(Trx.PERIOD_RANGE, "end_date"),
        Output(Trx.ALERT, "children"),
        Output(Trx.KPIS, "children"),
        Output(Trx.TREND, "figure"),
        Output(Trx.GRID, "rowData"),
        Output(Trx.TABLE_COUNT, "children"),
        Output(Trx.TABLE_EMPTY, "children"),
        Output(Trx.EXPORT_CSV, "href"),
        Output(Trx.EXPORT_DOC, "href"),
        Input(Trx.PERIOD_PRESET, "value"),
        Input(Trx.PERIOD_RANGE, "start_date"),
        Input(Trx.PERIOD_RANGE, "end_date"),
        Input(Trx.FILTER_TEXT, "value"),
        Input(Trx.FILTER_SOURCE, "value"),
        Input(Trx.OPEN, "data"),
        Input(Trx.TREND_GRAIN, "value"),
        Input(Live.TRX_VERSION, "data"),  # a new lake version while "live" is on: the period read again
        State(Shell.LANG, "data"),
    )
    def update_report(preset, start, end, text, source, open_keys, grain, _live, lang):
        # A row opened or closed: only the table changes (every open row's details are sent again,
        # so the answer to the latest click is complete even if an earlier one was superseded).
        triggered = set(dash_ctx.triggered_prop_ids)
        rows_only = triggered == {f"{Trx.OPEN}.data"}
        preset, start, end, text, source = map(inputs.text, (preset, start, end, text, source))
        open_keys = inputs.texts(open_keys)
        out = report(
            ctx,
            preset=preset,
            start=start,
            end=end,
            text=text,
            source=source,
            open_keys=open_keys,
            lang=lang,
            rows_only=rows_only,
            can_download=ctx.can("numbers"),
            grain=inputs.text(grain),
            grain_only=triggered == {f"{Trx.TREND_GRAIN}.value"},
        )
        return tuple(out[k] for k in REPORT_OUTPUTS)
