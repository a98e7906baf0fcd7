"""`views list [--user NAME]`, `views remove ID`: the saved views of the report pages (a name and the link that
reopens it)."""

from __future__ import annotations

import typer

from cli.args import config, fail

app = typer.Typer(no_args_is_help=True, help="Saved views of the report pages.")
PATHS = {"sms": "/", "transactional": "/transactional"}


@app.command("list")
def views_list(
    user: str | None = typer.Option(None, "--user", help="Only the views this user sees (theirs and the shared)."),
) -> None:
    """List saved views: id, owner, page, shared, name and the address that opens it."""
    import sqlite3

    from data.store.sqlite import StoreError, store_path
    from data.store.views import ViewStore

    cfg = config()
    try:
        found = ViewStore(store_path(cfg.data_dir), timeout_s=cfg.store_timeout_s).list(user)
    except (sqlite3.Error, OSError, StoreError) as exc:
        fail(f"the store cannot be read ({exc})")
    if not found:
        typer.echo("no saved views")
        return
    typer.echo("id\towner\tpage\tshared\tname\taddress")
    for v in found:
        typer.echo(f"{v.id}\t{v.owner}\t{v.page}\t{'yes' if v.shared else 'no'}\t{v.name}\t{PATHS[v.page]}{v.query}")


@app.command("remove")
def views_remove(view_id: int = typer.Argument(..., help="The id `views list` shows.")) -> None:
    """Remove a saved view (for its owner and, when shared, for everyone)."""
    import sqlite3

    from data.store.sqlite import StoreError, store_path
    from data.store.views import ViewStore
    from i18n import t

    cfg = config()
    try:
        removed = ViewStore(store_path(cfg.data_dir), timeout_s=cfg.store_timeout_s).remove(view_id)
    except StoreError as exc:
        fail(t("en", exc.key, **exc.values))
    except (sqlite3.Error, OSError) as exc:
        fail(f"the store cannot be changed ({exc})")
    if not removed:
        fail(f"no saved view {view_id}")
    typer.echo(f"removed view {view_id}")
