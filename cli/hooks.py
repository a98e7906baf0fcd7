"""`hooks add|list|remove`: the providers' callback secrets; `compact`: the spool into the lake."""

from __future__ import annotations

import json
import sys
import time

import typer

from cli.args import config, fail, open_store, read_secret

app = typer.Typer(no_args_is_help=True, help="Provider callbacks (/hooks/...): their secrets and allowed networks.")
GENERATED = ("canonical", "clicks")  # our own senders: a token is made when none is given
ADDRESS = {
    "canonical": "POST /hooks/canonical with 'Authorization: Bearer <token>'",
    "clicks": "POST /hooks/clicks with 'Authorization: Bearer <token>'",
    "twilio": "POST /hooks/twilio (X-Twilio-Signature, the auth token)",
    "vonage": "POST /hooks/vonage (signed webhooks: JWT with the signature secret)",
    "infobip": "POST /hooks/infobip/<token> (or basic auth, the token as password)",
    "smsapi": "GET or POST /hooks/smsapi/<token> (or basic auth, the token as password)",
}


def _store():
    from data.store.hooks import HookStore
    from data.store.sqlite import store_path

    cfg = config()
    return open_store(lambda: HookStore(store_path(cfg.data_dir), timeout_s=cfg.store_timeout_s), "the store")


def _change(change):
    from data.store.hooks import HookError
    from data.store.sqlite import StoreError

    try:
        return change()
    except HookError as exc:
        fail(str(exc))
    except StoreError:
        fail("the store is busy or read-only; nothing was changed")


@app.command("add")
def add(
    provider: str = typer.Argument(..., help="canonical, clicks, twilio, vonage, infobip or smsapi."),
    secret: str = typer.Option(
        None,
        "--secret",
        help="Twilio's auth token, Vonage's signature secret, or the token of the others. Omitted: read from "
        "stdin (canonical and clicks: a new token is made and printed).",
    ),
    network: list[str] = typer.Option(
        None, "--network", help="Address or network allowed to call (repeatable; default: any)."
    ),
) -> None:
    """Set (or replace) a provider's callback secret."""
    from data.store.hooks import check_networks, check_provider, new_token

    provider = _change(lambda: check_provider(provider))
    networks = _change(lambda: check_networks(network or []))
    made = None
    if secret is None:
        if provider in GENERATED:
            secret = made = new_token()
        else:
            secret = read_secret(f"{provider} secret")
    store = _store()
    _change(lambda: store.add(provider, secret, networks))
    if made:
        typer.echo(made)  # shown once: the store keeps only its hash
        typer.echo(f"hook {provider} set: {ADDRESS[provider]} (the token above is shown only now)", err=True)
    else:
        typer.echo(f"hook {provider} set: {ADDRESS[provider]}")


@app.command("list")
def list_hooks(as_json: bool = typer.Option(False, "--json", help="One JSON object per hook.")) -> None:
    """List the hooks that are set (never their secrets)."""
    hooks = _change(lambda: _store().all())
    rows = [
        {
            "provider": h.provider,
            "set_at": h.added_at,
            "networks": list(h.networks),
            "refused": h.refused,
            "last_refused": h.last_refused,
            "address": ADDRESS[h.provider],
        }
        for h in hooks
    ]
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    if not rows:
        typer.echo("no hooks set (python app.py hooks add PROVIDER)")
    for row in rows:
        nets = ", ".join(row["networks"]) or "any address"
        last = f", last {row['last_refused']}" if row["last_refused"] else ""
        typer.echo(f"{row['provider']}: set {row['set_at']}; from {nets}; refused {row['refused']}{last}")


@app.command("remove")
def remove(provider: str = typer.Argument(..., help="The provider whose hook goes.")) -> None:
    """Remove a provider's hook (its callbacks are refused from then on)."""
    if not _change(lambda: _store().remove(provider)):
        fail(f"no hook set for {provider}")
    typer.echo(f"hook {provider} removed")


def compact(
    every: float = typer.Option(None, "--every", help="Run again every SECONDS until stopped (default: once)."),
    as_json: bool = typer.Option(False, "--json", help="Print each run's summary as one JSON object."),
    retry_failed: bool = typer.Option(
        False, "--retry-failed", help="First put the callbacks set aside in spool/failed/ back into the spool."
    ),
) -> None:
    """Move the spooled provider callbacks into the lake (one compactor per data directory)."""
    from data.compactor import CompactorBusy
    from data.compactor import compact as run_compact
    from data.ingest.core import Options
    from data.spool import Spool

    cfg = config()
    if every is not None and every <= 0:
        fail("--every must be positive")
    if retry_failed:
        typer.echo(f"{Spool(cfg.data_dir).requeue_failed()} set-aside segment(s) back in the spool")
    options = Options(tz=cfg.timezone, region=cfg.default_region, optout_keywords=cfg.optout_keywords)
    while True:
        started = time.monotonic()
        try:
            done = run_compact(cfg.data_dir, options=options, report_tz=cfg.timezone)
            _report(done, as_json)
        except CompactorBusy as exc:
            if every is None:
                fail(str(exc))
        except Exception as exc:  # noqa: BLE001 - the spool stays as it was; the next run tries again
            if every is None:
                fail(f"compaction failed ({type(exc).__name__}: {exc}); the spool is kept, nothing was lost")
            typer.echo(f"error: compaction failed ({type(exc).__name__}: {exc}); the spool is kept", err=True)
        if every is None:
            return
        time.sleep(max(every - (time.monotonic() - started), 0.05))


def _report(done, as_json: bool) -> None:
    if as_json:
        out = {k: v for k, v in done.__dict__.items() if k != "summary"}
        out["summary"] = done.summary.as_dict() if done.summary else None
        typer.echo(json.dumps(out, default=str))
    elif done.callbacks or done.quarantined:
        s = done.summary
        changed = f"; messages new {s.messages_new}, updated {s.messages_updated}, clicks {s.clicks_new}" if s else ""
        typer.echo(
            f"compacted {done.callbacks} callbacks from {done.segments} segments in {done.seconds:.2f} s"
            f"{changed}; quarantined {done.quarantined + (s.quarantined if s else 0)}; months {', '.join(done.months)}"
        )
    if done.failed and not as_json:
        typer.echo(
            f"error: {done.failed} callback(s) failed to import even alone; kept in spool/failed/ and listed in the "
            "quarantine (after a fix: compact --retry-failed)",
            err=True,
        )
    sys.stdout.flush()


def follow_log(files: list, *, fmt: str, provider: str | None) -> None:
    """`ingest --follow FILE --format smpp-dlr`: tails one gateway log into the spool until interrupted."""
    from data.follow import follow

    if len(files) != 1 or fmt.replace("_", "-").lower() != "smpp-dlr":
        fail("--follow takes one file and --format smpp-dlr")
    if provider is not None and not provider.strip():
        fail("--provider is empty")
    cfg = config()
    typer.echo(f"following {files[0]} into {cfg.data_dir / 'spool'} (Ctrl-C stops; the position is remembered)")
    try:
        follow(cfg.data_dir, files[0], provider=provider.strip().lower() if provider else None)
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        fail(f"cannot follow {files[0]} ({exc.strerror or exc}); the position is kept")
