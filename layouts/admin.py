"""The administration page (admin role): users and the access audit (read-only)."""

from __future__ import annotations

import json

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from choices import AUDIT_FIELDS, ROLES
from i18n import fmt_instant, fmt_int, t
from layouts.components import icon_button, page_heading, titled_card
from layouts.ids import Admin

AUDIT_ACTIONS = ("login", "export", "search", "campaign", "users", "schedule", "denied")
AUDIT_SHOWN = AUDIT_FIELDS[AUDIT_FIELDS.index("at") : AUDIT_FIELDS.index("detail") + 1]


def page(lang: str, tz: str) -> html.Div:
    """Returns the administration page skeleton, stating the time zone `tz` its times are in; its callback fills
    the users and the audit."""
    options = [{"label": t(lang, "admin.audit_all"), "value": ""}] + [
        {"label": t(lang, f"admin.action.{a}"), "value": a} for a in AUDIT_ACTIONS
    ]
    return html.Div(
        [
            *page_heading(lang, t(lang, "admin.title"), tz, Admin.TIMEZONE),
            dbc.Card(
                [
                    dbc.CardHeader(t(lang, "admin.users")),
                    dbc.CardBody(
                        [
                            html.P(t(lang, "admin.users_hint"), className="small text-muted"),
                            html.Div(id=Admin.USERS),
                            html.Div(t(lang, "admin.sessions"), className="fw-semibold small mt-3 mb-1"),
                            html.Div(id=Admin.SESSIONS),
                            user_forms(lang),
                            html.Div(id=Admin.MESSAGE, className="mt-2"),
                        ]
                    ),
                ],
                className="mb-3",
            ),
            titled_card(
                t(lang, "admin.audit"),
                [
                    dcc.Dropdown(
                        id=Admin.AUDIT_ACTION,
                        options=options,
                        value="",
                        clearable=False,
                        style={"minWidth": "14rem"},
                        className="d-inline-block align-middle",
                    ),
                    icon_button(
                        "arrow-clockwise",
                        t(lang, "admin.refresh"),
                        id=Admin.REFRESH,
                        color="secondary",
                        outline=True,
                    ),
                    icon_button(
                        "filetype-csv",
                        t(lang, "admin.audit_csv"),
                        id=Admin.AUDIT_CSV,
                        href="/admin/audit.csv",
                        external_link=True,
                        color="secondary",
                        outline=True,
                    ),
                ],
                [html.Div(id=Admin.CHAIN, className="mb-2"), html.Div(id=Admin.AUDIT)],
            ),
        ]
    )


def user_forms(lang: str) -> dbc.Row:
    """Returns the forms that add a user and change one (role, disable, enable)."""
    roles = [{"label": t(lang, f"role.{r}"), "value": r} for r in ROLES]
    actions = [{"label": t(lang, "admin.set_role", role=t(lang, f"role.{r}")), "value": f"role:{r}"} for r in ROLES] + [
        {"label": t(lang, "admin.disable"), "value": "disable"},
        {"label": t(lang, "admin.enable"), "value": "enable"},
        {"label": t(lang, "admin.end_sessions"), "value": "end_sessions"},
    ]
    return dbc.Row(
        [
            dbc.Col(
                [
                    html.Div(t(lang, "admin.add_title"), className="fw-semibold small mb-1"),
                    dbc.Input(
                        id=Admin.NEW_NAME,
                        placeholder=t(lang, "admin.col.name"),
                        className="mb-1",
                        autoComplete="off",
                    ),
                    dcc.Dropdown(id=Admin.NEW_ROLE, options=roles, value="viewer", clearable=False, className="mb-1"),
                    dbc.Input(
                        id=Admin.NEW_PASSWORD,
                        type="password",
                        placeholder=t(lang, "login.password"),
                        className="mb-1",
                        autoComplete="new-password",
                    ),
                    dbc.Button(t(lang, "admin.add"), id=Admin.ADD, color="primary", n_clicks=0),
                ],
                md=6,
            ),
            dbc.Col(
                [
                    html.Div(t(lang, "admin.change_title"), className="fw-semibold small mb-1"),
                    dcc.Dropdown(id=Admin.CHANGE_USER, placeholder=t(lang, "admin.col.name"), className="mb-1"),
                    dcc.Dropdown(
                        id=Admin.CHANGE_ACTION,
                        options=actions,
                        placeholder=t(lang, "admin.change_what"),
                        className="mb-1",
                    ),
                    dbc.Button(t(lang, "admin.apply"), id=Admin.APPLY, color="secondary", n_clicks=0),
                ],
                md=6,
            ),
        ],
        className="g-3 mt-2",
    )


def users_table(lang: str, users: list, tz: str, open_sessions: dict[str, int] | None = None) -> html.Div | dbc.Table:
    """Returns the users (data.store.users.User) as a table, times in the reporting time zone `tz`, with how many
    sessions each has open."""
    if not users:
        return html.Div(t(lang, "admin.no_users"), className="text-muted")
    open_sessions = {k.casefold(): v for k, v in (open_sessions or {}).items()}
    columns = ("name", "role", "enabled", "created", "last_login", "sessions")
    head = html.Thead(html.Tr([html.Th(t(lang, f"admin.col.{c}")) for c in columns]))
    rows = [
        html.Tr(
            [
                html.Td(u.name, className="fw-semibold"),
                html.Td(t(lang, f"role.{u.role}")),
                html.Td(t(lang, "admin.enabled" if u.enabled else "admin.disabled")),
                html.Td(fmt_instant(u.created_at, lang, tz)),
                html.Td(fmt_instant(u.last_login_at, lang, tz)),
                html.Td(fmt_int(open_sessions.get(u.name.casefold(), 0), lang)),
            ],
            **{"data-user": u.name},
        )
        for u in users
    ]
    return dbc.Table([head, html.Tbody(rows)], size="sm", striped=True, hover=True, responsive=True, className="mb-0")


def sessions_table(lang: str, sessions: list) -> html.Div | dbc.Table:
    """Returns the open sessions (data.store.sessions.Session) as a table: user, since, last seen, address, browser."""
    if not sessions:
        return html.Div(t(lang, "admin.no_sessions"), className="text-muted small")
    columns = ("name", "session_created", "session_seen", "address", "user_agent", "session_id")
    head = html.Thead(html.Tr([html.Th(t(lang, f"admin.col.{c}")) for c in columns]))
    rows = [
        html.Tr(
            [
                html.Td(s.user, className="fw-semibold"),
                html.Td(_utc(s.created_at), className="text-nowrap"),
                html.Td(_utc(s.last_seen_at), className="text-nowrap"),
                html.Td(s.address),
                html.Td(s.user_agent[:80], title=s.user_agent),
                html.Td(html.Code(s.short)),
            ],
            **{"data-session-user": s.user},
        )
        for s in sessions
    ]
    return dbc.Table(
        [head, html.Tbody(rows)], size="sm", striped=True, responsive=True, className="small mb-0 admin-sessions"
    )


def chain_status(lang: str, check) -> html.Div:
    """Returns whether the access log's hash chain holds (data.store.audit.ChainCheck), as a small alert."""
    alert = dbc.Alert(
        [
            html.I(className=f"bi {'bi-shield-check' if check.ok else 'bi-shield-exclamation'} me-2"),
            html.Strong(t(lang, "admin.chain_title") + ": "),
            t(lang, check.problem, **check.values),
        ],
        color="success" if check.ok else "danger",
        className="py-2 mb-0 small",
    )
    return html.Div(alert, **{"data-chain": "ok" if check.ok else "broken"})


def _utc(iso: str) -> str:
    """Returns an ISO 8601 UTC time as "YYYY-MM-DD HH:MM:SS" (the column says UTC)."""
    return (iso or "").replace("T", " ").removesuffix("+00:00")


def _filter_text(raw: str) -> str:
    if not raw:
        return ""
    try:
        return ", ".join(f"{k}={v}" for k, v in json.loads(raw).items())
    except (ValueError, AttributeError):
        return raw


def audit_table(lang: str, log: pd.DataFrame, tz: str) -> html.Div:
    """Returns the newest access events as a table (times to the second, in the reporting time zone `tz`), with
    how many are shown."""
    if log.empty:
        return html.Div(t(lang, "admin.audit_empty"), className="text-muted")
    head = html.Thead(
        html.Tr([html.Th(t(lang, f"admin.col.{c}") if c != "role" else t(lang, "admin.col.role")) for c in AUDIT_SHOWN])
    )
    rows = []
    for r in log.itertuples(index=False):
        cells = {
            "at": fmt_instant(r.at, lang, tz, seconds=True),
            "who": r.who,
            "role": r.role,
            "address": r.address,
            "action": r.action,
            "outcome": r.outcome,
            "target": r.target,
            "filter": _filter_text(r.filter),
            "rows": "" if pd.isna(r.rows) else fmt_int(r.rows, lang),
            "format": r.format,
            "bytes": "" if pd.isna(r.bytes) else fmt_int(r.bytes, lang),
            "sha256": (r.sha256[:12] + "…") if r.sha256 else "",
            "detail": r.detail,
        }
        rows.append(
            html.Tr(
                [html.Td(cells[c], title=r.sha256 if c == "sha256" else None) for c in AUDIT_SHOWN],
                className="table-danger" if r.outcome in ("denied", "failed", "refused", "interrupted") else None,
            )
        )
    return html.Div(
        [
            html.P(
                [t(lang, "admin.audit_hint", n=len(log))]
                + ([" ", t(lang, "admin.audit_interrupted")] if (log["outcome"] == "interrupted").any() else []),
                className="small text-muted",
            ),
            dbc.Table(
                [head, html.Tbody(rows)],
                size="sm",
                striped=True,
                hover=True,
                responsive=True,
                className="small mb-0 admin-audit",
            ),
        ]
    )
