"""Grouping on the SMS reports page: toolbar, filter panel, confirmation, undo notice, change log."""

from __future__ import annotations

import json

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from i18n import fmt_instant, fmt_int, t
from layouts.ids import Camp


def stores() -> html.Div:
    """Returns the page's grouping state kept in the browser: pending action, change counter, open campaigns."""
    return html.Div(
        [
            dcc.Store(id=Camp.PENDING, data=None),
            dcc.Store(id=Camp.CHANGES, data=0),
            dcc.Store(id=Camp.EXPANDED, data=[], storage_type="session"),
        ]
    )


def toolbar(lang: str, *, can_change: bool = True) -> html.Div:
    """Returns the grouping buttons shown above the dispatch history; without `can_change` (viewer role) the
    buttons that change campaigns stay in the page (the callbacks expect them) but hidden and disabled."""

    def button(id_, icon, key, color="primary", changes=True):
        hidden = changes and not can_change
        return dbc.Button(
            [html.I(className=f"bi {icon} me-1"), t(lang, key)],
            id=id_,
            size="sm",
            color=color,
            outline=True,
            className="me-2 mb-1" + (" d-none" if hidden else ""),
            n_clicks=0,
            disabled=hidden,
        )

    return html.Div(
        [
            button(Camp.GROUP, "bi-collection", "camp.group"),
            button(Camp.UNGROUP, "bi-x-square", "camp.ungroup"),
            html.Span(
                [
                    dcc.Dropdown(
                        id=Camp.ADD_TARGET,
                        placeholder=t(lang, "camp.add_target"),
                        clearable=True,
                        style={"minWidth": "14rem"},
                        className="d-inline-block align-middle me-1",
                    ),
                    button(Camp.ADD, "bi-plus-square", "camp.add"),
                ],
                className="d-inline-flex align-items-center me-1" + ("" if can_change else " d-none"),
            ),
            button(Camp.REMOVE, "bi-dash-square", "camp.remove", "secondary"),
            button(Camp.FILTER_TOGGLE, "bi-funnel", "camp.filter", "secondary", changes=False),
            button(Camp.AUDIT_TOGGLE, "bi-clock-history", "camp.audit", "secondary", changes=False),
            html.Span(t(lang, "camp.viewer_note"), className="small text-muted ms-1", id=Camp.VIEWER_NOTE)
            if not can_change
            else None,
            html.Div(id=Camp.MESSAGE, className="mt-1"),
        ],
        id=Camp.TOOLBAR,
        className="mb-2",
    )


def filter_panel(lang: str, *, can_change: bool = True) -> dbc.Collapse:
    """Returns the filter of dispatches by name/description and date, with "Group filtered" (hidden without `can_change`)."""
    return dbc.Collapse(
        dbc.Card(
            dbc.CardBody(
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                dbc.Label(
                                    t(lang, "camp.filter_text"), html_for=Camp.FILTER_TEXT, className="small mb-0"
                                ),
                                dbc.Input(
                                    id=Camp.FILTER_TEXT,
                                    type="search",
                                    debounce=0.4,
                                    size="sm",
                                    placeholder=t(lang, "camp.filter_text_hint"),
                                ),
                            ],
                            md=4,
                        ),
                        dbc.Col(
                            [
                                dbc.Label(t(lang, "camp.filter_dates"), className="small mb-0 d-block"),
                                dcc.DatePickerRange(
                                    id=Camp.FILTER_RANGE,
                                    display_format="YYYY-MM-DD",
                                    first_day_of_week=1,
                                    clearable=True,
                                    start_date_placeholder_text=t(lang, "period.from"),
                                    end_date_placeholder_text=t(lang, "period.to"),
                                ),
                            ],
                            md=4,
                        ),
                        dbc.Col(
                            [
                                html.Div(id=Camp.FILTER_COUNT, className="small fw-semibold mb-1"),
                                html.Div(
                                    [
                                        dbc.Input(
                                            id=Camp.FILTER_NAME,
                                            size="sm",
                                            placeholder=t(lang, "camp.new_name"),
                                            className="mb-1",
                                        ),
                                        dbc.Checkbox(
                                            id=Camp.FILTER_RULE,
                                            label=t(lang, "camp.save_rule"),
                                            value=False,
                                            className="small",
                                        ),
                                        dbc.Button(
                                            [html.I(className="bi bi-collection me-1"), t(lang, "camp.group_filtered")],
                                            id=Camp.FILTER_GROUP,
                                            size="sm",
                                            color="primary",
                                            n_clicks=0,
                                            disabled=not can_change,
                                        ),
                                    ],
                                    className="" if can_change else "d-none",
                                ),
                            ],
                            md=4,
                        ),
                    ],
                    className="g-2",
                )
            )
        ),
        id=Camp.FILTER_PANEL,
        is_open=False,
        className="mb-2",
    )


def confirm_modal(lang: str) -> dbc.Modal:
    """Returns the confirmation shown when grouping would move dispatches out of other campaigns."""
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(t(lang, "camp.confirm_title"))),
            dbc.ModalBody(id=Camp.CONFIRM_BODY),
            dbc.ModalFooter(
                [
                    dbc.Button(t(lang, "camp.cancel"), id=Camp.CONFIRM_CANCEL, color="secondary", n_clicks=0),
                    dbc.Button(t(lang, "camp.confirm_move"), id=Camp.CONFIRM_OK, color="primary", n_clicks=0),
                ]
            ),
        ],
        id=Camp.CONFIRM,
        is_open=False,
    )


def confirm_body(lang: str, *, into: str, new: bool, items: list[dict]) -> html.Div:
    """Returns the confirmation of a group or add that moves dispatches out of other campaigns: every dispatch that
    will go into campaign `into` (a `new` one or not), items of number, name and "from" (the campaign it leaves,
    or None), those leaving another campaign marked."""
    moving = [i for i in items if i.get("from")]

    def item(i: dict) -> html.Li:
        label = (
            t(lang, "camp.confirm_row", number=i["number"], name=i["name"])
            if i.get("name")
            else t(lang, "camp.numbers", numbers=i["number"])
        )
        parts = [html.Span(label)]
        if i.get("from"):
            parts = [
                html.I(className="bi bi-arrow-left-right me-1 text-warning"),
                *parts,
                html.Span(" — " + t(lang, "camp.confirm_from", name=i["from"]), className="fw-semibold"),
            ]
        return html.Li(parts, **{"data-number": str(i["number"])})

    return html.Div(
        [
            html.P(
                t(
                    lang,
                    "camp.confirm_into_new" if new else "camp.confirm_into",
                    name=into,
                    count=fmt_int(len(items), lang),
                )
            ),
            html.P(t(lang, "camp.confirm_moving", count=fmt_int(len(moving), lang)), className="fw-semibold"),
            html.Ul([item(i) for i in sorted(items, key=lambda i: i["number"])], className="mb-0"),
        ]
    )


def numbers_text(lang: str, numbers: list[int], shown: int = 10) -> str:
    """Returns the dispatch numbers a change touched, for its notice ("nr 12, 15, 18"; the first `shown`, then "…")."""
    ordered = sorted(numbers)
    listed = ", ".join(map(str, ordered[:shown])) + (", …" if len(ordered) > shown else "")
    return t(lang, "camp.numbers", numbers=listed)


def toast(lang: str) -> dbc.Toast:
    """Returns the notice of the last change, with Undo."""
    return dbc.Toast(
        [
            html.Span(id=Camp.TOAST_TEXT, className="me-2"),
            dbc.Button(
                t(lang, "camp.undo"), id=Camp.UNDO, size="sm", color="link", className="p-0 align-baseline", n_clicks=0
            ),
        ],
        id=Camp.TOAST,
        is_open=False,
        dismissable=True,
        icon="success",
        header=t(lang, "camp.toast_header"),
        style={"position": "fixed", "top": 70, "right": 20, "zIndex": 1080},
    )


def change_text(lang: str, summary: dict) -> str:
    """Returns a one-line description of a grouping change (from its audit summary)."""
    action = summary.get("action") or summary.get("_action")
    dispatches = int(summary.get("dispatches", 0) or 0)
    campaigns = len(summary.get("campaigns", []) or [])
    return t(
        lang,
        f"camp.did.{action}",
        n=campaigns if action == "ungroup" else dispatches,  # the count each message is about
        name=summary.get("name", ""),
        dispatches=t(lang, "camp.dispatches", n=dispatches),
    )


def audit_panel(lang: str) -> dbc.Collapse:
    """Returns the (closed) change log of grouping."""
    return dbc.Collapse(
        dbc.Card(dbc.CardBody(id=Camp.AUDIT_BODY, className="small")), id=Camp.AUDIT, is_open=False, className="mb-2"
    )


def audit_table(lang: str, log: pd.DataFrame, tz: str) -> dbc.Table:
    """Returns the newest grouping changes: when (in the reporting time zone `tz`), who, what, and whether undone."""
    rows = []
    for r in log.itertuples():
        summary = json.loads(r.summary)
        if r.action == "undo":  # its summary is the undone change's, action included: say it was undone
            what = t(lang, "camp.undid", what=change_text(lang, summary))
        else:
            what = change_text(lang, {**summary, "action": r.action})
        if pd.notna(r.undone_by):  # the store's column is NaN, not None, where no undo refers to the row
            what += " " + t(lang, "camp.undone")
        rows.append(html.Tr([html.Td(fmt_instant(r.at, lang, tz)), html.Td(r.who), html.Td(what)]))
    head = html.Thead(html.Tr([html.Th(t(lang, k)) for k in ("camp.audit_when", "camp.audit_who", "camp.audit_what")]))
    return dbc.Table([head, html.Tbody(rows)], size="sm", striped=True, className="mb-0")
