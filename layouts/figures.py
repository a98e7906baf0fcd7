"""Plotly figures built from the DataFrames the queries return."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from i18n import fmt_date

SENT_COLOR = "#0d6efd"
DELIVERED_COLOR = "#198754"
CTR_COLOR = "#fd7e14"
PREV_COLOR = "#6c757d"


def _layout(fig: go.Figure, lang: str) -> go.Figure:
    fig.update_layout(
        margin={"l": 50, "r": 50, "t": 10, "b": 40},
        height=320,
        legend={"orientation": "h", "y": -0.2},
        separators=", " if lang == "pl" else ".,",
        plot_bgcolor="white",
        hovermode="x unified",
    )
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(gridcolor="#eee")
    return fig


def trend_figure(trend: pd.DataFrame, labels: dict[str, str], lang: str) -> go.Figure:
    """Returns the daily trend: sent and delivered bars, CTR line (right axis), previous period dashed."""
    days = [fmt_date(d, lang) for d in trend["day"]]
    fig = go.Figure()
    fig.add_bar(x=days, y=trend["sent"], name=labels["sent"], marker_color=SENT_COLOR, opacity=0.55)
    fig.add_bar(x=days, y=trend["delivered"], name=labels["delivered"], marker_color=DELIVERED_COLOR, opacity=0.8)
    if trend["prev_sent"].notna().any():
        prev_days = [fmt_date(d, lang) if d is not None and not pd.isna(d) else "" for d in trend["prev_day"]]
        fig.add_scatter(
            x=days, y=trend["prev_sent"], name=labels["prev_sent"], mode="lines",
            line={"color": PREV_COLOR, "dash": "dash"}, customdata=prev_days,
            hovertemplate="%{customdata}: %{y:,d}<extra>" + labels["prev_sent"] + "</extra>",
        )
    fig.add_scatter(
        x=days, y=trend["ctr"] * 100, name=labels["ctr"], mode="lines+markers", yaxis="y2",
        line={"color": CTR_COLOR}, marker={"size": 4}, connectgaps=False,
        hovertemplate="%{y:.2f}%<extra>" + labels["ctr"] + "</extra>",
    )
    fig.update_layout(
        barmode="overlay",
        yaxis={"title": labels["count"], "rangemode": "tozero", "tickformat": ",d"},
        yaxis2={"title": labels["ctr"], "overlaying": "y", "side": "right", "rangemode": "tozero", "showgrid": False,
                "ticksuffix": "%", "tickformat": ".1f"},
        xaxis={"title": labels["day"], "type": "category", "nticks": 12},
    )
    return _layout(fig, lang)


def reasons_figure(reasons: pd.DataFrame, labels: list[str], count_label: str, lang: str) -> go.Figure:
    """Returns a horizontal bar chart of reason counts (`labels` are the translated reason names)."""
    fig = go.Figure(go.Bar(x=reasons["count"], y=labels, orientation="h", marker_color="#dc3545",
                           hovertemplate="%{y}: %{x:,d}<extra></extra>"))
    fig.update_layout(yaxis={"autorange": "reversed"}, xaxis={"title": count_label})
    fig = _layout(fig, lang)
    fig.update_layout(height=max(180, 40 * len(labels) + 60), margin={"l": 10, "r": 20, "t": 10, "b": 40}, hovermode="closest")
    fig.update_yaxes(automargin=True)
    return fig


def graph_config() -> dict:
    """Returns the dcc.Graph config: no Plotly logo (number formats come from the layout)."""
    return {"displaylogo": False, "responsive": True}
