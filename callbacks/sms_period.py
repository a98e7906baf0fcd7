"""The SMS page's period view of operators, countries and time to delivery (under the trend): a callback of its
own, so the rest of the page does not wait for it."""

from __future__ import annotations

from dash import Input, Output, State

from callbacks import inputs
from callbacks import period as period_callbacks
from callbacks.context import PageContext
from callbacks.notices import failure_alert
from data.queries import delivery as delivery_queries
from data.queries import operators as operator_queries
from i18n import lang_or_default
from layouts import sms
from layouts.ids import Shell, Sms


def period_views(ctx: PageContext, *, preset: str | None, start: str | None, end: str | None, lang: str | None):
    """Returns the period view of the chosen period's bulk messages (nothing for a range without data; a readable
    alert on failure)."""
    lang = lang_or_default(lang)
    try:
        period = period_callbacks.resolve(ctx, preset, start, end).period
        if period is None:
            return None
        delivery = delivery_queries.period_delivery(ctx.db, period=period)
        return sms.period_views(
            operator_queries.period_breakdowns(ctx.db, period=period),
            delivery,
            delivery_queries.chart_bins(delivery.buckets),
            lang,
        )
    except Exception as exc:  # noqa: BLE001 - the page shows a readable message instead of a traceback
        return failure_alert(exc, lang, "SMS")


def register(app, ctx: PageContext) -> None:
    """Registers the period view's callback on `app`."""

    @app.callback(
        Output(Sms.PERIOD_VIEWS, "children"),
        Input(Sms.PERIOD_PRESET, "value"),
        Input(Sms.PERIOD_RANGE, "start_date"),
        Input(Sms.PERIOD_RANGE, "end_date"),
        State(Shell.LANG, "data"),
    )
    def update_period_views(preset, start, end, lang):
        preset, start, end = map(inputs.text, (preset, start, end))
        return period_views(ctx, preset=preset, start=start, end=end, lang=lang)
