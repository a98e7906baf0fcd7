"""Time to delivery as the pages show it: a line with the median and the 95th percentile (and the slowest
operator), the clock-skew note, and the histogram (`data.queries.delivery`). Plain html and a graph only: it is
also drawn inside the transactional grid's expanded rows."""

from __future__ import annotations

import pandas as pd
from dash import dcc, html

from i18n import fmt_decimal, fmt_duration, fmt_int, t
from layouts.components import help_icon
from layouts.figures import graph_config
from layouts.transactional_figures import delay_figure

TTD_CHART_HEIGHT = 200  # px: the histogram's height


def duration(seconds: float | None, lang: str) -> str:
    """Returns a time to delivery for reading: tenths of a second under 10 s, else as `fmt_duration`."""
    if seconds is not None and seconds < 10:
        return t(lang, "ttd.seconds", s=fmt_decimal(seconds, lang, 1))
    return fmt_duration(seconds, lang)


def summary_line(found, lang: str) -> str:
    """Returns "median ... · 95% within ..." of a `DeliveryTime`, or that nothing was timed."""
    if not found.timed:
        return t(lang, "ttd.none")
    return t(lang, "ttd.summary", median=duration(found.median_s, lang), p95=duration(found.p95_s, lang))


def bin_labels(bins: pd.DataFrame, lang: str) -> list[str]:
    """Returns the labels of `data.queries.delivery.chart_bins` bars: "< 1 s", "1–2 s", ..., "≥ 36 h"."""
    edges = bins["bin"].tolist()
    labels = []
    for i, lo in enumerate(edges):
        if i == 0:
            labels.append(t(lang, "ttd.bin.under"))
        elif i == len(edges) - 1:
            labels.append(t(lang, "ttd.bin.over", start=fmt_duration(lo, lang)))
        else:
            labels.append(f"{fmt_duration(lo, lang)}–{fmt_duration(edges[i + 1], lang)}")
    return labels


def delivery_section(found, bins: pd.DataFrame, lang: str, *, graph_id: str | None = None, chart: bool = True):
    """Returns the time-to-delivery part of a details view: heading with its "?", the summary line, the slowest
    operator, the clock-skew note and (with `chart`) the histogram of the bars that hold any message."""
    parts = [
        html.H2([t(lang, "ttd.title"), help_icon(t(lang, "help.ttd"))], className="h6 mt-3"),
        html.Div(summary_line(found, lang), className="fw-semibold ttd-summary"),
    ]
    if found.slowest is not None:
        name, median = found.slowest
        parts.append(
            html.Div(t(lang, "ttd.slowest", name=name, median=duration(median, lang)), className="small ttd-slowest")
        )
    if found.skewed:
        parts.append(
            html.Div(t(lang, "ttd.skewed", count=fmt_int(found.skewed, lang)), className="small text-muted ttd-skewed")
        )
    if chart and found.timed:
        used = bins.index[bins["messages"] > 0]
        shown = bins.loc[used.min() : used.max()]
        figure = delay_figure(shown, bin_labels(bins, lang)[used.min() : used.max() + 1], t(lang, "ttd.messages"), lang)
        parts.append(
            dcc.Graph(
                figure=figure,
                config={**graph_config(), "displayModeBar": False},
                style={"height": f"{TTD_CHART_HEIGHT}px"},
                className="ttd-chart",
                **({"id": graph_id} if graph_id else {}),
            )
        )
    return html.Div(parts, className="ttd-section")
