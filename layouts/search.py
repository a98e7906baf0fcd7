"""Find one message (SMS page): the search box in the page header and the dialog with what it found."""

from __future__ import annotations

import datetime as dt
import math

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from i18n import fmt_datetime_seconds, fmt_duration, fmt_int, t
from layouts.components import error_alert, warning_alert
from layouts.ids import Search

GROUP_COLORS = {"delivered": "success", "not_sent": "secondary", "not_delivered": "danger", "pending": "warning"}


def search_box(lang: str) -> dbc.Form:
    """Returns the search box: a phone number or message id, Enter or the button opens the results."""
    return dbc.Form(
        [
            dbc.Label(t(lang, "search.label"), html_for=Search.TEXT, className="visually-hidden"),
            dbc.InputGroup(
                [
                    dbc.Input(
                        id=Search.TEXT,
                        type="search",
                        placeholder=t(lang, "search.placeholder"),
                        maxLength=100,
                        autoComplete="off",
                        n_submit=0,
                        debounce=False,
                    ),
                    dbc.Button(
                        [html.I(className="bi bi-search me-1"), t(lang, "search.button")],
                        id=Search.BUTTON,
                        color="primary",
                        outline=True,
                        n_clicks=0,
                    ),
                ],
                size="sm",
            ),
        ],
        className="search-box",
        # Enter must not reload the page: the callback answers n_submit
        prevent_default_on_submit=True,
    )


def modal(lang: str) -> dbc.Modal:
    """Returns the (closed) results dialog."""
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(t(lang, "search.title_empty"), id=Search.TITLE)),
            dbc.ModalBody(dcc.Loading(html.Div(id=Search.BODY), type="dot", delay_show=300)),
            dbc.ModalFooter(dbc.Button(t(lang, "search.close"), id=Search.CLOSE, color="secondary", n_clicks=0)),
        ],
        id=Search.MODAL,
        is_open=False,
        size="xl",
        scrollable=True,
    )


def title(query: str | None, lang: str) -> str:
    """Returns the dialog's title for what was searched."""
    return t(lang, "search.title", query=query) if query else t(lang, "search.title_empty")


def error(text: str) -> html.Div:
    """Returns a readable message in place of results (bad input, a failure)."""
    return html.Div(error_alert(text))


def _when(value, lang: str) -> str:
    return fmt_datetime_seconds(_py(value), lang)


def _py(value) -> dt.datetime | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    return pd.Timestamp(value).to_pydatetime()


def _after(value, start, lang: str) -> str:
    """Returns "after 12 s" (the time since `start`), or "" when either is missing."""
    value, start = _py(value), _py(start)
    if value is None or start is None:
        return ""
    seconds = (value - start).total_seconds()
    if seconds < 1:
        return t(lang, "search.at_once")
    return t(lang, "search.after", duration=fmt_duration(seconds, lang))


def _step(label: str, when: str, extra: str = "", *, muted: bool = False, badge=None) -> html.Li:
    return html.Li(
        [
            html.Span(label, className="search-step-label"),
            html.Span(when, className="search-step-time" + (" text-muted" if muted else "")),
            html.Span(extra, className="text-muted small ms-2") if extra else None,
            badge,
        ],
        className="search-step",
    )


def _origin(m, lang: str) -> str:
    if m.dispatch_number is not None and not (isinstance(m.dispatch_number, float) and math.isnan(m.dispatch_number)):
        return t(lang, "search.dispatch", number=int(m.dispatch_number), name=m.dispatch_name or "")
    source = t(lang, f"trx.source.{m.source}") if m.source in ("test", "api") else (m.source or "")
    label = t(lang, "search.campaign", label=m.campaign_label) if m.campaign_label else t(lang, "search.no_campaign")
    return f"{t(lang, 'search.transactional', source=source)} · {label}"


def message_card(m, lang: str) -> html.Div:
    """Returns one message found: its dispatch, status, reason, raw codes and timeline."""
    group = m.status_group
    reason = m.reason or ("none" if group in ("not_sent", "not_delivered") else None)
    clicks = list(m.clicks or [])
    steps = [
        _step(t(lang, "search.created"), _when(m.created_at, lang)),
        _step(
            t(lang, "search.sent"),
            _when(m.sent_at, lang) if _py(m.sent_at) else t(lang, "search.not_yet"),
            _after(m.sent_at, m.created_at, lang),
            muted=_py(m.sent_at) is None,
        ),
        _step(
            t(lang, "search.done"),
            _when(m.done_at, lang) if _py(m.done_at) else t(lang, "search.not_yet"),
            _after(m.done_at, m.created_at, lang),
            muted=_py(m.done_at) is None,
        ),
        *[
            _step(
                t(lang, "search.click"),
                _when(at, lang),
                _after(at, m.done_at if _py(m.done_at) else m.created_at, lang),
                badge=dbc.Badge(
                    t(lang, "search.bot"),
                    color="secondary",
                    className="ms-2 search-bot",
                    title=t(lang, "search.bot_hint"),
                )
                if bot
                else None,
            )
            for at, bot in clicks
        ],
    ]
    if not clicks:
        steps.append(html.Li(t(lang, "search.no_clicks"), className="search-step text-muted small"))
    raw = [
        t(lang, "search.raw_status", value=m.raw_status) if m.raw_status else None,
        t(lang, "search.raw_error", value=m.raw_error) if m.raw_error else None,
    ]
    facts = [
        html.Div(
            [
                dbc.Badge(
                    t(lang, f"search.group.{group}"), color=GROUP_COLORS.get(group, "secondary"), className="me-2"
                ),
                # which kind of failure (expired, rejected...); the group's name says the rest
                html.Span(
                    t(lang, f"search.status.{m.status}")
                    if m.status and group == "not_delivered" and m.status != "undelivered"
                    else "",
                    className="text-muted small",
                ),
            ],
            className="mb-2",
        ),
    ]
    if reason:
        facts.append(
            html.Div(
                [
                    html.Span(t(lang, "search.reason") + ": ", className="text-muted"),
                    html.Span(t(lang, f"reason.{reason}"), className="fw-semibold"),
                    html.Div(t(lang, f"reason.{reason}.explain"), className="small"),
                ],
                className="mb-2 search-reason",
            )
        )
    if any(raw):
        facts.append(
            html.Div(
                [
                    html.Span(t(lang, "search.raw") + ": ", className="text-muted"),
                    html.Code(", ".join(r for r in raw if r), className="search-raw"),
                ],
                className="small",
            )
        )
    card = dbc.Card(
        [
            dbc.CardHeader(
                dbc.Row(
                    [
                        dbc.Col(html.Span(_origin(m, lang), className="fw-semibold search-origin")),
                        dbc.Col(
                            [
                                html.Span(t(lang, "search.number") + " ", className="text-muted small"),
                                html.Span(m.msisdn or "—", className="search-msisdn me-3"),
                                html.Span(t(lang, "search.message_id") + " ", className="text-muted small"),
                                html.Code(m.message_id, className="search-id"),
                            ],
                            width="auto",
                            className="small",
                        ),
                    ],
                    className="align-items-center g-2",
                )
            ),
            dbc.CardBody(
                dbc.Row(
                    [
                        dbc.Col(facts, md=6),
                        dbc.Col(
                            [
                                html.Div(t(lang, "search.timeline"), className="text-muted small mb-1"),
                                html.Ul(steps, className="search-timeline list-unstyled mb-0"),
                            ],
                            md=6,
                        ),
                    ],
                    className="g-3",
                ),
                className="p-2",
            ),
        ],
    )
    return html.Div(card, className="mb-2 search-message", **{"data-message": m.message_id, "data-group": group})


def results(
    messages: pd.DataFrame,
    *,
    total: int,
    by: str,
    value: str,
    lang: str,
    masked: bool,
    slow_months: list[str] | None = None,
) -> html.Div:
    """Returns what a search found (`messages`: data.queries.search.SearchResult.messages, newest first),
    or a note that nothing was found; `masked`: numbers shown partly hidden (a viewer)."""
    notes = []
    if slow_months:
        notes.append(warning_alert(t(lang, "search.slow_months", months=", ".join(slow_months))))
    if messages.empty:
        key = "search.none_number" if by == "number" else "search.none_id"
        none = dbc.Alert(
            [html.I(className="bi bi-info-circle me-2"), t(lang, key, number=value, id=value)], color="info"
        )
        return html.Div([*notes, none], id=Search.RESULTS)
    summary = [html.Span(t(lang, "search.found", count=fmt_int(total, lang)), className="fw-semibold me-3")]
    if total > len(messages):
        summary.append(
            html.Span(t(lang, "search.newest_shown", count=fmt_int(len(messages), lang)), className="text-muted")
        )
    if masked:
        summary.append(html.Div(t(lang, "search.masked"), className="text-muted small"))
    return html.Div(
        [
            *notes,
            html.Div(summary, className="mb-2 search-summary"),
            *[message_card(m, lang) for m in messages.itertuples(index=False)],
        ],
        id=Search.RESULTS,
    )
