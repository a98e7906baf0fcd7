"""Callbacks of the administration page (admin role; web/security.py's OUTPUT_ROLES): users and the access audit."""

from __future__ import annotations

from collections import Counter

from dash import Input, Output, State, no_update
from dash import ctx as dash_ctx

from callbacks.context import PageContext
from data.store.sqlite import BUSY, StoreError
from data.store.users import UserError, UserStore
from i18n import lang_or_default, t
from layouts import admin
from layouts.components import error_alert
from layouts.ids import Admin, Shell

AUDIT_ROWS = 200


def admin_view(ctx: PageContext, *, action: str | None, lang: str | None) -> tuple:
    """Returns (users table, open sessions table, chain status, audit table, user choices) of the administration
    page; the access log's hash chain is checked (its new rows each time, the whole of it every few minutes)."""
    lang = lang_or_default(lang)
    store = ctx.users()
    log = store.audit(limit=AUDIT_ROWS, action=action if action in admin.AUDIT_ACTIONS else None)
    users = store.list()
    sessions = store.sessions.list(idle_s=ctx.config.session_idle_hours * 3600)
    per_user = Counter(s.user.casefold() for s in sessions)
    return (
        admin.users_table(lang, users, ctx.tz, per_user),
        admin.sessions_table(lang, sessions),
        admin.chain_status(lang, store.access.check()),
        admin.audit_table(lang, log, ctx.tz),
        [u.name for u in users],
    )


def change_user(
    store: UserStore,
    *,
    actor: str,
    what: str,
    name: str | None,
    role: str | None = None,
    password: str | None = None,
    change: str | None = None,
    lang: str,
) -> tuple[str, str | None]:
    """Adds a user (`what` "add": name, role, password) or changes one (`what` "change": name and
    `change` "role:<role>", "disable", "enable" or "end_sessions"). Returns (audit action, error text or None).
    Nobody changes their own account here (no admin locks themselves out)."""
    lang = lang_or_default(lang)
    try:
        if what == "add":
            user = store.add(name or "", role=role or "", password=password or "")
            return f"users.add:{user.name}:{user.role}", None
        if not name or not change:
            return "", t(lang, "admin.choose")
        if store.get(name) is not None and store.get(name).name.casefold() == actor.casefold():
            return "", t(lang, "admin.not_yourself")
        if change.startswith("role:"):
            user = store.set_role(name, change[5:])
            return f"users.set_role:{user.name}:{user.role}", None
        if change in ("disable", "enable"):
            user = store.set_enabled(name, change == "enable")
            return f"users.{change}:{user.name}", None
        if change == "end_sessions":
            user = store.get(name)
            if user is None:
                raise UserError("users.error.unknown", name=name)
            ended = store.sessions.end_user(user.name)
            return f"users.end_sessions:{user.name}:{ended}", None
        return "", t(lang, "admin.choose")
    except UserError as exc:
        return "", t(lang, exc.key, **exc.values)
    except StoreError as exc:  # read-only, a full disk, or busy: nothing changed
        return "", t(lang, "users.error.busy" if exc.key == BUSY else "users.error.read_only")


def register(app, ctx: PageContext) -> None:
    """Registers the administration page's callbacks on `app`."""

    @app.callback(
        Output(Admin.USERS, "children"),
        Output(Admin.SESSIONS, "children"),
        Output(Admin.CHAIN, "children"),
        Output(Admin.AUDIT, "children"),
        Output(Admin.CHANGE_USER, "options"),
        Output(Admin.MESSAGE, "children"),
        Output(Admin.NEW_PASSWORD, "value"),
        Input(Admin.REFRESH, "n_clicks"),
        Input(Admin.AUDIT_ACTION, "value"),
        Input(Admin.ADD, "n_clicks"),
        Input(Admin.APPLY, "n_clicks"),
        State(Admin.NEW_NAME, "value"),
        State(Admin.NEW_ROLE, "value"),
        State(Admin.NEW_PASSWORD, "value"),
        State(Admin.CHANGE_USER, "value"),
        State(Admin.CHANGE_ACTION, "value"),
        State(Shell.LANG, "data"),
    )
    def refresh(_n, action, _add, _apply, new_name, new_role, new_password, user, change, lang):
        message, password_out = None, no_update
        trigger = dash_ctx.triggered_id
        new_name, new_role, new_password, user, change = (
            v if isinstance(v, str) else None  # whatever a forged request sends
            for v in (new_name, new_role, new_password, user, change)
        )
        action = action if isinstance(action, str) else None
        if trigger in (Admin.ADD, Admin.APPLY):
            account = ctx.account()
            done, error = change_user(
                ctx.users(),
                actor=account.name if account else "",
                what="add" if trigger == Admin.ADD else "change",
                name=new_name if trigger == Admin.ADD else user,
                role=new_role,
                password=new_password,
                change=change,
                lang=lang,
            )
            if error:
                message = error_alert(error)
            else:
                kind, _, detail = done.partition(":")
                ctx.record(kind, detail=detail, filter={})
                password_out = ""
        users, sessions, chain, audit, names = admin_view(ctx, action=action, lang=lang)
        return users, sessions, chain, audit, names, message, password_out
