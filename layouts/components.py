"""Pieces every page shows: notes for empty answers, errors, warnings, the trend chart card, and the "?" that
defines a figure."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from choices import Granularity
from i18n import fmt_decimal, fmt_int, t
from layouts.figures import graph_config


def empty_state(lang: str, key: str, *, spacing: str = "mb-3") -> dbc.Alert:
    """Returns a friendly note (message `key`) for a period, filter or lake with nothing to show."""
    return dbc.Alert([html.I(className="bi bi-info-circle me-2"), t(lang, key)], color="info", className=spacing)


def error_alert(text: str) -> dbc.Alert:
    """Returns a readable error box (never a traceback)."""
    return dbc.Alert([html.I(className="bi bi-exclamation-octagon me-2"), text], color="danger", className="mb-3")


def warning_alert(text: str) -> dbc.Alert:
    """Returns a note that the page works but something needs attention."""
    return dbc.Alert([html.I(className="bi bi-exclamation-triangle me-2"), text], color="warning", className="mb-3")


def failure_alert(exc: Exception, lang: str, *, no_data: bool) -> dbc.Alert:
    """Returns what a page shows for a failure: how to get data when there is none (`no_data`), else the error
    in one line."""
    if no_data:
        return empty_state(lang, "empty.lake")
    return error_alert(t(lang, "error.generic", error=f"{type(exc).__name__}: {exc}"))


def trend_card(lang: str, *, title: str, graph_id: str, grain_id: str) -> dbc.Card:
    """Returns the card of a page's trend chart, with the switch of what one bar covers (auto: by the period's
    length; kept for the browser session)."""
    switch = html.Div(
        [
            html.Span(t(lang, "trend.grain.label"), className="small text-muted me-2"),
            dbc.RadioItems(
                id=grain_id,
                options=[{"label": t(lang, f"trend.grain.{g.value}"), "value": g.value} for g in Granularity],
                value=Granularity.AUTO.value,
                className="btn-group",
                inputClassName="btn-check",
                labelClassName="btn btn-outline-secondary btn-sm",
                labelCheckedClassName="active",
                persistence=True,
                persistence_type="session",
            ),
        ],
        className="radio-group d-flex align-items-center",
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Div(
                    [html.Span(title), switch],
                    className="d-flex justify-content-between align-items-center flex-wrap gap-2",
                )
            ),
            dbc.CardBody(dcc.Graph(id=graph_id, config=graph_config(), style={"height": "320px"})),
        ],
        className="mb-3",
    )


def icon_button(icon: str, label: str, **props) -> dbc.Button:
    """Returns a small button with the Bootstrap icon `icon` before its label; `props` go to dbc.Button."""
    return dbc.Button([html.I(className=f"bi bi-{icon} me-1"), label], **{"size": "sm", "n_clicks": 0, **props})


def page_heading(lang: str, title: str, tz: str, tz_id: str, *, spacing: str = "mb-3") -> list:
    """Returns a page's title and the line naming the time zone `tz` its times are in."""
    return [
        html.H1(title, className="h3 mb-1"),
        html.P(
            [html.I(className="bi bi-globe2 me-1"), t(lang, "period.timezone", tz=tz)],
            id=tz_id,
            className=f"text-muted small {spacing}",
        ),
    ]


def titled_card(title: str, actions: list, body) -> dbc.Card:
    """Returns a card whose header holds `title` and, at its right, the buttons `actions`."""
    header = dbc.Row(
        [
            dbc.Col(html.Span(title, className="fw-semibold")),
            dbc.Col(actions, width="auto", className="d-flex flex-wrap align-items-center gap-2"),
        ],
        className="align-items-center",
    )
    return dbc.Card([dbc.CardHeader(header), dbc.CardBody(body)], className="mb-3")


def help_icon(text: str) -> html.I:
    """Returns the "?" beside a figure: its definition `text` on hover (the title), to keyboard and screen readers.

    Plain html only, so it also works inside the transactional table's expanded rows."""
    return html.I(
        className="bi bi-question-circle help-icon ms-1", title=text, tabIndex=0, role="img", **{"aria-label": text}
    )


def kpi_tile(icon: str, title: str, help_text: str, body: list, card_id, *, wide: bool = False) -> dbc.Col:
    """Returns a KPI card in its column: the heading (icon, title, "?" with `help_text`) above `body`; a `wide` one
    takes a whole row on phones and half on tablets (the cost card's currencies)."""
    heading = html.Div([html.I(className=f"bi {icon} me-1"), title, help_icon(help_text)], className="small text-muted")
    return dbc.Col(
        dbc.Card(dbc.CardBody([heading, *body], className="p-2"), id=card_id, className="h-100"),
        xs=12 if wide else 6,
        md=6 if wide else 3,
        xl=True,
    )


def clicks_line(clicks: int, per_clicker: float, lang: str) -> html.Div:
    """Returns the line under a "clicked" figure: every human click, and clicks per clicking recipient, with
    their definition on the "?"."""
    return html.Div(
        [
            t(lang, "kpi.clicks_line", clicks=fmt_int(clicks, lang), per=fmt_decimal(per_clicker, lang, 2)),
            help_icon(t(lang, "help.kpi.clicks")),
        ],
        className="small text-muted kpi-clicks",
    )
