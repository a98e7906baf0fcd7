"""The SMS reports page: period control, KPI cards, trend, dispatch history, details."""

from __future__ import annotations

import math
from collections.abc import Callable

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from i18n import fmt_date_range, fmt_datetime, fmt_decimal, fmt_int, fmt_pct, t
from layouts import campaigns, period, search
from layouts.components import clicks_line, help_icon, kpi_tile, trend_card
from layouts.cost import cost_card, cost_cell, cost_section
from layouts.delivery import delivery_section, summary_line
from layouts.exports import export_buttons
from layouts.figures import graph_config
from layouts.grid import grid_locale, number_formatter
from layouts.ids import SMS_PERIOD, Camp, Live, Sms, details_group, kpi_card, numbers_link
from layouts.live import live_bar
from layouts.operators import breakdown_section
from layouts.optouts import optout_card, optout_section

KPI_ORDER = ["sent", "delivered", "not_sent", "not_delivered", "pending", "clicked", "ctr"]
KPI_ICONS = {
    "sent": "bi-send",
    "delivered": "bi-check2-circle",
    "not_sent": "bi-x-octagon",
    "not_delivered": "bi-exclamation-triangle",
    "pending": "bi-hourglass-split",
    "clicked": "bi-hand-index",
    "ctr": "bi-percent",
}
PRESETS = period.PRESETS

ROW_HEIGHT = 48  # px: two lines of text in the text columns
GRID_BLOCK = 100  # rows the dispatch grid asks the server for at once (its largest page)

NumbersHref = Callable[[str, str | None, str], str]  # (status group, reason, csv|xml) -> download address


def page(lang: str, tz: str, stored_period: dict | None = None, *, can_change: bool = True) -> html.Div:
    """Returns the SMS reports page skeleton in `lang` (period set to the one kept in the session); callbacks fill its parts.
    Without `can_change` (viewer role) the grouping actions are hidden and campaign names are not editable."""
    return html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(html.H1(t(lang, "page.sms.title"), className="h3 mb-0")),
                    dbc.Col(search.search_box(lang), xs=12, md=5, lg=4),
                ],
                className="align-items-center mb-3 g-2",
            ),
            live_bar(
                lang, switch=Live.SMS_SWITCH, timer=Live.SMS_TIMER, as_of=Live.SMS_AS_OF, version=Live.SMS_VERSION
            ),
            period_control(lang, tz, stored_period),
            html.Div(id=Sms.ALERT),
            dcc.Loading(html.Div(id=Sms.KPIS, className="mb-3"), type="dot", delay_show=300),
            trend_card(lang, title=t(lang, "trend.heading"), graph_id=Sms.TREND, grain_id=Sms.TREND_GRAIN),
            dcc.Loading(html.Div(id=Sms.PERIOD_VIEWS), type="dot", delay_show=300),
            campaigns.stores(),
            history_card(lang, can_change=can_change),
            details_modal(lang),
            search.modal(lang),
            campaigns.confirm_modal(lang),
            campaigns.toast(lang),
        ]
    )


def period_views(breakdowns: dict[str, pd.DataFrame], delivery, delivery_bins: pd.DataFrame, lang: str):
    """Returns the card of the period's bulk messages by operator and by country and their time to delivery
    (`data.queries.operators`, `data.queries.delivery`), opened on demand; nothing when the period has none."""
    if breakdowns["operator"].empty:
        return html.Div()
    ids = {"operator": Sms.PERIOD_OPERATORS, "country": Sms.PERIOD_COUNTRIES}
    return html.Details(
        [
            html.Summary(t(lang, "period_views.title"), className="card-header fw-semibold"),
            html.Div(
                [
                    delivery_section(delivery, delivery_bins, lang, graph_id=Sms.PERIOD_DELIVERY_CHART),
                    breakdown_section(breakdowns, lang, ids=ids),
                ],
                className="card-body",
            ),
        ],
        className="card mb-3 period-views",
    )


def period_control(lang: str, tz: str, stored: dict | None = None) -> dbc.Card:
    """Returns the period presets, the custom range picker and the time zone note (the shared control)."""
    return period.period_control(lang, tz, SMS_PERIOD, stored)


def kpi_cards(
    now: pd.Series, prev: pd.Series | None, lang: str, delivery=None, cost=None, optouts=None, optouts_before=None
) -> dbc.Row:
    """Returns one card per KPI with the previous period's value beneath (and the period's time to `delivery`,
    a `data.queries.delivery.DeliveryTime`, under the delivered messages when given; and a card of the period's
    `cost`, a `data.queries.cost.Cost`, when any message has a price)."""

    def value(row: pd.Series, key: str) -> str:
        return fmt_pct(row["ctr"], lang, 2) if key == "ctr" else fmt_int(row[key], lang)

    cards = []
    for key in KPI_ORDER:
        extra = []
        if key == "delivered":
            extra.append(
                html.Div(
                    t(lang, "kpi.of_sent", pct=fmt_pct(now["delivered_pct"], lang)), className="small text-success"
                )
            )
            if delivery is not None and delivery.timed:
                extra.append(
                    html.Div(
                        [t(lang, "ttd.title") + ": " + summary_line(delivery, lang), help_icon(t(lang, "help.ttd"))],
                        className="small text-muted kpi-ttd",
                    )
                )
        if key == "ctr":
            extra.append(html.Div(t(lang, "kpi.ctr_hint"), className="small text-muted"))
        if key == "clicked":
            extra.append(clicks_line(now["clicks"], now["clicks_per_clicker"], lang))
        if prev is not None:
            extra.append(html.Div(t(lang, "kpi.previous", value=value(prev, key)), className="small text-muted"))
        cards.append(
            kpi_tile(
                KPI_ICONS[key],
                t(lang, f"kpi.{key}"),
                t(lang, f"help.kpi.{key}") + (" " + t(lang, "help.kpi.previous") if prev is not None else ""),
                [html.Div(value(now, key), className="fs-4 fw-semibold kpi-value"), *extra],
                kpi_card(key),
            )
        )
    if cost is not None and cost.known:
        cards.append(cost_card(cost, lang, kpi_card("cost")))
    if optouts is not None:  # the period's opt-outs (issue 20)
        cards.append(optout_card(optouts, lang, kpi_card("optouts"), optouts_before))
    return dbc.Row(cards, className="g-2")


#: Widths (px) of the columns that never give way: the numbers, the date, the dispatch number and the
#: actions. With the text columns at their narrowest they fit a 1280 px wide window (the page's
#: container is then 1256 px wide), so the key numbers are never behind a horizontal scroll.
NUMBER_WIDTHS = {"sent": 90, "delivered": 108, "delivered_pct": 96, "clicked": 92, "ctr": 60, "optouts": 60}
COST_WIDTH = 96  # "266,60 zł +" over "1,68 € + ?"; a longer text is cut, whole in the tooltip
# The cost column (issue 20) took 62 px from the text columns and 8 px from CTR; the opt-outs column ("STOP") took
# the Details column's words (a chevron now, its name on hover) and 18 px more from the text columns. The 1280 px
# budget is spent ("Kampania" and "wiadomości" break there): a next column needs its own trade.
TEXT_MIN_WIDTH = {"name": 71, "message_text": 75, "recipient_group": 80, "campaign": 74}
DETAILS_WIDTH = 48


def grid_columns(lang: str, *, can_change: bool = True) -> list[dict]:
    """Returns the dispatch history's column definitions in `lang` (campaign rows share them);
    campaign names and descriptions are editable in place when `can_change`.

    The numbers keep their width; the text columns share what is left (two lines each, the
    full text on hover) and give way first on a narrow screen."""

    def num(field: str, percent: bool = False) -> dict:
        return {
            "field": field,
            "headerName": t(lang, f"col.{field}"),
            "type": "rightAligned",
            "valueFormatter": number_formatter(lang, percent=percent),
            "filter": False,
            "headerTooltip": t(lang, f"col.{field}"),
            "width": NUMBER_WIDTHS[field],
            "minWidth": NUMBER_WIDTHS[field],
            "suppressSizeToFit": True,
        }

    def text(field: str, flex: float, **more) -> dict:
        return {
            "field": field,
            "headerName": t(lang, f"col.{field}"),
            "tooltipField": field,
            "flex": flex,
            "minWidth": TEXT_MIN_WIDTH[field],
            "cellRenderer": "ClampText",
            "cellClass": "text-cell",
            **more,
        }

    # A row still on its way from the server (the infinite row model) has no data yet.
    campaign_row = "!!params.data && params.data.kind === 'campaign'"
    editable = {"function": campaign_row} if can_change else False
    return [
        {
            "field": "toggle",
            "headerName": "",
            "width": 32,
            "sortable": False,
            "resizable": False,
            "cellClass": "toggle-cell",
            "valueGetter": {"function": f"{campaign_row} ? (params.data.open ? '−' : '+') : ''"},
        },
        {
            "field": "number",
            "headerName": t(lang, "col.number"),
            "width": 76,
            "minWidth": 76,
            "sortingOrder": ["desc", "asc", None],
            # An identifier, not a quantity: never grouped.
            "valueFormatter": {"function": "params.value == null ? '—' : params.value"},
        },
        text("name", 2, editable=editable),
        text("message_text", 3, editable=editable),
        text("recipient_group", 1.5),
        text("campaign", 1),
        {
            "field": "sent_at",
            "headerName": t(lang, "col.sent_at"),
            "width": 100,  # date over time: two lines
            "minWidth": 100,
            "sort": "desc",
            "valueFormatter": {"function": "params.data ? params.data.sent_at_label : ''"},
            "tooltipField": "sent_at_full",
            "cellRenderer": "ClampText",
            "cellClass": "text-cell",
        },
        num("sent"),
        num("delivered"),
        num("delivered_pct", percent=True),
        num("clicked"),
        num("ctr", percent=True),
        # issue 20: "STOP" in both languages (the full name and the rate on hover), narrow as the CTR
        {
            **num("optouts"),
            "headerName": "STOP",
            "headerTooltip": t(lang, "optout.title"),
            "tooltipField": "optouts_label",
        },
        {
            # sorted by `cost` (`data.queries.cost.sort_key`: the sum in the row's main currency), shown as
            # `cost_label` (every currency apart: `layouts.cost.cost_cell`)
            "field": "cost",
            "headerName": t(lang, "col.cost"),
            "type": "rightAligned",
            "valueFormatter": {"function": "params.data ? params.data.cost_label : ''"},
            "tooltipField": "cost_tip",
            "filter": False,
            "headerTooltip": t(lang, "help.cost"),
            "width": COST_WIDTH,
            "minWidth": COST_WIDTH,
            "cellRenderer": "ClampText",  # two lines: "264,12 zł +" over "1,95 € + ?"
            "cellClass": "text-cell cost-cell ag-right-aligned-cell",
        },
        {
            "field": "details",
            "headerName": "",
            "headerTooltip": t(lang, "col.details"),
            "sortable": False,
            "resizable": False,
            "width": DETAILS_WIDTH,
            "pinned": "right",
            "cellClass": "details-cell link-primary",
            "valueGetter": {"function": "'›'"},
            "tooltipValueGetter": {"function": f"'{t(lang, 'action.details')}'"},
        },
    ]


def grid_rows(records: list[dict], lang: str, expanded: frozenset[int] = frozenset()) -> list[dict]:
    """Returns the grid's rows (data.queries.history.history_records output): raw values for sorting plus formatted labels."""

    def num(value):
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)

    rows = []
    for r in records:
        sent_at = pd.Timestamp(r["sent_at"]).to_pydatetime()
        campaign = r["kind"] == "campaign"
        label = full = fmt_datetime(sent_at, lang)
        if campaign and r["last_at"] != r["sent_at"]:
            last_at = pd.Timestamp(r["last_at"]).to_pydatetime()
            full += " – " + fmt_datetime(last_at, lang)
            label = fmt_date_range(sent_at.date(), last_at.date(), lang) if last_at.date() != sent_at.date() else full
        group = r["recipient_group"]
        if campaign:
            group = t(lang, "camp.dispatches", n=int(r["dispatches"])) + (
                f" · {t(lang, 'camp.rule')}" if r["rule"] else ""
            )
        cid = r["campaign_id"]
        cost_label, cost_tip = cost_cell(r["costs"], lang)
        rows.append(
            {
                "row_id": r["row_id"],
                "kind": r["kind"],
                "parent_id": r["parent_id"],
                "campaign_id": None if cid is None else int(cid),
                "dispatch_id": r["dispatch_id"],
                "number": None if campaign else int(r["number"]),
                "open": campaign and int(cid) in expanded,
                "name": r["name"],
                "message_text": r["message_text"],
                "recipient_group": group,
                "campaign": None if campaign else r["campaign_name"],
                "sent_at": sent_at.strftime("%Y-%m-%d %H:%M"),
                "sent_at_label": label,  # a campaign's days ("24.11–01.12.2026"), its times on hover
                "sent_at_full": full,
                "sent": int(r["sent"]),
                "delivered": int(r["delivered"]),
                "delivered_pct": num(r["delivered_pct"]),
                "clicked": int(r["clicked"]),
                "ctr": num(r["ctr"]),
                "cost": None if r["cost"] is None else float(r["cost"]),
                "cost_label": cost_label,
                "cost_tip": cost_tip,
                "optouts": int(r.get("optouts", 0)),
                "optouts_label": t(
                    lang,
                    "optout.cell",
                    count=fmt_int(r.get("optouts", 0), lang),
                    pct=fmt_pct(r.get("optout_rate", math.nan), lang, 2),
                ),
                # a campaign row: how many of its dispatches are in view ("Group filtered" counts them)
                **({"dispatches": int(r["dispatches"])} if campaign else {}),
            }
        )
    return rows


def history_card(lang: str, *, can_change: bool = True) -> dbc.Card:
    """Returns the dispatch history card with its export links and grid (grouping actions when `can_change`)."""
    return dbc.Card(
        [
            dbc.CardHeader(
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                html.Span(
                                    [t(lang, "history.title"), help_icon(t(lang, "help.history"))],
                                    className="fw-semibold me-3",
                                ),
                                html.Span(id=Sms.HISTORY_COUNT, className="text-muted small"),
                            ]
                        ),
                        dbc.Col(
                            [
                                html.Span(t(lang, "export.period_hint"), className="text-muted small me-2"),
                                dbc.Checkbox(
                                    id=Camp.PER_CAMPAIGN,
                                    label=t(lang, "camp.per_campaign"),
                                    value=False,
                                    className="d-inline-block small me-2 align-middle",
                                ),
                                *export_buttons(lang, Sms.EXPORT_CSV, Sms.EXPORT_DOC),
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
                    campaigns.toolbar(lang, can_change=can_change),
                    campaigns.filter_panel(lang, can_change=can_change),
                    campaigns.audit_panel(lang),
                    html.Div(id=Sms.HISTORY_EMPTY),
                    dcc.Store(id=Sms.GRID_REFRESHED, data=0),
                    # The grid asks the server for its rows a block at a time (AG Grid's infinite row model:
                    # callbacks.sms answers getRowsRequest), sorted there: an answer carries a block, not the period.
                    dag.AgGrid(
                        id=Sms.GRID,
                        columnDefs=grid_columns(lang, can_change=can_change),
                        rowModelType="infinite",
                        defaultColDef={
                            "sortable": True,
                            "resizable": True,
                            "wrapHeaderText": True,
                            "autoHeaderHeight": True,
                        },
                        dashGridOptions={
                            "rowHeight": ROW_HEIGHT,
                            "pagination": True,
                            "paginationPageSize": 20,
                            "paginationPageSizeSelector": [20, 50, 100],
                            "cacheBlockSize": GRID_BLOCK,
                            "maxBlocksInCache": 10,
                            # one request at a time: dash-ag-grid answers the latest request it made
                            "maxConcurrentDatasourceRequests": 1,
                            "tooltipShowDelay": 300,
                            "animateRows": False,
                            "domLayout": "autoHeight",
                            "localeText": {"noRowsToShow": t(lang, "history.empty"), **grid_locale(lang)},
                            "rowSelection": {
                                "mode": "multiRow",
                                "checkboxes": True,
                                "headerCheckbox": False,  # the infinite row model has no "all rows" to tick
                                "enableClickSelection": False,
                            },
                            "selectionColumnDef": {"pinned": "left", "width": 40},
                            "rowClassRules": {
                                "campaign-row": "!!params.data && params.data.kind === 'campaign'",
                                "member-row": "!!params.data && params.data.parent_id != null",
                            },
                            "stopEditingWhenCellsLoseFocus": True,
                        },
                        getRowId="params.data.row_id",
                        className="sms-grid",
                        style={"width": "100%"},
                    ),
                ]
            ),
        ],
        className="mb-3",
    )


def details_modal(lang: str) -> dbc.Modal:
    """Returns the (closed) details dialog."""
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(id=Sms.DETAILS_TITLE)),
            dbc.ModalBody(id=Sms.DETAILS_BODY),
            dbc.ModalFooter(dbc.Button(t(lang, "details.close"), id=Sms.DETAILS_CLOSE, color="secondary", n_clicks=0)),
        ],
        id=Sms.DETAILS,
        is_open=False,
        size="xl",
        scrollable=True,
    )


def download_links(href: NumbersHref | None, group: str, reason: str | None) -> html.Span:
    """Returns the CSV and XML links of one status group or reason (nothing without `href`: the role may not
    download numbers)."""
    if href is None:
        return html.Span()
    return html.Span(
        [
            html.A(
                [html.I(className="bi bi-download me-1"), "CSV"],
                id=numbers_link(group, reason, "csv"),
                href=href(group, reason, "csv"),
                className="me-2",
                download="",
            ),
            html.A("XML", id=numbers_link(group, reason, "xml"), href=href(group, reason, "xml"), download=""),
        ],
        className="small text-nowrap",
    )


def _sent_at(info: dict):
    """Returns when the dispatch went out (its first message, as the history shows it), else when it was set up."""
    when = info.get("sent_at")
    if when is None or pd.isna(when):
        when = info["created_at"]
    return pd.Timestamp(when).to_pydatetime()


def details_body(
    info: dict,
    counts: pd.Series,
    reasons: pd.DataFrame,
    reasons_fig,
    lang: str,
    *,
    numbers_href: NumbersHref | None = None,
    breakdowns: dict[str, pd.DataFrame] | None = None,
    delivery=None,
    delivery_bins: pd.DataFrame | None = None,
    cost=None,
    optouts=None,
    optouts_href=None,
) -> html.Div:
    """Returns the details of one dispatch, or of a campaign (`info` has campaign_id and numbers):
    status groups with downloads (given `numbers_href`, for roles that may download numbers), reasons table and
    chart, and the `breakdowns` by operator and country (`data.queries.operators`) and the time to `delivery`
    (`data.queries.delivery.DeliveryTime`, its chart's `delivery_bins`) and the `cost` (`data.queries.cost.Cost`)
    when given."""
    campaign = info.get("campaign_id") is not None
    can_download = numbers_href is not None
    groups = [
        ("delivered", counts["delivered"], "success"),
        ("not_sent", counts["not_sent"], "secondary"),
        ("not_delivered", counts["not_delivered"], "danger"),
        ("pending", counts["pending"], "warning"),
    ]

    def share(group: str) -> str:
        # the bases of data.queries.counts.GROUP_SHARES: not sent of all messages, the others of the sent ones
        pct = fmt_pct(counts[f"{group}_pct"], lang)
        return t(lang, "details.of_all" if group == "not_sent" else "kpi.of_sent", pct=pct)

    group_cards = dbc.Row(
        [
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.Div(
                                [t(lang, f"group.{g}"), help_icon(t(lang, f"help.group.{g}"))],
                                className="small text-muted",
                            ),
                            html.Div(fmt_int(n, lang), className=f"fs-4 fw-semibold text-{color}"),
                            html.Div(share(g), className="small text-muted details-share"),
                            download_links(numbers_href, g, None) if n else html.Span(),
                        ],
                        className="p-2",
                    ),
                    id=details_group(g),
                ),
                xs=6,
                md=3,
            )
            for g, n, color in groups
        ],
        className="g-2 mb-3",
    )
    if campaign:
        head = html.Div(
            [
                html.Div(
                    t(lang, "details.campaign_subtitle", numbers=", ".join(map(str, info["numbers"]))),
                    className="text-muted mb-1",
                ),
                html.Blockquote(info.get("description") or "", className="border-start ps-2 small mb-3"),
            ],
        )
    else:
        head = html.Div(
            [
                html.Div(
                    t(
                        lang,
                        "details.subtitle",
                        name=info.get("name") or "",
                        group=info.get("recipient_group") or "",
                        date=t(lang, "details.sent_at", date=fmt_datetime(_sent_at(info), lang)),
                    ),
                    className="text-muted mb-1",
                ),
                html.Blockquote(info.get("message_text") or "", className="border-start ps-2 small mb-3"),
            ],
        )
    if reasons.empty:
        reason_part = dbc.Alert(t(lang, "details.no_reasons"), color="success")
    else:
        rows = [
            html.Tr(
                [
                    html.Td(t(lang, f"group.{r.status_group}")),
                    html.Td(t(lang, f"reason.{r.reason or 'none'}"), className="fw-semibold"),
                    html.Td(fmt_int(r.count, lang), className="text-end"),
                    html.Td(fmt_pct(r.share, lang), className="text-end"),
                    html.Td(t(lang, f"reason.{r.reason or 'none'}.explain"), className="small"),
                    *(
                        [html.Td(download_links(numbers_href, r.status_group, r.reason or "none"))]
                        if can_download
                        else []
                    ),
                ],
                **{"data-reason": r.reason or "none"},
            )
            for r in reasons.itertuples(index=False)
        ]
        header = html.Thead(
            html.Tr(
                [
                    html.Th([t(lang, "col.share"), help_icon(t(lang, "help.reason_share"))])
                    if c == "share"
                    else html.Th(t(lang, f"col.{c}"))
                    for c in ("status_group", "reason", "count", "share", "explanation", "download")
                    if c != "download" or can_download
                ]
            )
        )
        reason_part = html.Div(
            [
                dbc.Table(
                    [header, html.Tbody(rows)],
                    id=Sms.DETAILS_REASONS,
                    striped=True,
                    hover=True,
                    size="sm",
                    responsive=True,
                ),
                dcc.Graph(figure=reasons_fig, config=graph_config(), id=Sms.DETAILS_REASONS_CHART),
            ]
        )
    # The row's figures as the table shows them (same definitions: the "?" on the cards above the table).
    summary = html.Div(
        [
            html.Span([t(lang, "kpi.sent"), ": ", html.Strong(fmt_int(counts["sent"], lang))], className="me-3"),
            html.Span([t(lang, "kpi.clicked"), ": ", html.Strong(fmt_int(counts["clicked"], lang))], className="me-3"),
            html.Span([t(lang, "kpi.ctr"), ": ", html.Strong(fmt_pct(counts["ctr"], lang))], className="me-3"),
            html.Span(
                [
                    t(lang, "col.clicks"),
                    ": ",
                    html.Strong(fmt_int(counts["clicks"], lang)),
                    " (",
                    t(lang, "kpi.per_clicker", per=fmt_decimal(counts["clicks_per_clicker"], lang, 2)),
                    ")",
                    help_icon(t(lang, "help.kpi.clicks")),
                ],
                className="details-clicks",
            ),
        ],
        className="small mb-2 details-summary",
    )
    parts = [head, summary, group_cards]
    if cost is not None:
        parts.append(cost_section(cost, lang))
    if optouts is not None:  # `optouts_href`: fmt -> the numbers that opted out, for roles that may download them
        parts.append(optout_section(optouts, lang, optouts_href))
    parts += [html.H2(t(lang, "details.reasons"), className="h6"), reason_part]
    if breakdowns is not None:
        ids = {"operator": Sms.DETAILS_OPERATORS, "country": Sms.DETAILS_COUNTRIES}
        parts.append(breakdown_section(breakdowns, lang, ids=ids))
    if delivery is not None:
        parts.append(delivery_section(delivery, delivery_bins, lang, graph_id=Sms.DETAILS_DELIVERY_CHART))
    return html.Div(parts)
