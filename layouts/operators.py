"""The "by operator" and "by country" tables of a dispatch's, campaign's or transactional row's details.

Plain html only: the tables are also drawn inside the transactional grid's expanded rows."""

from __future__ import annotations

import pandas as pd
from dash import html

from i18n import fmt_int, fmt_pct, t
from i18n.labels import country_name, operator_name
from layouts.components import help_icon

TOP_REASONS = 3  # reasons named in a row; the rest are in the reasons table above


def _reasons_text(reasons: list, lang: str) -> str:
    shown = [t(lang, f"reason.{r or 'none'}") + " " + fmt_int(n, lang) for r, n in reasons[:TOP_REASONS]]
    if len(reasons) > TOP_REASONS:
        shown.append(t(lang, "ops.more_reasons", count=len(reasons) - TOP_REASONS))
    return ", ".join(shown)


def breakdown_table(frame: pd.DataFrame, by: str, lang: str, *, table_id: str | None = None) -> html.Div:
    """Returns the heading and table of one breakdown (`by`: operator or country) of
    `data.queries.operators.breakdown`; the worst row marked (red, with a note)."""
    if frame.empty:
        return html.Div()

    name = (lambda key: country_name(key, lang)) if by == "country" else (lambda key: operator_name(key, lang))

    rows = []
    for r in frame.itertuples(index=False):
        label = [name(r.key)]
        if r.worst:
            label += [" ", html.Span(t(lang, "ops.worst"), className="badge bg-danger ms-1")]
        rows.append(
            html.Tr(
                [
                    html.Td(label, className="fw-semibold"),
                    html.Td(fmt_int(r.sent, lang), className="text-end"),
                    html.Td(fmt_int(r.delivered, lang), className="text-end"),
                    html.Td(fmt_pct(r.delivered_pct, lang), className="text-end"),
                    html.Td(fmt_int(r.not_delivered, lang), className="text-end"),
                    html.Td(_reasons_text(r.reasons, lang), className="small"),
                ],
                className="table-danger ops-worst" if r.worst else None,
                **{"data-key": str(r.key or "")},
            )
        )
    header = html.Thead(
        html.Tr(
            [
                html.Th([t(lang, f"ops.col.{by}"), help_icon(t(lang, f"help.ops.{by}"))], className="text-nowrap"),
                html.Th(t(lang, "col.sent"), className="text-end"),
                html.Th(t(lang, "col.delivered"), className="text-end"),
                html.Th(
                    [t(lang, "ops.col.delivered_pct"), help_icon(t(lang, "help.ops.delivered_pct"))],
                    className="text-end text-nowrap",
                ),
                html.Th(t(lang, "kpi.not_delivered"), className="text-end"),
                html.Th(t(lang, "ops.col.reasons")),
            ]
        )
    )
    return html.Div(
        [
            html.H2(t(lang, f"ops.by_{by}"), className="h6 mt-3"),
            html.Div(
                html.Table(
                    [header, html.Tbody(rows)],
                    className=f"table table-sm table-striped table-hover mb-2 ops-by-{by}",
                    **({"id": table_id} if table_id else {}),
                ),
                className="table-responsive",
            ),
        ]
    )


def breakdown_section(frames: dict[str, pd.DataFrame], lang: str, *, ids: dict[str, str] | None = None) -> html.Div:
    """Returns both breakdown tables (operator, then country; `ids`: by -> the table's component id, none
    where several can be on the page at once)."""
    return html.Div(
        [breakdown_table(frames[by], by, lang, table_id=(ids or {}).get(by)) for by in ("operator", "country")],
        className="ops-breakdowns",
    )


def breakdown_lines(frames: dict[str, pd.DataFrame]) -> int:
    """Returns how many table lines the breakdowns take (rows, headings and headers): for a row's height."""
    return sum(len(f) + 2 for f in frames.values() if not f.empty)
