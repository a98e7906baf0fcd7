"""`audit verify`: checks the access log's hash chain (data/store/audit.py) and names the first bad row."""

from __future__ import annotations

import typer

from cli.args import config

app = typer.Typer(no_args_is_help=True, help="The access log: who downloaded what, tamper-evident.")


@app.command("verify")
def audit_verify() -> None:
    """Check the access log's hash chain: exit 0 when it holds, 1 naming the first bad row."""
    from i18n import t
    from web.security import user_store

    check = user_store(config()).access.verify()
    if check.ok:
        typer.echo(f"ok: {t('en', check.problem, **check.values)} Newest hash {check.newest}.")
        return
    typer.echo(f"tampered: {t('en', check.problem, **check.values)} Rows before it hold: {check.rows}.", err=True)
    raise typer.Exit(1)
