"""What messages cost as the pages show it (`data.queries.cost.Cost`): one line per currency (never one sum of
two), cost per delivered message and per click, and the messages whose price is unknown."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from i18n import DASH, fmt_cost_sums, fmt_int, fmt_money, t
from layouts.components import help_icon, kpi_tile

PER_MESSAGE_DIGITS = 4  # a message costs a few grosze: four decimals


def cost_lines(cost, lang: str) -> list[html.Div]:
    """Returns the lines of a Cost: per currency its sum (bold), per delivered message and per click; then the
    messages without a price."""
    lines = []
    for currency, c in cost.currencies.items():
        lines.append(
            html.Div(
                [
                    html.Strong(fmt_money(c.cost, currency, lang)),
                    " · ",
                    t(
                        lang,
                        "cost.per",
                        delivered=fmt_money(c.per_delivered, currency, lang, PER_MESSAGE_DIGITS),
                        click=fmt_money(c.per_click, currency, lang, PER_MESSAGE_DIGITS),
                    ),
                ],
                className="cost-line",
                **{"data-currency": currency},
            )
        )
    if cost.unknown:
        lines.append(
            html.Div(
                t(lang, "cost.unknown", count=fmt_int(cost.unknown, lang)), className="small text-muted cost-unknown"
            )
        )
    return lines


def cost_cell(cost, lang: str) -> tuple[str, str]:
    """Returns (cell text, tooltip) of a Cost in a table row: the text as `fmt_cost_sums` writes it ("12,40 zł +
    0,85 € + ?"), the tooltip with the messages without a price spelled out."""
    sums = " + ".join(fmt_money(c.cost, currency, lang) for currency, c in cost.currencies.items())
    unknown = [t(lang, "cost.unknown", count=fmt_int(cost.unknown, lang))] if cost.unknown else []
    return fmt_cost_sums(cost, lang), " · ".join([sums] * bool(sums) + unknown) or DASH


def cost_section(cost, lang: str) -> html.Div:
    """Returns the cost part of a details view (heading with its "?" and `cost_lines`), or nothing without a price."""
    if not cost.known:
        return html.Div()
    return html.Div(
        [
            html.H2([t(lang, "cost.title"), help_icon(t(lang, "help.cost"))], className="h6 mt-3"),
            *cost_lines(cost, lang),
        ],
        className="cost-section small",
    )


def cost_card(cost, lang: str, card_id) -> dbc.Col:
    """Returns the KPI card of the period's cost: each currency's sum, per delivered message and per click."""
    values = [
        html.Div(fmt_money(c.cost, currency, lang), className="fs-5 fw-semibold kpi-value")
        for currency, c in cost.currencies.items()
    ]
    per = [
        html.Div(
            t(
                lang,
                "cost.per",
                delivered=fmt_money(c.per_delivered, currency, lang, PER_MESSAGE_DIGITS),
                click=fmt_money(c.per_click, currency, lang, PER_MESSAGE_DIGITS),
            ),
            className="small text-muted",
        )
        for currency, c in cost.currencies.items()
    ]
    unknown = (
        [
            html.Div(
                t(lang, "cost.unknown", count=fmt_int(cost.unknown, lang)), className="small text-muted cost-unknown"
            )
        ]
        if cost.unknown
        else []
    )
    return kpi_tile(
        "bi-cash-coin", t(lang, "cost.title"), t(lang, "help.cost"), [*values, *per, *unknown], card_id, wide=True
    )
