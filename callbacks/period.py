"""Callbacks of the period control every report page shares (layouts/period.py)."""

from __future__ import annotations

from dash import Input, Output

from callbacks import inputs
from layouts import period
from layouts.ids import PeriodIds, Shell


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
