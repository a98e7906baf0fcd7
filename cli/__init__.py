"""The command line: one typer app, `python app.py COMMAND ...`; each command calls the functions the pages use."""

from __future__ import annotations

import typer

from cli import audit, campaigns, clicks, export, hooks, lake, replies, schedules, serve, users, views

cli = typer.Typer(add_completion=False, no_args_is_help=True, help="SMS Reports: dashboard, demo data and exports.")
cli.command()(lake.demo)
cli.command()(serve.serve)
cli.command()(lake.rollup)
cli.command()(lake.ingest)
cli.add_typer(export.app, name="export")
cli.add_typer(campaigns.app, name="campaigns")
cli.add_typer(users.app, name="users")
cli.add_typer(audit.app, name="audit")
cli.add_typer(schedules.app, name="schedules")
cli.add_typer(clicks.app, name="clicks")
cli.add_typer(hooks.app, name="hooks")
cli.command()(hooks.compact)
cli.add_typer(views.app, name="views")
cli.add_typer(replies.app, name="replies")
