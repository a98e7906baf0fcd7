"""The period control every report page shares: presets, custom range, time zone note.

Each page passes its own ids (`layouts.ids.PeriodIds`) and the period kept in the
shell's session store (`Shell.PERIOD`), so the choice follows the user from page to page.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from choices import Preset
from i18n import t
from layouts.ids import PeriodIds

PRESETS = [Preset.M1, Preset.M2, Preset.M3, Preset.M6, Preset.M12, Preset.ALL, Preset.CUSTOM]


def chosen(stored: dict | None) -> tuple[str, str | None, str | None]:
    """Returns (preset, start, end) of the period kept in the session store (1 month by default)."""
    stored = stored if isinstance(stored, dict) else {}
    preset = stored.get("preset")
    preset = preset if preset in {p.value for p in PRESETS} else Preset.M1.value
    return preset, stored.get("start") or None, stored.get("end") or None


def remembered(preset: str | None, start: str | None, end: str | None) -> dict:
    """Returns what the session store keeps of a period choice."""
    return {"preset": preset or Preset.M1.value, "start": start or None, "end": end or None}


def range_style(preset: str | None) -> dict:
    """Returns the style of the custom range box: shown only for a custom range."""
    return {"display": "block"} if preset == Preset.CUSTOM else {"display": "none"}


def period_control(lang: str, tz: str, ids: PeriodIds, stored: dict | None = None) -> dbc.Card:
    """Returns the period presets, the custom range picker and the time zone note, set to `stored`."""
    preset, start, end = chosen(stored)
    return dbc.Card(
        dbc.CardBody(
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label(
                                t(lang, "period.label"), html_for=ids.preset, className="fw-semibold me-2 d-block"
                            ),
                            dbc.RadioItems(
                                id=ids.preset,
                                options=[{"label": t(lang, f"period.{p}"), "value": p.value} for p in PRESETS],
                                value=preset,
                                className="btn-group flex-wrap",
                                inputClassName="btn-check",
                                labelClassName="btn btn-outline-primary btn-sm",
                                labelCheckedClassName="active",
                            ),
                        ],
                        md=8,
                        className="radio-group",
                    ),
                    dbc.Col(
                        html.Div(
                            dcc.DatePickerRange(
                                id=ids.range,
                                display_format="YYYY-MM-DD",
                                first_day_of_week=1,
                                start_date=start,
                                end_date=end,
                                start_date_placeholder_text=t(lang, "period.from"),
                                end_date_placeholder_text=t(lang, "period.to"),
                                clearable=True,
                            ),
                            id=ids.range_box,
                            style=range_style(preset),
                        ),
                        md=4,
                        className="text-md-end",
                    ),
                    dbc.Col(
                        [
                            html.Span(id=ids.label, className="me-3 fw-semibold"),
                            html.Span(
                                [html.I(className="bi bi-globe2 me-1"), t(lang, "period.timezone", tz=tz)],
                                id=ids.timezone,
                                className="text-muted small",
                            ),
                        ],
                        xs=12,
                        className="mt-2",
                    ),
                    dbc.Col(html.Div(id=ids.error), xs=12),
                ],
                className="g-2 align-items-center",
            )
        ),
        className="mb-3",
    )
