"""`export dispatches|transactional|numbers`: the page's downloads written to a file, on the access record."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path

import typer

from cli.args import choice, config, day, fail, write_atomic
from data.queries import dispatches as dispatch_queries

app = typer.Typer(no_args_is_help=True, help="Write a report to a file.")

FROM = typer.Option(..., "--from", help="First day, YYYY-MM-DD.")
TO = typer.Option(..., "--to", help="Last day, YYYY-MM-DD.")
REPORT_FORMAT = typer.Option(..., "--format", help="csv or docx.")
OUT = typer.Option(..., "--out", help="File to write.")
LANG = typer.Option("pl", "--lang", help="pl or en.")


def _period(cfg, from_: str, to: str):
    from data.period import Period, PeriodError

    start, end = day(from_, "--from"), day(to, "--to")
    try:
        return Period(start, end, cfg.timezone)
    except PeriodError:
        fail(f"--from {start} is after --to {end}")
        raise


def _db(cfg):
    from web.context import AppContext

    return AppContext.create(cfg).db


def _warn_left_out(db) -> None:
    """Says on stderr which months an export had to leave out (files that cannot be read)."""
    from data.db import LakeUnavailable

    try:
        left_out = db.unreadable()
    except LakeUnavailable:
        return
    if left_out:
        typer.echo(
            "warning: left out, cannot be read: " + "; ".join(f"{m} ({why})" for m, why in left_out.items()), err=True
        )


def _write(cfg, db, out: Path, chunks, *, action: str, fmt: str, what: dict[str, object]) -> None:
    """Writes what `chunks()` yields to `out` (atomically) and says so; no lake or a full disk ends the command
    with one line, leaving nothing at `out`. Like every download, it goes on the access record first (who: the
    account running the command; what: `action`, the options in `what`), and is refused when that record cannot
    be written; its end adds rows, bytes and SHA-256 written."""
    from data.db import LakeUnavailable
    from data.store.audit import AuditEvent
    from reports.audit import NotRecorded, recorded
    from web.security import user_store

    def finish_failed(exc: Exception, _done) -> None:  # the file is written; say its record is incomplete
        typer.echo(f"warning: the end of this export could not be recorded in the access log: {exc}", err=True)

    evt = AuditEvent(
        who=getpass.getuser(),
        role="cli",
        address="command line",
        action=action,
        target=str(out),
        filter={k: v for k, v in what.items() if v is not None},
        format=fmt,
    )
    try:
        body = recorded(chunks(), evt, fmt, user_store(cfg).access, finish_failed=finish_failed)
    except NotRecorded as exc:
        fail(f"the access log cannot be written ({exc}): nothing exported")
    try:
        size = write_atomic(out, body)
    except LakeUnavailable as exc:
        fail(f"no data: {exc}")
    except OSError as exc:  # e.g. a full disk: nothing is left at --out (written through a temporary file)
        fail(f"could not write {out}: {exc.strerror or exc}")
    _warn_left_out(db)
    typer.echo(f"wrote {out} ({size} bytes)")


@app.command("dispatches")
def export_dispatches(
    from_: str = FROM,
    to: str = TO,
    fmt: str = REPORT_FORMAT,
    out: Path = OUT,
    lang: str = LANG,
    per: str = typer.Option(
        "dispatch", "--per", help="dispatch: a row per dispatch (with its campaign); campaign: a row per campaign."
    ),
    filter_: str = typer.Option(
        "", "--filter", help="Only dispatches whose name or description contains TEXT (the page's filter)."
    ),
) -> None:
    """Write the dispatches of a period as CSV or DOCX: the file the page downloads for the same view."""
    from data.queries.history import HistoryFilter
    from reports.dispatches import HistoryView, dispatches_report
    from web.context import AppContext

    cfg = config()
    choice(lang, ("pl", "en"), "--lang")
    choice(fmt, ("csv", "docx"), "--format")
    choice(per, ("dispatch", "campaign"), "--per")
    period = _period(cfg, from_, to)
    ctx = AppContext.create(cfg)
    db = ctx.db
    text = filter_.strip()
    what = {"from": from_, "to": to, "lang": lang, "per": per, "q": text or None}
    now = dt.datetime.now(cfg.tz).replace(tzinfo=None)

    def chunks():  # made while the file is written: no lake is then one line, leaving nothing at --out
        campaigns, members = ctx.campaign_frames()
        view = HistoryView(campaigns=campaigns, members=members, flt=HistoryFilter(text), per=per)
        sep = cfg.csv_separator[lang]
        body = dispatches_report(db, fmt, period=period, lang=lang, sep=sep, generated_at=now, view=view)
        yield from [body] if isinstance(body, bytes) else body

    _write(cfg, db, out, chunks, action="export.dispatches", fmt=fmt, what=what)


@app.command("transactional")
def export_transactional(
    from_: str = FROM,
    to: str = TO,
    fmt: str = REPORT_FORMAT,
    out: Path = OUT,
    lang: str = LANG,
    source: str = typer.Option(None, "--source", help="Only test sends (test) or API messages (api); both by default."),
) -> None:
    """Write the transactional campaign table of a period as CSV or DOCX."""
    from data.schema import check_source
    from reports.transactional import transactional_csv, transactional_docx

    cfg = config()
    choice(lang, ("pl", "en"), "--lang")
    choice(fmt, ("csv", "docx"), "--format")
    try:
        chosen = check_source(source)
    except ValueError:
        fail(f"--source must be test or api, not {source!r}")
    period = _period(cfg, from_, to)
    db = _db(cfg)
    what = {"from": from_, "to": to, "lang": lang, "source": chosen}
    now = dt.datetime.now(cfg.tz).replace(tzinfo=None)

    def chunks():
        if fmt == "csv":
            return transactional_csv(db, period=period, lang=lang, sep=cfg.csv_separator[lang], source=chosen)
        return [transactional_docx(db, period=period, lang=lang, generated_at=now, source=chosen)]

    _write(cfg, db, out, chunks, action="export.transactional", fmt=fmt, what=what)


@app.command("numbers")
def export_numbers(
    dispatch: int = typer.Option(..., "--dispatch", help="Dispatch number."),
    status: str = typer.Option(..., "--status", help="delivered, not_sent, not_delivered or pending."),
    reason: str = typer.Option(None, "--reason", help="Only this reason (e.g. expired_validity)."),
    fmt: str = typer.Option(..., "--format", help="csv or xml."),
    out: Path = OUT,
    lang: str = typer.Option("pl", "--lang", help="pl or en (CSV header and separator)."),
) -> None:
    """Write the recipients' numbers of a dispatch's status group (or one reason)."""
    from data.schema import Reason, StatusGroup
    from reports.numbers import numbers_csv, numbers_xml

    cfg = config()
    choice(fmt, ("csv", "xml"), "--format")
    choice(lang, ("pl", "en"), "--lang")
    try:
        group = StatusGroup(status)
    except ValueError:
        fail(f"--status must be one of {', '.join(g.value for g in StatusGroup)}")
    if reason is not None and reason != "none" and reason not in set(Reason):
        fail(f"--reason must be one of {', '.join(r.value for r in Reason)}")
    db = _db(cfg)

    def chunks():
        info = dispatch_queries.dispatch_info(db, number=dispatch, tz=cfg.timezone)
        if info is None:
            fail(f"unknown dispatch number {dispatch}")
        if fmt == "csv":
            return numbers_csv(
                db,
                dispatch_id=info["dispatch_id"],
                group=group,
                reason=reason,
                lang=lang,
                sep=cfg.csv_separator[lang],
                batch_rows=cfg.export_batch_rows,
            )
        return numbers_xml(
            db,
            dispatch_id=info["dispatch_id"],
            scope={"dispatch": str(dispatch)},
            group=group,
            reason=reason,
            generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            batch_rows=cfg.export_batch_rows,
        )

    _write(
        cfg,
        db,
        out,
        chunks,
        action="export.numbers",
        fmt=fmt,
        what={"dispatch": dispatch, "status": status, "reason": reason, "lang": lang},
    )
