"""`users add|list|set-role|disable|reset-password|sessions`: who may use the dashboard, with which role."""

from __future__ import annotations

import typer

from cli.args import config, fail, open_store, read_secret

app = typer.Typer(no_args_is_help=True, help="Users and roles (viewer, analyst, admin) of the dashboard.")


def _users():
    """Returns the user store; one that cannot be opened ends the command in one line."""
    from web.security import user_store

    cfg = config()
    return open_store(lambda: _change(lambda: user_store(cfg)), "the user store")


def _change(change):
    from data.store.sqlite import BUSY, StoreError
    from data.store.users import UserError
    from i18n import t

    try:
        return change()
    except UserError as exc:
        fail(t("en", exc.key, **exc.values))
    except StoreError as exc:  # read-only, a full disk, or busy for SMSREPORTS_STORE_TIMEOUT_S: nothing changed
        fail(t("en", "users.error.busy" if exc.key == BUSY else "users.error.read_only"))


def _read_password() -> str:
    """Returns the password: asked twice on a terminal, one line of stdin otherwise (`echo pw | ... users add`)."""
    return read_secret("Password", repeat="Repeat the password")


@app.command("add")
def users_add(name: str, role: str = typer.Option(..., "--role", help="viewer, analyst or admin.")) -> None:
    """Add a user (asks for the password, or reads it from stdin)."""
    from data.store.users import check_name, check_role

    store = _users()
    _change(lambda: (check_name(name), check_role(role)))
    user = _change(lambda: store.add(name, role=role, password=_read_password()))
    typer.echo(f"added {user.name} ({user.role})")


def _local(instant: str | None, tz: str) -> str:
    """Returns a stored instant (ISO, UTC) as ISO in the reporting time zone with its offset, or "-"."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    if not instant:
        return "-"
    return dt.datetime.fromisoformat(instant).astimezone(ZoneInfo(tz)).isoformat(timespec="seconds")


@app.command("list")
def users_list() -> None:
    """List users: name, role, enabled or disabled, last log-in (in the reporting time zone)."""
    tz = config().timezone
    for user in _users().list():
        state = "enabled" if user.enabled else "disabled"
        typer.echo(f"{user.name}\t{user.role}\t{state}\t{_local(user.last_login_at, tz)}")


@app.command("set-role")
def users_set_role(name: str, role: str) -> None:
    """Give a user another role (their sessions end)."""
    user = _change(lambda: _users().set_role(name, role))
    typer.echo(f"{user.name} is now {user.role}")


@app.command("disable")
def users_disable(
    name: str, enable: bool = typer.Option(False, "--enable", help="Enable the user again instead.")
) -> None:
    """Disable a user: log-in refused, open sessions end."""
    user = _change(lambda: _users().set_enabled(name, enable))
    typer.echo(f"{user.name} {'enabled' if user.enabled else 'disabled'}")


@app.command("reset-password")
def users_reset_password(name: str) -> None:
    """Set a new password (asks for it, or reads it from stdin); open sessions end."""
    store = _users()
    if store.get(name) is None:
        fail(f"no user called {name}")
    user = _change(lambda: store.reset_password(name, _read_password()))
    typer.echo(f"password of {user.name} changed")


@app.command("sessions")
def users_sessions(
    name: str, end: bool = typer.Option(False, "--end", help="End them all: the user is logged out everywhere.")
) -> None:
    """List a user's open sessions (since, last seen, address, browser), or end them with --end."""
    cfg = config()
    store = _users()
    user = store.get(name)
    if user is None:
        fail(f"no user called {name}")
    if end:
        ended = _change(lambda: store.sessions.end_user(user.name))
        try:
            store.record(_cli_event("users.end_sessions", detail=f"{user.name}:{ended}", filter={}))
        except Exception as exc:  # noqa: BLE001 - the sessions are ended; say the record failed
            typer.echo(f"warning: the access record could not be written: {exc}", err=True)
        typer.echo(f"ended {ended} session(s) of {user.name}")
        return
    sessions = store.sessions.list(user.name, idle_s=cfg.session_idle_hours * 3600)
    if not sessions:
        typer.echo(f"{user.name} has no open session")
    for s in sessions:
        typer.echo(f"{s.short}\t{s.created_at}\t{s.last_seen_at}\t{s.address or '-'}\t{s.user_agent or '-'}")


def _cli_event(action: str, **values):
    """Returns an access-log event of the command line (who: the account running it)."""
    import getpass

    from data.store.audit import AuditEvent

    return AuditEvent(who=getpass.getuser(), role="cli", address="command line", action=action, **values)
