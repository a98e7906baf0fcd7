"""The transactional reports page: period, KPI cards, daily chart, campaign table whose rows
expand in place (AG Grid community full-width rows, drawn by assets/dashAgGridComponentFunctions.js).

The expanded part of a row is built here as an ordinary component tree (html.* and
dcc.Graph only); it travels inside the grid's row data and the grid's full-width row
renderer draws it (static content: charts, tables, a download link).
"""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from i18n import fmt_datetime, fmt_decimal, fmt_duration, fmt_int, fmt_pct, t
from layouts import period
from layouts.components import clicks_line, help_icon, trend_card
from layouts.cost import cost_card, cost_section
from layouts.delivery import TTD_CHART_HEIGHT, delivery_section
from layouts.exports import export_buttons
from layouts.figures import graph_config
from layouts.grid import grid_locale, number_formatter
from layouts.ids import TRX_PERIOD, Live, Trx, trx_kpi_card
from layouts.live import live_bar
from layouts.operators import breakdown_section

KPI_ORDER = ["sent", "delivered", "clicked", "ctr", "ctr_raw"]
KPI_ICONS = {
    "sent": "bi-send",
    "delivered": "bi-check2-circle",
    "clicked": "bi-hand-index",
    "ctr": "bi-person-check",
    "ctr_raw": "bi-robot",
}
# Each card's definition (the "?"): the SMS page's where the figure is the same.
HELP = {
    "sent": "help.trx.sent",
    "delivered": "help.kpi.delivered",
    "clicked": "help.trx.clicked",
    "ctr": "help.trx.ctr",
    "ctr_raw": "help.trx.ctr_raw",
}
SOURCES = ["all", "test", "api"]
DETAIL_PREFIX = "detail:"
CHART_HEIGHT = 200  # px of each chart in an expanded row


def page(lang: str, tz: str, stored_period: dict | None = None) -> html.Div:
    """Returns the page skeleton in `lang`, its period set to the one kept in the session; callbacks fill it."""
    return html.Div(
        [
            html.H1(t(lang, "page.trx.title"), className="h3 mb-1"),
            html.P(t(lang, "page.trx.lead"), className="text-muted mb-3"),
            live_bar(
                lang, switch=Live.TRX_SWITCH, timer=Live.TRX_TIMER, as_of=Live.TRX_AS_OF, version=Live.TRX_VERSION
            ),
            period.period_control(lang, tz, TRX_PERIOD, stored_period),
            html.Div(id=Trx.ALERT),
            dcc.Loading(html.Div(id=Trx.KPIS, className="mb-3"), type="dot", delay_show=300),
            trend_card(lang, title=t(lang, "trx.trend.heading"), graph_id=Trx.TREND, grain_id=Trx.TREND_GRAIN),
            table_card(lang),
            dcc.Store(id=Trx.OPEN, data=[]),
            dcc.Store(id=Trx.TOGGLE),
        ]
    )


def kpi_values(row: pd.Series, lang: str) -> dict[str, str]:
    """Returns the cards' figures of a `trx_kpis` row, formatted: sent, delivered, clicked, CTR, raw CTR."""
    return {
        "sent": fmt_int(row["sent"], lang),
        "delivered": fmt_int(row["delivered"], lang),
        "clicked": fmt_int(row["clicked"], lang),
        "ctr": fmt_pct(row["ctr"], lang, 2),
        "ctr_raw": fmt_pct(row["ctr_raw"], lang, 2),
    }


def kpi_cards(row: pd.Series, lang: str, prev: pd.Series | None = None, cost=None) -> dbc.Row:
    """Returns the KPI cards of a `data.queries.transactional.trx_kpis` row: sent, delivered (% of sent), clicked,
    CTR, raw CTR; each with the previous period's figure beneath when `prev` (a row of that period) is given;
    and the SMS page's cost card when some message of the period has a price (`cost`: a `Cost`)."""
    values = kpi_values(row, lang)
    before = kpi_values(prev, lang) if prev is not None else None
    previous_help = " " + t(lang, "help.kpi.previous") if prev is not None else ""
    extra = {
        "sent": [],
        "delivered": [
            html.Div(t(lang, "kpi.of_sent", pct=fmt_pct(row["delivered_pct"], lang)), className="small text-success")
        ],
        "clicked": [
            html.Div(
                t(lang, "trx.kpi.clicked_raw", value=fmt_int(row["clicked_raw"], lang)), className="small text-muted"
            ),
            clicks_line(row["clicks"], row["clicks_per_clicker"], lang),
        ],
        "ctr": [html.Div(t(lang, "trx.kpi.ctr_hint"), className="small text-muted")],
        "ctr_raw": [html.Div(t(lang, "trx.kpi.ctr_raw_hint"), className="small text-muted")],
    }
    if not pd.isna(row["ctr"]) and not pd.isna(row["ctr_raw"]):
        gap = fmt_decimal((row["ctr_raw"] - row["ctr"]) * 100, lang, 2)
        extra["ctr_raw"].append(html.Div(t(lang, "trx.kpi.bot_gap", pp=gap), className="small text-danger"))
    if before is not None:
        for key in KPI_ORDER:
            extra[key].append(
                html.Div(t(lang, "kpi.previous", value=before[key]), className="small text-muted trx-kpi-previous")
            )
    cards = [
        dbc.Col(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div(
                            [
                                html.I(className=f"bi {KPI_ICONS[key]} me-1"),
                                t(lang, f"trx.kpi.{key}"),
                                help_icon(t(lang, HELP[key]) + previous_help),
                            ],
                            className="small text-muted",
                        ),
                        html.Div(values[key], className="fs-4 fw-semibold kpi-value"),
                        *extra[key],
                    ],
                    className="p-2",
                ),
                id=trx_kpi_card(key),
                className="h-100",
            ),
            xs=6,
            md=4,
            xl=True,
        )
        for key in KPI_ORDER
    ]
    if cost is not None and cost.known:
        cards.append(cost_card(cost, lang, trx_kpi_card("cost")))
    return dbc.Row(cards, className="g-2")


def grid_columns(lang: str) -> list[dict]:
    """Returns the campaign table's columns: campaign, sent, delivered, clicked, CTR, details (+/-)."""

    def num(field: str, header: str, percent: bool = False) -> dict:
        return {
            "field": field,
            "headerName": header,
            "type": "rightAligned",
            "width": 130,
            "valueFormatter": number_formatter(lang, percent=percent),
        }

    return [
        {"field": "campaign", "headerName": t(lang, "trx.col.campaign"), "flex": 2, "minWidth": 220},
        num("sent", t(lang, "col.sent")),
        num("delivered", t(lang, "col.delivered")),
        num("clicked", t(lang, "col.clicked")),
        num("ctr", t(lang, "col.ctr"), percent=True),
        {
            "colId": "details",
            "field": "open",
            "headerName": t(lang, "col.details"),
            "sortable": False,
            "width": 160,
            "cellRenderer": "TrxToggle",
            "cellClass": "trx-toggle-cell",
            "cellRendererParams": {
                "show": t(lang, "trx.toggle.show"),
                "hide": t(lang, "trx.toggle.hide"),
                "text": t(lang, "col.details"),
                "target": Trx.TOGGLE,
            },
        },
    ]


def grid_rows(records: list[dict], open_details: dict[str, dict]) -> list[dict]:
    """Returns the grid's rows: one per campaign of `records` (`reports.transactional.campaign_records`),
    each open one followed by its detail row (`open_details`: key -> `detail_row(...)`)."""
    rows: list[dict] = []
    for row in records:
        rows.append(campaign_row(row, open_=row["key"] in open_details))
        if row["key"] in open_details:
            rows.append(open_details[row["key"]])
    return rows


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """Returns `columns` of each row of `frame` as a dict (plain Python values; for a few
    dozen rows far cheaper than itertuples or to_dict)."""
    return [dict(zip(columns, values)) for values in zip(*(frame[c].tolist() for c in columns))]


def campaign_row(row: dict, *, open_: bool) -> dict:
    """Returns one campaign's grid row (raw numbers for sorting; None where a rate is undefined)."""

    def number(value):
        return None if value is None or pd.isna(value) else float(value)

    return {
        "row_id": row["key"],
        "campaign": row["campaign"],
        "sent": int(row["sent"]),
        "delivered": int(row["delivered"]),
        "clicked": int(row["clicked"]),
        "ctr": number(row["ctr"]),
        "open": bool(open_),
    }


def detail_row(key: str, campaign: str, panel: html.Div, height: int) -> dict:
    """Returns the full-width row (`height` px) shown under campaign `key` while it is open."""
    return {"row_id": DETAIL_PREFIX + key, "detail_of": key, "campaign": campaign, "height": height, "detail": panel}


def filters(lang: str) -> dbc.Row:
    """Returns the campaign-name and source filters of the table."""
    return dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label(t(lang, "trx.filter.campaign"), html_for=Trx.FILTER_TEXT, className="small mb-1"),
                    dbc.Input(
                        id=Trx.FILTER_TEXT,
                        type="search",
                        debounce=400,
                        size="sm",
                        placeholder=t(lang, "trx.filter.placeholder"),
                        autocomplete="off",
                    ),
                ],
                md=5,
            ),
            dbc.Col(
                [
                    dbc.Label(t(lang, "trx.filter.source"), html_for=Trx.FILTER_SOURCE, className="small mb-1 d-block"),
                    dbc.RadioItems(
                        id=Trx.FILTER_SOURCE,
                        value="all",
                        options=[{"label": t(lang, f"trx.source.{s}"), "value": s} for s in SOURCES],
                        className="btn-group",
                        inputClassName="btn-check",
                        labelClassName="btn btn-outline-secondary btn-sm",
                        labelCheckedClassName="active",
                    ),
                ],
                md="auto",
                className="radio-group",
            ),
        ],
        className="g-3 mb-2 align-items-end",
    )


def table_card(lang: str) -> dbc.Card:
    """Returns the campaign table card: count, exports, filters and the grid."""
    return dbc.Card(
        [
            dbc.CardHeader(
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                html.Span(
                                    [t(lang, "trx.table.title"), help_icon(t(lang, "help.trx.table"))],
                                    className="fw-semibold me-3",
                                ),
                                html.Span(id=Trx.TABLE_COUNT, className="text-muted small"),
                            ]
                        ),
                        dbc.Col(
                            [
                                html.Span(t(lang, "trx.export.hint"), className="text-muted small me-2"),
                                *export_buttons(lang, Trx.EXPORT_CSV, Trx.EXPORT_DOC),
                            ],
                            className="text-end",
                            width="auto",
                        ),
                    ],
                    className="align-items-center",
                )
            ),
            dbc.CardBody(
                [
                    filters(lang),
                    html.Div(id=Trx.TABLE_EMPTY),
                    dag.AgGrid(
                        id=Trx.GRID,
                        columnDefs=grid_columns(lang),
                        rowData=[],
                        defaultColDef={"sortable": True, "resizable": True},
                        dashGridOptions={
                            "pagination": True,
                            "paginationPageSize": 25,
                            "paginationPageSizeSelector": [25, 50, 100],
                            "animateRows": False,
                            "domLayout": "autoHeight",
                            "localeText": {"noRowsToShow": t(lang, "trx.table.empty"), **grid_locale(lang)},
                            # An open row's details: a full-width row placed right under it, whatever the sort.
                            "isFullWidthRow": {
                                "function": "params.rowNode.data != null && params.rowNode.data.detail_of != null"
                            },
                            "fullWidthCellRenderer": "TrxDetail",
                            "getRowHeight": {
                                "function": "params.data && params.data.detail_of != null ? params.data.height : undefined"
                            },
                            "postSortRows": {"function": "trxKeepDetailsUnderParents(params)"},
                        },
                        getRowId="params.data.row_id",
                        className="sms-grid trx-grid",
                        style={"width": "100%"},
                    ),
                ]
            ),
        ],
        className="mb-3",
    )


# ------------------------------------------------------------------ the expanded part of a row


def _table(
    head: list[str], rows: list[list], *, class_name: str, foot: list | None = None, numeric_from: int = 1
) -> html.Table:
    def cells(values, tag):
        return [tag(v, className="text-end") if i >= numeric_from else tag(v) for i, v in enumerate(values)]

    parts = [html.Thead(html.Tr(cells(head, html.Th))), html.Tbody([html.Tr(cells(r, html.Td)) for r in rows])]
    if foot:
        parts.append(html.Tfoot(html.Tr(cells(foot, html.Th))))
    return html.Div(
        html.Table(parts, className=f"table table-sm table-borderless mb-2 small {class_name}"),
        className="table-responsive",
    )


def _heading(text: str, *extra) -> html.Div:
    return html.Div([text, *extra], className="small fw-semibold text-muted text-uppercase mb-1")


def source_table(by_source: pd.DataFrame, lang: str) -> html.Table:
    """Returns the breakdown by source (test, API) with a total row."""
    rows = [
        [
            t(lang, f"trx.source.{r['source']}"),
            fmt_int(r["sent"], lang),
            fmt_int(r["delivered"], lang),
            fmt_int(r["clicked"], lang),
            fmt_pct(r["ctr"], lang),
        ]
        for r in _records(by_source, ["source", "sent", "delivered", "clicked", "ctr"])
    ]
    sent, delivered, clicked = (int(by_source[c].sum()) for c in ("sent", "delivered", "clicked"))
    foot = [
        t(lang, "trx.detail.total"),
        fmt_int(sent, lang),
        fmt_int(delivered, lang),
        fmt_int(clicked, lang),
        fmt_pct(clicked / delivered if delivered else None, lang),
    ]
    head = [
        t(lang, "trx.col.source"),
        t(lang, "col.sent"),
        t(lang, "col.delivered"),
        t(lang, "col.clicked"),
        t(lang, "col.ctr"),
    ]
    return _table(head, rows, class_name="trx-by-source", foot=foot)


def status_table(groups: pd.DataFrame, lang: str) -> html.Table:
    """Returns the breakdown by status group with shares and a total row."""
    rows = [
        [t(lang, f"group.{r['status_group']}"), fmt_int(r["count"], lang), fmt_pct(r["share"], lang)]
        for r in _records(groups, ["status_group", "count", "share"])
    ]
    total = int(groups["count"].sum())
    foot = [t(lang, "trx.detail.total"), fmt_int(total, lang), ""]  # the shares have two bases: no 100% here
    return _table(
        [
            t(lang, "col.status_group"),
            t(lang, "col.count"),
            html.Span([t(lang, "col.share"), help_icon(t(lang, "help.trx.status_share"))]),
        ],
        rows,
        class_name="trx-by-status",
        foot=foot,
    )


def reason_table(reasons: pd.DataFrame, lang: str):
    """Returns the reasons of not-sent and not-delivered messages under their status group, with
    counts and shares of the group (or a note that there are none)."""
    if reasons.empty:
        return html.Div(t(lang, "trx.detail.no_reasons"), className="small text-success trx-by-reason")
    by_group: dict[str, list[dict]] = {}  # in the order the groups first appear
    for r in _records(reasons, ["status_group", "reason", "count", "share"]):
        by_group.setdefault(r["status_group"], []).append(r)
    body = []
    for group, part in by_group.items():
        body.append(
            html.Tr(html.Th(t(lang, f"group.{group}"), colSpan=3, className="text-muted fw-normal fst-italic pt-1"))
        )
        for r in part:
            reason = r["reason"] or "none"
            name = html.Span(t(lang, f"reason.{reason}"), title=t(lang, f"reason.{reason}.explain"))
            body.append(
                html.Tr(
                    [
                        html.Td(name),
                        html.Td(fmt_int(r["count"], lang), className="text-end"),
                        html.Td(fmt_pct(r["share"], lang), className="text-end"),
                    ]
                )
            )
    head = html.Thead(
        html.Tr(
            [
                html.Th(t(lang, "col.reason")),
                html.Th(t(lang, "col.count"), className="text-end"),
                html.Th([t(lang, "col.share"), help_icon(t(lang, "help.reason_share"))], className="text-end"),
            ]
        )
    )
    return html.Table([head, html.Tbody(body)], className="table table-sm table-borderless mb-2 small trx-by-reason")


def latest_table(latest: pd.DataFrame, lang: str):
    """Returns the campaign's latest messages: time, masked number, source, status, clicks (people / all)."""
    if latest.empty:
        return html.Div(t(lang, "trx.detail.no_messages"), className="small text-muted")
    rows = [
        [
            fmt_datetime(pd.Timestamp(r["created_at"]).to_pydatetime(), lang),
            html.Span(r["msisdn_masked"], className="font-monospace"),
            t(lang, f"trx.source.{r['source']}"),
            t(lang, f"status.{r['status']}"),
            f"{fmt_int(r['clicks'], lang)} / {fmt_int(r['clicks_raw'], lang)}",
        ]
        for r in _records(latest, ["created_at", "msisdn_masked", "source", "status", "clicks", "clicks_raw"])
    ]
    head = [
        t(lang, "trx.col.time"),
        t(lang, "trx.col.number"),
        t(lang, "trx.col.source"),
        t(lang, "trx.col.status"),
        html.Span(t(lang, "trx.col.clicks_short"), title=t(lang, "trx.col.clicks")),
    ]
    return _table(head, rows, class_name="trx-latest", numeric_from=4)


def detail_panel(
    *,
    key: str,
    name: str,
    ctr_fig: dict,
    by_source: pd.DataFrame,
    groups: pd.DataFrame,
    reasons: pd.DataFrame,
    delay_fig: dict | None,
    median_s: float | None,
    clicked_n: int,
    latest: pd.DataFrame,
    messages_href: str | None,
    lang: str,
    breakdowns: dict[str, pd.DataFrame] | None = None,
    delivery=None,
    cost=None,
    delivery_bins: pd.DataFrame | None = None,
) -> html.Div:
    """Returns the expanded part of campaign `key`'s row: daily CTR, breakdowns, time to first click, time to
    `delivery` (its histogram from `delivery_bins`, `data.queries.delivery.chart_bins`, when given), cost,
    latest messages; the messages download link only with a `messages_href` (roles that may download numbers)."""
    if delay_fig is None:
        delay = html.Div(t(lang, "trx.detail.no_clicks"), className="small text-muted trx-delay-none")
    else:
        delay = html.Div(
            [
                html.Div(
                    [
                        html.Span(
                            t(lang, "trx.detail.median", value=fmt_duration(median_s, lang)),
                            className="fw-semibold me-2 trx-median",
                        ),
                        html.Span(t(lang, "trx.detail.delay_count", n=int(clicked_n)), className="small text-muted"),
                    ]
                ),
                dcc.Graph(
                    figure=delay_fig,
                    config={**graph_config(), "displayModeBar": False},
                    style={"height": f"{CHART_HEIGHT - 24}px"},
                    className="trx-delay-chart",
                ),
            ],
        )
    return html.Div(
        [
            html.Div(
                [
                    html.H2(t(lang, "trx.detail.title", name=name), className="h6 mb-0"),
                    html.A(
                        [html.I(className="bi bi-download me-1"), t(lang, "trx.detail.download")],
                        href=messages_href,
                        download="",
                        className="btn btn-sm btn-outline-secondary trx-messages-csv",
                    )
                    if messages_href
                    else html.Span(),
                ],
                className="d-flex justify-content-between align-items-center mb-2",
            ),
            html.Div(
                [
                    html.Div(
                        [
                            _heading(t(lang, "trx.detail.ctr_heading")),
                            dcc.Graph(
                                figure=ctr_fig,
                                config={**graph_config(), "displayModeBar": False},
                                style={"height": f"{CHART_HEIGHT}px"},
                                className="trx-ctr-chart",
                            ),
                        ],
                        className="col-lg-7",
                    ),
                    html.Div(
                        [_heading(t(lang, "trx.detail.delay"), help_icon(t(lang, "help.trx.delay"))), delay],
                        className="col-lg-5",
                    ),
                ],
                className="row g-3",
            ),
            html.Div(
                [
                    html.Div(
                        [
                            _heading(t(lang, "trx.detail.by_source")),
                            source_table(by_source, lang),
                            _heading(t(lang, "trx.detail.by_status")),
                            status_table(groups, lang),
                        ],
                        className="col-lg-5",
                    ),
                    html.Div(
                        [_heading(t(lang, "trx.detail.by_reason")), reason_table(reasons, lang)], className="col-lg-7"
                    ),
                ],
                className="row g-3 mt-0",
            ),
            delivery_section(delivery, delivery_bins, lang, chart=delivery_bins is not None)
            if delivery is not None
            else html.Div(),
            cost_section(cost, lang) if cost is not None else html.Div(),
            breakdown_section(breakdowns, lang) if breakdowns is not None else html.Div(),
            html.Div([_heading(t(lang, "trx.detail.latest")), latest_table(latest, lang)], className="mt-2"),
        ],
        className="trx-detail-panel",
        **{"data-campaign": key},
    )


def detail_height(
    *, sources: int, reasons: int, groups: int, latest: int, breakdown_lines: int = 0, ttd_chart: bool = False
) -> int:
    """Returns the height in px an expanded row needs (its panel scrolls inside if a guess falls short; `ttd_chart`:
    the time-to-delivery histogram is drawn)."""
    lines = max(sources + 2 + 4 + 2 + 2, reasons + groups + 2)  # rows, headings, headers and totals of each column
    lines += breakdown_lines + (1 if breakdown_lines else 0) + 4 + 4  # time to delivery and cost: a heading, 3 lines
    chart = TTD_CHART_HEIGHT if ttd_chart else 0
    return 40 + CHART_HEIGHT + 50 + 22 * lines + chart + 30 + 22 * (max(latest, 1) + 2) + 30  # 22 px a table line
