"""`replies reclassify`: stored replies judged again by the current opt-out keywords (after changing them)."""

from __future__ import annotations

import typer

from cli.args import config, fail

app = typer.Typer(no_args_is_help=True, help="Stored replies (inbound SMS).")


@app.command()
def reclassify() -> None:
    """Decide again which stored replies are opt-outs, by SMSREPORTS_OPTOUT_KEYWORDS (run it after changing them),
    and rebuild the rollups of the months whose opt-outs change; a second run changes nothing."""
    import duckdb
    import pyarrow as pa

    from data.ingest.inbound import reclassify_replies
    from data.lake import Lake

    cfg = config()
    lake = Lake(cfg.lake_dir)
    if not lake.exists():
        fail(f"no lake at {lake.root}: run 'python app.py demo' or 'python app.py ingest' first")
    try:
        changed, months = reclassify_replies(lake, tz=cfg.timezone, keywords=cfg.optout_keywords)
    except OSError as exc:  # a full disk: the new version was discarded, the lake is as it was
        fail(f"could not rewrite the replies ({exc.strerror or exc}); the lake is unchanged")
    except (duckdb.Error, pa.ArrowException) as exc:
        fail(
            f"could not read the lake ({type(exc).__name__}: {' '.join(str(exc).split())[:200]}); the lake is unchanged"
        )
    if not changed:
        typer.echo("no reply changed: the stored replies already follow the keywords; the lake is unchanged")
        return
    rebuilt = ", ".join(months) if months else "none"
    typer.echo(f"{changed:,} replies changed; rollups rebuilt for months: {rebuilt}")
