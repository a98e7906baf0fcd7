"""The "data as of HH:MM:SS" note and the "live" switch both report pages show in their header."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from i18n import t

REFRESH_MS = 30_000  # while "live" is on, the shown period is read again this often


def live_bar(lang: str, *, switch: str, timer: str, as_of: str, version: str) -> html.Div:
    """Returns the note and the switch (off by default); the timer ticks only while the switch is on."""
    return html.Div(
        [
            html.Span(id=as_of, className="text-muted small me-3"),
            dbc.Switch(id=switch, label=t(lang, "live.switch"), value=False, className="d-inline-block mb-0"),
            dcc.Interval(id=timer, interval=REFRESH_MS, disabled=True),
            dcc.Store(id=version),
        ],
        className="d-flex align-items-center justify-content-end",
        title=t(lang, "live.hint"),
    )
