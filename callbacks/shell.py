"""Callbacks of the page frame: language switch and page routing."""

from __future__ import annotations

from dash import Input, Output, State, no_update
from dash import ctx as dash_ctx

from callbacks import view_state
from callbacks.context import PageContext
from callbacks.view_query import SMS, TRX
from i18n import lang_or_default
from layouts import admin, schedules, shell
from layouts.ids import Shell, View

BUTTONS = {Shell.LANG_PL: "pl", Shell.LANG_EN: "en"}


def chosen_lang(triggered: list[str], clicks: dict[str, int | None], current: str | None) -> str:
    """Returns the language a click on PL or EN asks for, else the current one. `triggered` are the ids that fired,
    `clicks` their n_clicks: the navbar is drawn anew with every page, and then both buttons fire at once with no
    clicks; that is no choice (taking it for one set Polish on every navigation)."""
    if len(triggered) == 1 and triggered[0] in BUTTONS and clicks.get(triggered[0]):
        return BUTTONS[triggered[0]]
    return lang_or_default(current)


def render(
    ctx: PageContext,
    path: str | None,
    lang: str | None,
    stored_period: dict | None = None,
    account: dict | None = None,
    search: str | None = None,
) -> tuple:
    """Returns (navbar, page) for an address in a language, a report page drawn as its query string `search`
    asks (callbacks/view_state.py; the period kept in the session when it does not say);
    `account` (ctx.account_view) says who asks: a page their role does not open says so, and the
    SMS page hides the grouping actions from those who cannot change campaigns."""
    lang = lang_or_default(lang)
    path = path if isinstance(path, str) and path else "/"  # whatever a forged request sends
    if account is not None and not account.get("pages", {}).get(path, True):
        body = shell.forbidden(lang, path)
    elif path in ("/", "/sms"):
        body = view_state.page_body(ctx, SMS, lang, stored_period, search, account, path)
    elif path == "/transactional":
        body = view_state.page_body(ctx, TRX, lang, stored_period, search, account, path)
    elif path == "/admin" and account is not None:
        body = admin.page(lang, ctx.tz)
    elif path == "/schedules" and account is not None:
        body = schedules.page(lang, ctx.tz, smtp_ready=bool(ctx.config.smtp_host and ctx.config.smtp_from))
    else:
        body = shell.not_found(lang, path)
    return shell.navbar(lang, path, account), body


def register(app, ctx: PageContext) -> None:
    """Registers the frame's callbacks on `app`."""

    @app.callback(
        Output(Shell.LANG, "data"),
        Input(Shell.LANG_PL, "n_clicks"),
        Input(Shell.LANG_EN, "n_clicks"),
        State(Shell.LANG, "data"),
        prevent_initial_call=True,
    )
    def switch_lang(pl_clicks, en_clicks, current):
        from dash import ctx as dash_ctx

        triggered = [str(i) for i in dash_ctx.triggered_prop_ids.values()]
        lang = chosen_lang(triggered, {Shell.LANG_PL: pl_clicks, Shell.LANG_EN: en_clicks}, current)
        if lang == current:
            return no_update
        ctx.remember_lang(lang)
        return lang

    @app.callback(
        Output(Shell.NAVBAR, "children"),
        Output(Shell.PAGE, "children"),
        Output(Shell.LOCAL_BANNER, "children"),
        Input(Shell.URL, "pathname"),
        Input(Shell.URL, "search"),
        Input(Shell.LANG, "data"),
        State(Shell.PERIOD, "data"),
        State(View.LAST, "data"),
    )
    def route(path, search, lang, stored_period, last):
        if set(dash_ctx.triggered_prop_ids) == {f"{Shell.URL}.search"} and search == last:
            return no_update, no_update, no_update  # the page wrote this address itself: it shows it already
        path = path if isinstance(path, str) else None  # whatever a forged request sends
        search = search if isinstance(search, str) else None
        account = ctx.account_view()
        if account is not None and not account["pages"].get(path or "/", True):
            ctx.record(
                "denied", outcome="denied", target=path, filter={}, detail=f"page {path} needs {ctx.page_role(path)}"
            )
        navbar, page = render(ctx, path, lang, stored_period, account, search)
        banner = shell.local_banner(lang_or_default(lang)) if account and account.get("local") else None
        return navbar, page, banner
