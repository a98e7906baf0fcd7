"""The period control every report page shares (layouts/period.py): what a choice shows, and its callbacks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from dash import Input, Output, no_update

from callbacks import inputs
from callbacks.context import PageContext
from data.period import Choice, Preset, choose
from data.queries.counts import data_days
from i18n import fmt_date, t
from i18n.labels import period_label
from layouts import period
from layouts.ids import PeriodIds, Shell

# What a page's report adds to its outputs for the period control (see `shown`).
OUTPUTS = ["period_label", "period_error", "range_start", "range_end"]


def resolve(
    ctx: PageContext,
    preset: str | None,
    start: str | None,
    end: str | None,
    *,
    first_day: Callable[[], dt.date | None] | None = None,
) -> Choice:
    """Returns what a page shows for a period choice; `first_day` gives the start of "all time" (by default
    the first day with bulk messages). LakeUnavailable when the lake cannot be read."""
    first = (first_day or ctx.first_day)() if preset == Preset.ALL else None
    return choose(
        preset, start=start, end=end, today=ctx.today(), first_day=first, data_days=data_days(ctx.db), tz=ctx.tz
    )


def shown(choice: Choice, start: str | None, end: str | None, lang: str) -> dict:
    """Returns the period control's part of a page's outputs (keyed by OUTPUTS): the days shown, the notice
    (a range cut to the data, without data, or still incomplete), and the dates the range picker holds.

    The picker holds the days a preset shows, so choosing "Custom range" starts from the period on the
    page (its numbers stay) rather than from nothing; a custom range keeps the dates as chosen, put in order."""
    out = {"period_label": period_label(choice.shown, lang), "period_error": notice(choice, lang)}
    if choice.pending:
        days = None
    elif choice.asked is None:
        days = choice.period
    else:
        days = choice.asked
    new = (None, None) if days is None else (days.start.isoformat(), days.end.isoformat())
    out["range_start"] = no_update if new[0] is None or new[0] == start else new[0]
    out["range_end"] = no_update if new[1] is None or new[1] == end else new[1]
    return out


def notice(choice: Choice, lang: str):
    """Returns what the control says of a custom range: cut to the days with data, without data, or
    incomplete (the default preset shown meanwhile); None for a preset or a range within the data."""
    if choice.pending:
        return period.hint(t(lang, "period.pending"))
    if choice.asked is None or not (choice.clipped or choice.period is None):
        return None
    asked = period_label(choice.asked, lang)
    if choice.data_days is None:
        return period.note(t(lang, "period.no_data_at_all", asked=asked))
    first, last = (fmt_date(d, lang) for d in choice.data_days)
    if choice.period is None:
        return period.note(t(lang, "period.no_data", asked=asked, first=first, last=last))
    return period.note(
        t(lang, "period.clipped", asked=asked, first=first, last=last, shown=period_label(choice.period, lang))
    )


def register(app, ids: PeriodIds) -> None:
    """Registers a page's period callbacks: the custom range box, and keeping the choice in the session."""

    @app.callback(Output(ids.range_box, "style"), Input(ids.preset, "value"))
    def show_range(preset):
        return period.range_style(preset)

    # Several pages write the one store; the page being left is no longer in the layout.
    @app.callback(
        Output(Shell.PERIOD, "data", allow_duplicate=True),
        Input(ids.preset, "value"),
        Input(ids.range, "start_date"),
        Input(ids.range, "end_date"),
        prevent_initial_call=True,
    )
    def remember(preset, start, end):
        return period.remembered(inputs.text(preset), inputs.text(start), inputs.text(end))
