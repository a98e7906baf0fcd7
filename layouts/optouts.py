"""Opt-outs as the pages show them (`data.queries.optouts.OptOuts`): how many recipients opted out and the opt-out
rate (opt-outs / delivered messages), on a KPI card and in a dispatch's or campaign's details."""

from __future__ import annotations

from collections.abc import Callable

import dash_bootstrap_components as dbc
from dash import html

from i18n import fmt_int, fmt_pct, t
from layouts.components import help_icon, kpi_tile
from layouts.ids import Sms

RATE_DIGITS = 2  # opt-out rates are fractions of a percent


def optout_card(optouts, lang: str, card_id, before=None) -> dbc.Col:
    """Returns the KPI card of the period's opt-outs and their rate (and the previous period's, `before`)."""
    return kpi_tile(
        "bi-x-octagon",
        t(lang, "optout.title"),
        t(lang, "help.optout"),
        [
            html.Div(fmt_int(optouts.optouts, lang), className="fs-4 fw-semibold kpi-value"),
            html.Div(
                t(lang, "optout.rate", pct=fmt_pct(optouts.rate, lang, RATE_DIGITS)),
                className="small text-muted optout-rate",
            ),
            *(
                [html.Div(t(lang, "kpi.previous", value=fmt_int(before.optouts, lang)), className="small text-muted")]
                if before is not None
                else []
            ),
        ],
        card_id,
    )


def optout_section(optouts, lang: str, href: Callable[[str], str] | None = None) -> html.Div:
    """Returns the opt-outs part of a details view: the count and rate, and (given `href`, fmt -> address, for roles
    that may download numbers) the numbers that opted out as CSV and XML."""
    links = []
    if href is not None and optouts.optouts:
        links = [
            html.Span(t(lang, "optout.numbers") + ": ", className="ms-3"),
            html.A([html.I(className="bi bi-download me-1"), "CSV"], href=href("csv"), className="me-2", download=""),
            html.A("XML", href=href("xml"), download=""),
        ]
    return html.Div(
        [
            html.H2([t(lang, "optout.title"), help_icon(t(lang, "help.optout"))], className="h6 mt-3"),
            html.Div(
                [
                    html.Span(
                        t(
                            lang,
                            "optout.cell",
                            count=fmt_int(optouts.optouts, lang),
                            pct=fmt_pct(optouts.rate, lang, RATE_DIGITS),
                        ),
                        className="fw-semibold",
                    ),
                    *links,
                ]
            ),
        ],
        id=Sms.DETAILS_OPTOUTS,
        className="optout-section small mb-3",
    )
