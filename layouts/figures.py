"""Plotly figures built from the DataFrames the queries return."""

from __future__ import annotations

import pandas as pd

from i18n import fmt_date

SENT_COLOR = "#0d6efd"
DELIVERED_COLOR = "#198754"
CTR_COLOR = "#fd7e14"
PREV_COLOR = "#6c757d"


def base_layout(lang: str, **changes) -> dict:
    """Returns the common figure layout as a plain dict (no validation cost), with `changes` merged in."""
    layout = {
        "margin": {"l": 50, "r": 50, "t": 10, "b": 40},
        "height": 320,
        "legend": {"orientation": "h", "y": -0.2},
        "separators": ", " if lang == "pl" else ".,",
        "plot_bgcolor": "white",
        "hovermode": "x unified",
        "xaxis": {"showgrid": False},
        "yaxis": {"gridcolor": "#eee"},
    }
    for key, value in changes.items():
        layout[key] = (
            {**layout[key], **value} if isinstance(value, dict) and isinstance(layout.get(key), dict) else value
        )
    return layout


def numbers(values) -> list:
    """Returns `values` as a plain list for a figure's JSON: NaN becomes None (a gap), numpy types Python's."""
    return [None if pd.isna(v) else float(v) for v in values]


def counts_and_ctr_layout(lang: str, *, count: str, ctr: str, day: str) -> dict:
    """Returns the layout of a daily chart: counts (bars) on the left axis, CTR in percent on the right."""
    return base_layout(
        lang,
        barmode="overlay",
        yaxis={"title": {"text": count}, "rangemode": "tozero", "tickformat": ",d"},
        yaxis2={
            "title": {"text": ctr},
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
            "ticksuffix": "%",
            "tickformat": ".1f",
        },
        xaxis={"title": {"text": day}, "type": "category", "nticks": 12},
    )


def trend_figure(trend: pd.DataFrame, labels: dict[str, str], lang: str) -> dict:
    """Returns the daily trend: sent and delivered bars, CTR line (right axis), previous period dashed.

    A plain figure dict: building it through plotly.graph_objects validation costs
    100 ms per call, more than every query of the page together.
    """
    days = [fmt_date(d, lang) for d in trend["day"]]
    data = [
        {
            "type": "bar",
            "x": days,
            "y": numbers(trend["sent"]),
            "name": labels["sent"],
            "marker": {"color": SENT_COLOR},
            "opacity": 0.55,
        },
        {
            "type": "bar",
            "x": days,
            "y": numbers(trend["delivered"]),
            "name": labels["delivered"],
            "marker": {"color": DELIVERED_COLOR},
            "opacity": 0.8,
        },
    ]
    if trend["prev_sent"].notna().any():
        prev_days = [fmt_date(d, lang) if d is not None and not pd.isna(d) else "" for d in trend["prev_day"]]
        data.append(
            {
                "type": "scatter",
                "x": days,
                "y": numbers(trend["prev_sent"]),
                "name": labels["prev_sent"],
                "mode": "lines",
                "line": {"color": PREV_COLOR, "dash": "dash"},
                "customdata": prev_days,
                "hovertemplate": "%{customdata}: %{y:,d}<extra>" + labels["prev_sent"] + "</extra>",
            }
        )
    data.append(
        {
            "type": "scatter",
            "x": days,
            "y": numbers(trend["ctr"] * 100),
            "name": labels["ctr"],
            "mode": "lines+markers",
            "yaxis": "y2",
            "line": {"color": CTR_COLOR},
            "marker": {"size": 4},
            "connectgaps": False,
            "hovertemplate": "%{y:.2f}%<extra>" + labels["ctr"] + "</extra>",
        }
    )
    return {
        "data": data,
        "layout": counts_and_ctr_layout(lang, count=labels["count"], ctr=labels["ctr"], day=labels["day"]),
    }


def reasons_figure(reasons: pd.DataFrame, labels: list[str], count_label: str, lang: str) -> dict:
    """Returns a horizontal bar chart of reason counts (`labels` are the translated reason names)."""
    data = [
        {
            "type": "bar",
            "x": numbers(reasons["count"]),
            "y": labels,
            "orientation": "h",
            "marker": {"color": "#dc3545"},
            "hovertemplate": "%{y}: %{x:,d}<extra></extra>",
        }
    ]
    layout = base_layout(
        lang,
        height=max(180, 40 * len(labels) + 60),
        margin={"l": 10, "r": 20, "t": 10, "b": 40},
        hovermode="closest",
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"title": {"text": count_label}},
    )
    return {"data": data, "layout": layout}


def graph_config() -> dict:
    """Returns the dcc.Graph config: no Plotly logo (number formats come from the layout)."""
    return {"displaylogo": False, "responsive": True}
