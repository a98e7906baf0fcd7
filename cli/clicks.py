"""`clicks reclassify`: stored clicks judged again by the current bot rule (after upgrading the app)."""

from __future__ import annotations

import typer

from cli.args import config, fail

app = typer.Typer(no_args_is_help=True, help="Stored clicks.")


@app.command()
def reclassify() -> None:
    """Judge every stored click again by the current bot rule (run it after upgrading the app) and rebuild the
    rollups of the months whose figures change; a second run changes nothing."""
    import duckdb
    import pyarrow as pa

    from data.lake import Lake
    from data.reclassify import reclassify_clicks

    cfg = config()
    lake = Lake(cfg.lake_dir)
    if not lake.exists():
        fail(f"no lake at {lake.root}: run 'python app.py demo' or 'python app.py ingest' first")
    try:
        result = reclassify_clicks(lake, tz=cfg.timezone)
    except OSError as exc:  # a full disk: the new version was discarded, the lake is as it was
        fail(f"could not rewrite the clicks ({exc.strerror or exc}); the lake is unchanged")
    except (duckdb.Error, pa.ArrowException) as exc:
        fail(
            f"could not read the lake ({type(exc).__name__}: {' '.join(str(exc).split())[:200]}); the lake is unchanged"
        )
    total = sum(m.clicks for m in result.months.values())
    if result.changed == 0:
        typer.echo(
            f"no click changed: all {total:,} stored clicks already follow the current rule; the lake is unchanged"
        )
        return
    for month, change in result.months.items():
        if change.changed:
            typer.echo(
                f"{month}: {change.changed:,} of {change.clicks:,} clicks changed "
                f"({change.now_bots:,} now bots, {change.now_people:,} now people)"
            )
        else:
            typer.echo(f"{month}: no change ({change.clicks:,} clicks)")
    rebuilt = ", ".join(result.rollup_months) if result.rollup_months else "none (the lake has no rollups)"
    typer.echo(f"{result.changed:,} of {total:,} clicks changed; rollups rebuilt for months: {rebuilt}")
