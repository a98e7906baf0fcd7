"""The page frame: navbar with the language switch, and the page container."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from i18n import t
from layouts.ids import Shell, View


def app_layout(lang: str) -> html.Div:
    """Returns the root layout in `lang` (the language the request's cookie keeps): URL, language store, navbar
    and page slot. The language lives in the page's memory and in that cookie, not in the browser's storage:
    the server that draws the first page (and the log-in page) has to know it."""
    return html.Div(
        [
            dcc.Location(id=Shell.URL),
            dcc.Store(id=Shell.LANG, data=lang),
            dcc.Store(id=Shell.PERIOD, storage_type="session"),
            dcc.Store(id=View.LAST),  # the query string a report page wrote last (callbacks/view_state.py)
            html.Div(id=Shell.NAVBAR, children=navbar(lang, "/")),
            html.Div(id=Shell.LOCAL_BANNER),
            dbc.Container(id=Shell.PAGE, fluid="xxl", className="py-3"),
        ]
    )


def navbar(lang: str, path: str, account: dict | None = None) -> dbc.Navbar:
    """Returns the navbar in `lang` with the current page marked; `account` (name, role, local, admin,
    csrf_token) adds the administration link and who is logged in, with the log-out button."""

    def lang_button(code: str, id_: str) -> dbc.Button:
        return dbc.Button(
            code.upper(),
            id=id_,
            size="sm",
            n_clicks=0,
            color="light",
            outline=lang != code,
            active=lang == code,
            className="px-2",
            title={"pl": "Polski", "en": "English"}[code],
        )

    def link(key: str, href: str, id_: str | None = None, *, active: bool | None = None) -> dbc.NavItem:
        more = {"id": id_} if id_ else {}
        return dbc.NavItem(
            dbc.NavLink(t(lang, key), href=href, active=path == href if active is None else active, **more)
        )

    links = [
        link("nav.sms", "/", active=path in ("/", "/sms")),
        link("nav.transactional", "/transactional", Shell.NAV_TRANSACTIONAL),
    ]
    if account and account.get("pages", {}).get("/schedules"):
        links.append(link("nav.schedules", "/schedules", Shell.NAV_SCHEDULES))
    if account and account.get("admin"):
        links.append(link("nav.admin", "/admin", Shell.NAV_ADMIN))
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand([html.I(className="bi bi-chat-square-text me-2"), t(lang, "app.title")], href="/"),
                dbc.Nav(
                    links,
                    navbar=True,
                    className="me-auto",
                ),
                account_menu(lang, account),
                html.Div(
                    [
                        html.Span(t(lang, "nav.language"), className="text-white-50 small me-2"),
                        dbc.ButtonGroup([lang_button("pl", Shell.LANG_PL), lang_button("en", Shell.LANG_EN)]),
                    ],
                    className="d-flex align-items-center",
                ),
            ],
            fluid="xxl",
        ),
        color="primary",
        dark=True,
    )


def account_menu(lang: str, account: dict | None) -> html.Div:
    """Returns who is logged in and the log-out button (a POST form with its CSRF token); empty in local mode."""
    if not account or account.get("local"):
        return html.Div(id=Shell.ACCOUNT)
    role = t(lang, f"role.{account['role']}")
    return html.Div(
        html.Form(
            [
                html.Span(
                    [
                        html.I(className="bi bi-person-circle me-1"),
                        t(lang, "nav.account", name=account["name"], role=role),
                    ],
                    className="text-white small me-2",
                ),
                dbc.Input(type="hidden", name="csrf_token", value=account.get("csrf_token", "")),
                dbc.Button(
                    [html.I(className="bi bi-box-arrow-right me-1"), t(lang, "nav.logout")],
                    type="submit",
                    size="sm",
                    color="light",
                    outline=True,
                    id="shell-logout",
                ),
            ],
            action="/logout",
            method="POST",
            className="d-flex align-items-center mb-0",
        ),
        id=Shell.ACCOUNT,
        className="me-3",
    )


def local_banner(lang: str) -> dbc.Alert:
    """Returns the note that the app runs in local mode (no users, no log-in)."""
    return dbc.Alert(
        [html.I(className="bi bi-unlock me-2"), t(lang, "local.banner")],
        color="warning",
        className="rounded-0 mb-0 py-2 small",
    )


def forbidden(lang: str, path: str) -> dbc.Alert:
    """Returns the message shown for a page the user's role does not open."""
    return dbc.Alert(t(lang, "page.forbidden", path=path), color="danger")


def not_found(lang: str, path: str) -> dbc.Alert:
    """Returns the message shown for an unknown address."""
    return dbc.Alert(t(lang, "page.not_found", path=path), color="warning")
