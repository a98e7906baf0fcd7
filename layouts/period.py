"""The period control every report page shares: presets, custom range, time zone note.

Each page passes its own ids (`layouts.ids.PeriodIds`) and the period kept in the
shell's session store (`Shell.PERIOD`), so the choice follows the user from page to page.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from choices import Preset
from i18n import lang_or_default, t
from layouts.ids import PeriodIds

PRESETS = [Preset.M1, Preset.M2, Preset.M3, Preset.M6, Preset.M12, Preset.ALL, Preset.CUSTOM]
# How the range picker shows and reads dates: as the page writes them (i18n.fmt_date). Month and day names
# come from assets/datepicker-locale.js, which reads the language from the box's data-datepicker-lang.
DISPLAY_FORMAT = {"pl": "DD.MM.YYYY", "en": "D MMM YYYY"}


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
                            [
                                dcc.DatePickerRange(
                                    id=ids.range,
                                    display_format=DISPLAY_FORMAT[lang_or_default(lang)],
                                    month_format="MMMM YYYY",
                                    first_day_of_week=1,
                                    number_of_months_shown=2,
                                    updatemode="bothdates",
                                    start_date=start,
                                    end_date=end,
                                    start_date_placeholder_text=t(lang, "period.from"),
                                    end_date_placeholder_text=t(lang, "period.to"),
                                ),
                                html.Div(t(lang, "period.format_hint"), className="form-text"),
                            ],
                            id=ids.range_box,
                            className="period-range",
                            style=range_style(preset),
                            **{"data-datepicker-lang": lang_or_default(lang)},
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


def note(text: str) -> dbc.Alert:
    """Returns a note of the period control on the days shown (a range cut to the data, or without any)."""
    return dbc.Alert(
        [html.I(className="bi bi-info-circle me-2"), text], color="info", className="mb-0 mt-2 py-2 small period-note"
    )


def hint(text: str) -> html.Div:
    """Returns a quiet hint of the period control (a custom range not chosen yet): not an error."""
    return html.Div([html.I(className="bi bi-calendar-range me-1"), text], className="form-text period-hint")
