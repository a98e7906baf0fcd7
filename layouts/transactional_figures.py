"""Plotly figures of the transactional page, as plain dicts (see layouts/figures.py on why)."""

from __future__ import annotations

import pandas as pd

from layouts.figures import (
    CTR_COLOR,
    axis_title,
    base_layout,
    bucket_axis,
    count_axis,
    count_bars,
    counts_and_ctr_layout,
    ctr_lines,
    empty_figure,
    numbers,
    percent_axis,
)

RAW_CTR_COLOR = "#6f42c1"
DELAY_COLOR = "#0dcaf0"


def _percent(values) -> list:
    return [None if pd.isna(v) else float(v) * 100 for v in values]


def _ctr_lines(daily: pd.DataFrame, x: list[str], labels: dict[str, str], *, axis: str | None) -> tuple[list, list]:
    """Returns (traces, every percentage drawn): human CTR as a solid line, raw (bot-inclusive) CTR as a
    dashed one; gaps where nothing was delivered."""
    traces, drawn = [], []
    for column, label, color, dash in (
        ("ctr", labels["ctr"], CTR_COLOR, "solid"),
        ("ctr_raw", labels["ctr_raw"], RAW_CTR_COLOR, "dash"),
    ):
        percents = _percent(daily[column])
        drawn += percents
        traces += ctr_lines(x, percents, name=label, color=color, dash=dash, axis=axis)
    return traces, drawn


def trend_figure(daily: pd.DataFrame, labels: dict[str, str], lang: str, grain: str = "day") -> dict:
    """Returns the transactional traffic of a period bucketed by `grain` (`data.trend.bucketed`): sent and
    delivered bars, human CTR (solid) and raw CTR (dashed) on the right axis; "no messages" when there are none.
    `labels`: sent, delivered, ctr, ctr_raw, ctr_axis, day, week, month, count, empty."""
    if daily.empty or not daily["sent"].any():
        return empty_figure(lang, labels["empty"])
    x, x_axis = bucket_axis(daily, grain, lang, axis_title(labels, grain))
    sent, delivered = numbers(daily["sent"]), numbers(daily["delivered"])
    lines, percents = _ctr_lines(daily, x, labels, axis="y2")
    data = [
        *count_bars(x, sent, delivered, labels),
        *lines,
    ]
    layout = counts_and_ctr_layout(
        lang,
        x_axis=x_axis,
        count_axis_=count_axis(sent + delivered, labels["count"]),
        ctr_axis=percent_axis(percents, labels["ctr_axis"]),
    )
    return {"data": data, "layout": layout}


def ctr_figure(daily: pd.DataFrame, labels: dict[str, str], lang: str, height: int = 230, grain: str = "day") -> dict:
    """Returns one campaign's CTR bucketed by `grain`: human (solid) and raw (dashed), in percent; "no
    messages" when nothing was delivered."""
    if daily.empty or not daily["delivered"].any():
        return empty_figure(lang, labels["empty"], height=height)
    x, x_axis = bucket_axis(daily, grain, lang, None)
    lines, percents = _ctr_lines(daily, x, labels, axis=None)
    layout = base_layout(
        lang,
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.25},
        yaxis=percent_axis(percents, None, gridcolor="#eee"),
        xaxis=x_axis,
    )
    return {"data": lines, "layout": layout}


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
