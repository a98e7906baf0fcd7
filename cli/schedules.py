"""`schedules add|list|remove|run-now|run-due`: reports sent by e-mail on a schedule (the Scheduled reports page)."""

from __future__ import annotations

import datetime as dt
import getpass
import time

import typer

from cli.args import choice, config, fail

app = typer.Typer(no_args_is_help=True, help="Reports sent by e-mail on a schedule.")


def _store(cfg):
    from data.store.schedules import ScheduleStore
    from data.store.sqlite import store_path

    return ScheduleStore(store_path(cfg.data_dir), timeout_s=cfg.store_timeout_s)


def _sender(cfg):
    from reports.scheduler import sender_for
    from web.context import AppContext

    ctx = AppContext.create(cfg)
    return sender_for(cfg, ctx.db, ctx.campaign_frames)


def _day(value: str | None, every: str) -> int | None:
    from data.recurrence import LAST_DAY

    if value is None:
        return None
    if value.strip().lower() == "last" and every == "monthly":
        return LAST_DAY
    if not value.strip().isdigit():
        fail(f"--day must be a number{' or last' if every == 'monthly' else ''}, not {value!r}")
    return int(value)


def describe(schedule, tz: str) -> str:
    """Returns one line of `schedules list`: id, page, formats, when, period, language, owner, recipients,
    and the view sent (a saved view's name and query string, or the default one)."""
    if schedule.every == "daily":
        when = f"daily {schedule.hour:02d}:00"
    elif schedule.every == "weekly":
        when = f"weekly day {schedule.day} {schedule.hour:02d}:00"
    else:
        when = f"monthly day {'last' if schedule.day == 0 else schedule.day} {schedule.hour:02d}:00"
    return "\t".join(
        [
            str(schedule.id),
            schedule.page,
            "+".join(schedule.formats),
            f"{when} {tz}",
            schedule.period,
            schedule.lang,
            schedule.owner,
            ", ".join(schedule.recipients),
            f"view {schedule.view_name} {schedule.view_query or '?'}" if schedule.view_name else "default view",
        ]
    )


def _view(cfg, view_id: int, page: str, owner: str):
    """Returns the saved view `view_id` of `page` that `owner` sees (theirs or a shared one); fails otherwise."""
    import sqlite3

    from data.store.sqlite import StoreError, store_path
    from data.store.views import ViewStore

    try:
        seen = ViewStore(store_path(cfg.data_dir), timeout_s=cfg.store_timeout_s).visible(owner, page)
    except (sqlite3.Error, OSError, StoreError) as exc:
        fail(f"the store cannot be read ({exc})")
    found = [v for v in seen if v.id == view_id]
    if not found:
        fail(f"--view: no saved view {view_id} of the {page} page that {owner} can see (views list --user {owner})")
    return found[0]


@app.command("add")
def schedules_add(
    page: str = typer.Option(..., "--page", help="sms or transactional."),
    formats: list[str] = typer.Option(..., "--format", help="csv or docx; repeat for both."),
    every: str = typer.Option(..., "--every", help="daily, weekly or monthly."),
    day: str = typer.Option(None, "--day", help="weekly: 1-7 (1 = Monday); monthly: 1-28 or last."),
    hour: int = typer.Option(8, "--hour", help="0-23, in the reporting time zone."),
    period: str = typer.Option(..., "--period", help="yesterday, last-week, last-month or month-to-date."),
    to: list[str] = typer.Option(..., "--to", help="A recipient's e-mail address; repeat for more."),
    lang: str = typer.Option("pl", "--lang", help="pl or en."),
    view: int | None = typer.Option(
        None, "--view", help="A saved view of the page to send (`views list`: yours or a shared one)."
    ),
) -> None:
    """Schedule a report by e-mail; prints its id."""
    from data.recurrence import EVERY, PERIODS
    from data.store.schedules import FORMATS, PAGES, ScheduleError, check_address
    from i18n import t

    cfg = config()
    choice(page, PAGES, "--page")
    for fmt in formats:
        choice(fmt, FORMATS, "--format")
    choice(every, EVERY, "--every")
    choice(period, PERIODS, "--period")
    choice(lang, ("pl", "en"), "--lang")
    if every == "daily" and day is not None:
        fail("--day is for weekly and monthly schedules")
    recipients = []
    for address in to:
        try:
            recipients.append(check_address(address))
        except ScheduleError as exc:
            fail("--to: " + t("en", exc.key, **exc.values))
    owner = getpass.getuser()
    chosen = _view(cfg, view, page, owner) if view is not None else None
    try:
        schedule = _store(cfg).add(
            page=page,
            formats=formats,
            every=every,
            day=_day(day, every),
            hour=hour,
            period=period,
            recipients=recipients,
            lang=lang,
            owner=owner,
            view_query=chosen.query if chosen else "",
            view_name=chosen.name if chosen else "",
        )
    except ScheduleError as exc:
        fail(t("en", exc.key, **exc.values))
    if not cfg.smtp_host:
        typer.echo("warning: SMSREPORTS_SMTP_HOST is not set: nothing can be sent until it is", err=True)
    typer.echo(schedule.id)


@app.command("list")
def schedules_list() -> None:
    """List the schedules: id, page, formats, when, period, language, owner, recipients, view, next due, last run."""
    from zoneinfo import ZoneInfo

    from reports.scheduler import next_time

    cfg = config()
    store = _store(cfg)
    last = store.last_runs()
    for schedule in store.list():
        due = next_time(schedule, cfg.timezone).astimezone(ZoneInfo(cfg.timezone))
        run = last.get(schedule.id)
        outcome = "-"
        if run is not None:
            outcome = run.state + (" late" if run.late else "") + (" resent" if run.resent else "")
            outcome += f" {run.due_at.astimezone(ZoneInfo(cfg.timezone)):%Y-%m-%d %H:%M}"
            outcome += f" ({run.error})" if run.error else ""
        typer.echo(f"{describe(schedule, cfg.timezone)}\tnext {due:%Y-%m-%d %H:%M}\tlast {outcome}")


@app.command("remove")
def schedules_remove(schedule_id: int) -> None:
    """Remove a schedule."""
    cfg = config()
    if not _store(cfg).remove(schedule_id):
        fail(f"no schedule {schedule_id}")
    typer.echo(f"removed {schedule_id}")


@app.command("run-now")
def schedules_run_now(schedule_id: int) -> None:
    """Send a schedule's report now (for the period relative to now), on the access log like every send."""
    cfg = config()
    schedule = _store(cfg).get(schedule_id)
    if schedule is None:
        fail(f"no schedule {schedule_id}")
    done = _sender(cfg).run_now(schedule, who=getpass.getuser(), role="cli", address="command line")
    if done.state != "sent":
        fail(f"not sent: {done.error}")
    refused = f" (refused: {done.error})" if done.error else ""
    typer.echo(f"sent {', '.join(done.files)} to {', '.join(schedule.recipients)}{refused}")


@app.command("run-due")
def schedules_run_due() -> None:
    """Send the reports that are due, once (for cron, when servers run with SMSREPORTS_SCHEDULER=off)."""
    from reports.scheduler import LEASE_S

    cfg = config()
    sender = _sender(cfg)
    if not sender.store.take_lease(sender.holder, ttl_s=LEASE_S, now=time.time()):
        typer.echo("another process is sending scheduled reports now; nothing to do here")
        return
    try:
        done = sender.run_due(dt.datetime.now(dt.UTC))
    finally:
        sender.store.release_lease(sender.holder)
    for outcome in done:
        marks = (" late" if outcome.late else "") + (" resent" if outcome.resent else "")
        why = f": {outcome.error}" if outcome.error else ""
        typer.echo(f"schedule {outcome.schedule_id}: {outcome.state}{marks} (try {outcome.attempt}){why}")
    if not done:
        typer.echo("nothing due")
