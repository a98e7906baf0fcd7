"""Callbacks of the Scheduled reports page (analyst and admin roles; web/security.py's OUTPUT_ROLES): add,
list and remove the reports sent by e-mail."""

from __future__ import annotations

import datetime as dt
import re

from dash import ALL, Input, Output, State, no_update
from dash import ctx as dash_ctx

from callbacks.context import PageContext
from data.recurrence import next_due
from data.store.schedules import ScheduleError
from data.store.sqlite import StoreError
from i18n import lang_or_default, t
from layouts import schedules as layout
from layouts.components import error_alert
from layouts.ids import Sched, Shell

_SPLIT = re.compile(r"[\s,;]+")


def rows(ctx: PageContext, *, now: dt.datetime | None = None) -> list[dict]:
    """Returns every schedule as the page's table shows it: its fields, when it is next due, its last run."""
    store = ctx.schedules()
    last = store.last_runs()
    now = now or dt.datetime.now(dt.UTC)
    found = []
    for s in store.list():
        run = last.get(s.id)
        found.append(
            {
                "id": s.id,
                "page": s.page,
                "view": s.view_name,
                "formats": list(s.formats),
                "every": s.every,
                "day": s.day,
                "hour": s.hour,
                "period": s.period,
                "recipients": list(s.recipients),
                "lang": s.lang,
                "owner": s.owner,
                "next": next_due(s.every, s.day, s.hour, ctx.tz, now),
                "last": None
                if run is None
                else {
                    "state": run.state,
                    "late": run.late,
                    "resent": run.resent,
                    "manual": run.manual,
                    "due_at": run.due_at,
                    "error": run.error,
                },
            }
        )
    return found


def visible_views(ctx: PageContext, page: str, owner: str) -> list:
    """Returns the saved views of `page` that `owner` sees (theirs and the shared ones), by name."""
    from data.store.sqlite import store_path
    from data.store.views import ViewStore

    if page not in ("sms", "transactional"):
        return []
    return ViewStore(store_path(ctx.config.data_dir), timeout_s=ctx.config.store_timeout_s).visible(owner, page)


def chosen_view(ctx: PageContext, page: str, choice: str, owner: str):
    """Returns the saved view a schedule's form chose (None: the page's default table); ScheduleError when it is
    not a view of `page` that `owner` sees (a forged or stale choice)."""
    if choice in ("", layout.DEFAULT_VIEW):
        return None
    found = [v for v in visible_views(ctx, page, owner) if str(v.id) == choice]
    if not found:
        raise ScheduleError("sched.error.view")
    return found[0]


def add_schedule(ctx: PageContext, form: dict, *, owner: str, lang: str) -> tuple[int | None, str | None]:
    """Adds the schedule of the page's form (page, view, formats, every, day, hour, period, to, lang); returns
    (its id, None) or (None, what is wrong in `lang`)."""

    def text(key: str) -> str:
        value = form.get(key)
        return value if isinstance(value, str) else ""

    formats = form.get("formats")
    formats = [f for f in formats if isinstance(f, str)] if isinstance(formats, list) else []
    every = text("every")
    day = int(text("day")) if every != "daily" and text("day").isdigit() else None
    hour = int(text("hour")) if text("hour").isdigit() else -1
    recipients = [a for a in _SPLIT.split(text("to")) if a]
    try:
        chosen = chosen_view(ctx, text("page"), text("view"), owner)
        schedule = ctx.schedules().add(
            page=text("page"),
            formats=formats,
            every=every,
            day=day,
            hour=hour,
            period=text("period"),
            recipients=recipients[:100],
            lang=text("lang"),
            owner=owner,
            view_query=chosen.query if chosen else "",
            view_name=chosen.name if chosen else "",
        )
    except ScheduleError as exc:
        return None, t(lang, exc.key, **exc.values)
    except StoreError:
        return None, t(lang, "sched.error.store")
    return schedule.id, None


def register(app, ctx: PageContext) -> None:
    """Registers the Scheduled reports page's callbacks on `app`."""

    @app.callback(
        Output(Sched.DAY, "options"),
        Output(Sched.DAY, "value"),
        Output(Sched.DAY, "disabled"),
        Input(Sched.EVERY, "value"),
        State(Shell.LANG, "data"),
        prevent_initial_call=True,
    )
    def days(every, lang):
        every = every if isinstance(every, str) else None
        options = layout.day_options(lang_or_default(lang), every)
        return options, (options[0]["value"] if options else None), not options

    @app.callback(
        Output(Sched.VIEW, "options"),
        Output(Sched.VIEW, "value"),
        Input(Sched.PAGE, "value"),
        State(Shell.LANG, "data"),
    )
    def views(page, lang):
        account = ctx.account()
        owner = account.name if account else "local"
        try:
            found = visible_views(ctx, page if isinstance(page, str) else "", owner)
        except StoreError:  # busy or read-only now: the default view only, the form still works
            found = []
        return layout.view_options(lang_or_default(lang), [(v.id, v.name) for v in found]), layout.DEFAULT_VIEW

    @app.callback(
        Output(Sched.LIST, "children"),
        Output(Sched.MESSAGE, "children"),
        Input(Sched.REFRESH, "n_clicks"),
        Input(Sched.ADD, "n_clicks"),
        Input({"type": Sched.REMOVE, "index": ALL}, "n_clicks"),
        State(Sched.PAGE, "value"),
        State(Sched.VIEW, "value"),
        State(Sched.FORMATS, "value"),
        State(Sched.EVERY, "value"),
        State(Sched.DAY, "value"),
        State(Sched.HOUR, "value"),
        State(Sched.PERIOD, "value"),
        State(Sched.TO, "value"),
        State(Sched.LANG, "value"),
        State(Shell.LANG, "data"),
    )
    def refresh(_refresh, _add, removes, page, view, formats, every, day, hour, period, to, report_lang, lang):
        lang = lang_or_default(lang)
        trigger = dash_ctx.triggered_id
        message = None
        if isinstance(trigger, dict) and trigger.get("type") == Sched.REMOVE:
            if not dash_ctx.triggered or not dash_ctx.triggered[0].get("value"):
                return no_update, no_update  # the buttons of a list just drawn: no click
            schedule_id = trigger.get("index")
            if isinstance(schedule_id, int) and ctx.schedules().remove(schedule_id):
                ctx.record("schedule.remove", target=str(schedule_id), filter={}, detail=f"schedule {schedule_id}")
                message = t(lang, "sched.removed", id=schedule_id)
        elif trigger == Sched.ADD:
            account = ctx.account()
            form = {
                "page": page,
                "view": view,
                "formats": formats,
                "every": every,
                "day": day,
                "hour": hour,
                "period": period,
                "to": to,
                "lang": report_lang,
            }
            new_id, error = add_schedule(ctx, form, owner=account.name if account else "local", lang=lang)
            if error:
                message = error_alert(error)
            else:
                ctx.record("schedule.add", target=str(new_id), filter={}, detail=f"schedule {new_id}")
                message = t(lang, "sched.added", id=new_id)
        if isinstance(message, str):
            message = layout.done(message)
        return layout.schedule_table(lang, rows(ctx), ctx.tz), message
