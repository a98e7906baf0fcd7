"""Callbacks of the administration page (admin role; security.OUTPUT_ROLES)."""
from __future__ import annotations

from dash import Input, Output, State

from context import AppContext
from i18n import lang_or_default
from layouts import admin
from layouts.ids import Admin, Shell

AUDIT_ROWS = 200


def admin_view(ctx: AppContext, *, action: str | None, lang: str | None) -> tuple:
    """Returns (users table, audit table) of the administration page."""
    import security

    lang = lang_or_default(lang)
    store = security.user_store(ctx.config)
    log = store.audit(limit=AUDIT_ROWS, action=action if action in admin.AUDIT_ACTIONS else None)
    return admin.users_table(lang, store.list()), admin.audit_table(lang, log)


def register(app, ctx: AppContext) -> None:
    """Registers the administration page's callbacks on `app`."""

    @app.callback(Output(Admin.USERS, "children"), Output(Admin.AUDIT, "children"),
                  Input(Admin.REFRESH, "n_clicks"), Input(Admin.AUDIT_ACTION, "value"), State(Shell.LANG, "data"))
    def refresh(_n, action, lang):
        return admin_view(ctx, action=action, lang=lang)
