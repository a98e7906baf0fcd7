"""Plotly figures of the transactional page, as plain dicts (see layouts/figures.py on why)."""

from __future__ import annotations

import pandas as pd

from i18n import fmt_date
from layouts.figures import CTR_COLOR, DELIVERED_COLOR, SENT_COLOR, base_layout, counts_and_ctr_layout, numbers

RAW_CTR_COLOR = "#6f42c1"
DELAY_COLOR = "#0dcaf0"


def _percent(values) -> list:
    return [None if pd.isna(v) else float(v) * 100 for v in values]


def _ctr_lines(daily: pd.DataFrame, days: list[str], labels: dict[str, str], *, axis: str | None) -> list[dict]:
    """Human CTR as a solid line, raw (bot-inclusive) CTR as a dotted one; gaps on days with nothing delivered."""
    lines = []
    for column, label, color, dash in (
        ("ctr", labels["ctr"], CTR_COLOR, "solid"),
        ("ctr_raw", labels["ctr_raw"], RAW_CTR_COLOR, "dot"),
    ):
        line = {
            "type": "scatter",
            "x": days,
            "y": _percent(daily[column]),
            "name": label,
            "mode": "lines+markers",
            "line": {"color": color, "dash": dash, "width": 2},
            "marker": {"size": 3},
            "connectgaps": False,
            "hovertemplate": "%{y:.2f}%<extra>" + label + "</extra>",
        }
        if axis:
            line["yaxis"] = axis
        lines.append(line)
    return lines


def trend_figure(daily: pd.DataFrame, labels: dict[str, str], lang: str) -> dict:
    """Returns the daily transactional traffic: sent and delivered bars, human CTR (solid) and
    raw CTR (dotted) on the right axis. `labels`: sent, delivered, ctr, ctr_raw, ctr_axis, day, count."""
    days = [fmt_date(d, lang) for d in daily["day"]]
    data = [
        {
            "type": "bar",
            "x": days,
            "y": numbers(daily["sent"]),
            "name": labels["sent"],
            "marker": {"color": SENT_COLOR},
            "opacity": 0.55,
        },
        {
            "type": "bar",
            "x": days,
            "y": numbers(daily["delivered"]),
            "name": labels["delivered"],
            "marker": {"color": DELIVERED_COLOR},
            "opacity": 0.8,
        },
        *_ctr_lines(daily, days, labels, axis="y2"),
    ]
    return {
        "data": data,
        "layout": counts_and_ctr_layout(lang, count=labels["count"], ctr=labels["ctr_axis"], day=labels["day"]),
    }


def ctr_figure(daily: pd.DataFrame, labels: dict[str, str], lang: str, height: int = 230) -> dict:
    """Returns one campaign's daily CTR: human (solid) and raw (dotted), in percent."""
    days = [fmt_date(d, lang) for d in daily["day"]]
    layout = base_layout(
        lang,
        height=height,
        margin={"l": 45, "r": 10, "t": 10, "b": 30},
        legend={"orientation": "h", "y": -0.25},
        yaxis={"rangemode": "tozero", "ticksuffix": "%", "tickformat": ".1f"},
        xaxis={"type": "category", "nticks": 8},
    )
    return {"data": _ctr_lines(daily, days, labels, axis=None), "layout": layout}


def delay_figure(bins: pd.DataFrame, names: list[str], count_label: str, lang: str, height: int = 200) -> dict:
    """Returns the histogram of the time from delivery to the first human click (`names`: the bins' labels)."""
    data = [
        {
            "type": "bar",
            "x": names,
            "y": numbers(bins["messages"]),
            "marker": {"color": DELAY_COLOR},
            "hovertemplate": "%{x}: %{y:,d}<extra></extra>",
            "name": count_label,
        }
    ]
    layout = base_layout(
        lang,
        height=height,
        margin={"l": 40, "r": 10, "t": 10, "b": 30},
        hovermode="closest",
        showlegend=False,
        yaxis={"title": {"text": count_label}, "rangemode": "tozero", "tickformat": ",d"},
        xaxis={"type": "category", "tickfont": {"size": 10}, "automargin": True},
    )
    return {"data": data, "layout": layout}
