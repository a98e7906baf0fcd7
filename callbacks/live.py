"""The "data as of" note and the "live" switch of both report pages.

While the switch is on, a timer ticks every 30 s; each tick (and the page's first load) reads the lake's
version and the newest compaction's time. The note shows that time; the page's version store changes only
when the lake has a new version, and the page's report, which takes the store as an input, then reads the
shown period again: the grid's rows are replaced by their ids, so its sort, page and open rows stay.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dash import Input, Output, State, no_update

from callbacks.context import PageContext
from data.compactor import data_as_of
from i18n import lang_or_default, t
from layouts.ids import Live, Shell

PAGES = (
    (Live.SMS_SWITCH, Live.SMS_TIMER, Live.SMS_AS_OF, Live.SMS_VERSION),
    (Live.TRX_SWITCH, Live.TRX_TIMER, Live.TRX_AS_OF, Live.TRX_VERSION),
)


def as_of_text(when: dt.datetime | None, *, tz: str, today: dt.date, lang: str) -> str:
    """Returns "data as of HH:MM:SS" in the reporting time zone (with the date when it is not today)."""
    if when is None:
        return ""
    local = when.astimezone(ZoneInfo(tz))
    shown = local.strftime("%H:%M:%S") if local.date() == today else local.strftime("%Y-%m-%d %H:%M:%S")
    return t(lang, "live.as_of", time=shown)


def register(app, ctx: PageContext) -> None:
    """Registers the switch and the timer of both report pages."""
    for switch, timer, as_of, version in PAGES:

        @app.callback(Output(timer, "disabled"), Input(switch, "value"))
        def toggle(on):
            return on is not True

        @app.callback(
            Output(as_of, "children"),
            Output(version, "data"),
            Input(timer, "n_intervals"),
            State(version, "data"),
            State(Shell.LANG, "data"),
        )
        def tick(_n, shown, lang):
            current = ctx.db.lake.snapshot()
            text = as_of_text(data_as_of(ctx.config.data_dir), tz=ctx.tz, today=ctx.today(), lang=lang_or_default(lang))
            return text, (current if current != shown else no_update)
