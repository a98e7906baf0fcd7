"""`campaigns list|group|ungroup|rename|add|remove`: the page's Grouping from the command line."""

from __future__ import annotations

import pandas as pd
import typer

from cli.args import config, fail
from data.queries import dispatches as dispatch_queries

app = typer.Typer(no_args_is_help=True, help="Group dispatches into campaigns (the page's Grouping).")


def _context():
    from web.context import AppContext

    return AppContext.create(config())


def _dispatch_ids(ctx, numbers: list[int]) -> list[str]:
    from data.db import LakeUnavailable

    try:
        found = dispatch_queries.dispatch_ids(ctx.db, numbers=numbers)
    except LakeUnavailable as exc:
        fail(f"no data: {exc}")
    missing = [n for n in numbers if n not in found]
    if missing:
        fail(f"unknown dispatch number(s): {', '.join(map(str, missing))}")
    return [found[n] for n in numbers]


def _change(change) -> None:
    from data.store.campaigns import CampaignError
    from i18n import t

    try:
        change()
    except CampaignError as exc:
        fail(t("en", exc.key, **exc.values))


@app.command("list")
def campaigns_list() -> None:
    """List campaigns with their dispatch numbers."""
    ctx = _context()
    campaigns = ctx.store.campaigns()
    members = ctx.store.members()
    numbers = {}
    if not members.empty:
        numbers = dispatch_queries.dispatch_numbers(ctx.db, dispatch_ids=list(members["dispatch_id"]))
    for row in campaigns.itertuples():
        mine = sorted(numbers.get(d, 0) for d in members.loc[members["campaign_id"] == row.id, "dispatch_id"])
        rule = " [rule]" if pd.notna(row.rule) else ""  # the column is NaN, not None, for a campaign without one
        typer.echo(f"{row.id}\t{row.name}{rule}\t{', '.join(map(str, mine))}\t{row.description}")


@app.command("group")
def campaigns_group(
    numbers: list[int] = typer.Argument(..., help="Dispatch numbers."),
    name: str = typer.Option(..., "--name"),
    description: str = typer.Option("", "--description"),
    move: bool = typer.Option(False, "--move", help="Move dispatches that are in another campaign."),
) -> None:
    """Group dispatches into a new campaign."""
    ctx = _context()
    ids = _dispatch_ids(ctx, numbers)
    _change(lambda: typer.echo(ctx.store.group(ids, name=name, description=description, who="cli", move=move)))


@app.command("ungroup")
def campaigns_ungroup(campaign_ids: list[int] = typer.Argument(...)) -> None:
    """Dissolve campaigns (their dispatches stay)."""
    ctx = _context()
    _change(lambda: ctx.store.ungroup(campaign_ids, who="cli"))


@app.command("rename")
def campaigns_rename(campaign_id: int, name: str, description: str = typer.Option(None, "--description")) -> None:
    """Rename a campaign (and set its description)."""
    ctx = _context()
    _change(lambda: ctx.store.rename(campaign_id, name=name, description=description, who="cli"))


@app.command("add")
def campaigns_add(
    campaign_id: int,
    numbers: list[int] = typer.Argument(...),
    move: bool = typer.Option(False, "--move", help="Move dispatches that are in another campaign."),
) -> None:
    """Add dispatches to a campaign."""
    ctx = _context()
    ids = _dispatch_ids(ctx, numbers)
    _change(lambda: ctx.store.add(campaign_id, ids, who="cli", move=move))


@app.command("remove")
def campaigns_remove(numbers: list[int] = typer.Argument(...)) -> None:
    """Take dispatches out of their campaigns."""
    ctx = _context()
    ids = _dispatch_ids(ctx, numbers)
    _change(lambda: ctx.store.remove(ids, who="cli"))
