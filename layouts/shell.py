"""The page frame: navbar with the language switch, and the page container."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from i18n import t
from layouts.ids import Shell


def app_layout(default_lang: str) -> html.Div:
    """Returns the root layout: URL, language store, navbar and page slot."""
    return html.Div(
        [
            dcc.Location(id=Shell.URL),
            dcc.Store(id=Shell.LANG, storage_type="local", data=default_lang),
            dcc.Store(id=Shell.PERIOD, storage_type="session"),
            html.Div(id=Shell.NAVBAR, children=navbar(default_lang, "/")),
            dbc.Container(id=Shell.PAGE, fluid="xl", className="py-3"),
        ]
    )


def navbar(lang: str, path: str) -> dbc.Navbar:
    """Returns the navbar in `lang` with the current page marked."""
    def lang_button(code: str, id_: str) -> dbc.Button:
        return dbc.Button(
            code.upper(), id=id_, size="sm", n_clicks=0,
            color="light", outline=lang != code, active=lang == code, className="px-2",
            title={"pl": "Polski", "en": "English"}[code],
        )

    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand([html.I(className="bi bi-chat-square-text me-2"), t(lang, "app.title")], href="/"),
                dbc.Nav([dbc.NavItem(dbc.NavLink(t(lang, "nav.sms"), href="/", active=path in ("/", "/sms"))),
                         dbc.NavItem(dbc.NavLink(t(lang, "nav.transactional"), href="/transactional",
                                                 active=path == "/transactional", id=Shell.NAV_TRANSACTIONAL))],
                        navbar=True, className="me-auto"),
                html.Div(
                    [html.Span(t(lang, "nav.language"), className="text-white-50 small me-2"),
                     dbc.ButtonGroup([lang_button("pl", Shell.LANG_PL), lang_button("en", Shell.LANG_EN)])],
                    className="d-flex align-items-center",
                ),
            ],
            fluid="xl",
        ),
        color="primary",
        dark=True,
    )


def not_found(lang: str, path: str) -> dbc.Alert:
    """Returns the message shown for an unknown address."""
    return dbc.Alert(t(lang, "page.not_found", path=path), color="warning")
