"""Plotly figures built from the DataFrames the queries return."""

from __future__ import annotations

import math

import pandas as pd

from i18n import lang_or_default
from i18n.labels import bucket_label, bucket_tick

SENT_COLOR = "#0d6efd"
DELIVERED_COLOR = "#198754"
CTR_COLOR = "#fd7e14"
PREV_COLOR = "#6c757d"
#: Plotly's decimal sign and group separator per language: the ones `i18n.fmt_int` uses (a no-break space in Polish).
PLOTLY_SEPARATORS = {"pl": ",\u00a0", "en": ".,"}


def base_layout(lang: str, **changes) -> dict:
    """Returns the common figure layout as a plain dict (no validation cost), with `changes` merged in."""
    layout = {
        "margin": {"l": 50, "r": 50, "t": 10, "b": 40},
        "height": 320,
        "legend": {"orientation": "h", "y": -0.2},
        "separators": PLOTLY_SEPARATORS[lang_or_default(lang)],
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


#: Round steps of an axis (times a power of ten); the tick labels read 0, 500, 1 000 or 0, 2, 4, 6 %.
ROUND_STEPS = (1, 2, 5)
MAX_X_LABELS = 12


def round_axis(top: float, *, whole: bool) -> tuple[float, float]:
    """Returns (end, step) of an axis from 0 that holds `top` in 3 to 6 round steps (ROUND_STEPS times a power
    of ten), the tightest such end; whole steps only when `whole` (then at least 0..3); `top` 0: an empty scale."""
    top = float(top) if top and math.isfinite(top) and top > 0 else (3.0 if whole else 1.0)
    if whole and top <= 3:
        return 3.0, 1.0
    power = 10.0 ** (math.floor(math.log10(top)) - 2)
    candidates = []
    for _ in range(4):
        for m in ROUND_STEPS:
            step = m * power
            n = math.ceil(top / step - 1e-9)
            if 3 <= n <= 6 and (not whole or step >= 1):
                candidates.append((round(n * step, 10), -n, step))
        power *= 10
    end, _n, step = min(candidates)
    return end, step


def _decimals(step: float) -> int:
    """Returns the decimals a tick label needs to show `step` exactly (0 for whole steps)."""
    return max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0


def count_axis(values, title: str) -> dict:
    """Returns a counts axis (left) with round ticks from 0 that holds every value of `values`."""
    top = max((v for v in values if v is not None), default=0)
    end, step = round_axis(top, whole=True)
    return {
        "title": {"text": title, "standoff": 8},
        "range": [0, end],
        "tickmode": "linear",
        "tick0": 0,
        "dtick": step,
        "tickformat": ",d",
        "automargin": True,
        "gridcolor": "#eee",
        "zeroline": True,
        "zerolinecolor": "#ccc",
    }


def percent_axis(values, title: str | None, **more) -> dict:
    """Returns a percentage axis (values already in percent) with round ticks from 0 ("0%, 5%, 10%")."""
    top = max((v for v in values if v is not None), default=0)
    end, step = round_axis(top, whole=False)
    axis = {
        "range": [0, end],
        "tickmode": "linear",
        "tick0": 0,
        "dtick": step,
        "ticksuffix": "%",
        "tickformat": f".{_decimals(step)}f",
        "automargin": True,
        **more,
    }
    if title:
        axis["title"] = {"text": title, "standoff": 8}
    return axis


def bucket_axis(trend: pd.DataFrame, grain: str, lang: str, title: str | None) -> tuple[list[str], dict]:
    """Returns (x values, x axis) of a bucketed trend (`data.trend.bucketed`): each bar named by what it
    covers (the hover's heading), at most MAX_X_LABELS short labels under the axis."""
    starts, ends = list(trend["day"]), list(trend["end"])
    names = [bucket_label(a, b, grain, lang) for a, b in zip(starts, ends)]
    every = max(1, math.ceil(len(names) / MAX_X_LABELS))
    axis = {
        "type": "category",
        "tickmode": "array",
        "tickvals": names[::every],
        "ticktext": [bucket_tick(a, grain, lang) for a in starts[::every]],
        "automargin": True,
        "showgrid": False,
    }
    if title:
        axis["title"] = {"text": title, "standoff": 8}
    return names, axis


def ctr_lines(
    x: list[str], percents: list, *, name: str, color: str, dash: str = "solid", axis: str | None = None
) -> list[dict]:
    """Returns a CTR series as a line with a dot per bar; where nothing was delivered there is no CTR: a gap,
    bridged by a faint dotted line (not hoverable) so the series still reads as one."""
    line = {
        "type": "scatter",
        "x": x,
        "y": percents,
        "name": name,
        "mode": "lines+markers",
        "line": {"color": color, "dash": dash, "width": 2},
        "marker": {"size": 5, "color": color},
        "connectgaps": False,
        "hovertemplate": "%{y:.2f}%<extra>" + name + "</extra>",
    }
    bridge = {
        "type": "scatter",
        "x": x,
        "y": percents,
        "mode": "lines",
        "line": {"color": color, "dash": "dot", "width": 1},
        "opacity": 0.6,
        "connectgaps": True,
        "hoverinfo": "skip",
        "showlegend": False,
    }
    if axis:
        line["yaxis"] = bridge["yaxis"] = axis
    return [bridge, line]


def empty_figure(lang: str, text: str, height: int = 320) -> dict:
    """Returns a figure with no axes that says `text` ("No messages in this period")."""
    return {
        "data": [],
        "layout": base_layout(
            lang,
            height=height,
            xaxis={"visible": False},
            yaxis={"visible": False},
            annotations=[
                {
                    "text": text,
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0.5,
                    "y": 0.5,
                    "showarrow": False,
                    "font": {"size": 15, "color": PREV_COLOR},
                }
            ],
        ),
    }


def axis_title(labels: dict[str, str], grain: str) -> str:
    """Returns the x axis title of a chart by `grain` ("Dzień", "Tydzień (od poniedziałku)", "Miesiąc")."""
    return labels.get(grain, labels.get("day", ""))


def counts_and_ctr_layout(lang: str, *, x_axis: dict, count_axis_: dict, ctr_axis: dict) -> dict:
    """Returns the layout of a trend chart: counts (bars) on the left axis, CTR in percent on the right."""
    return base_layout(
        lang,
        barmode="overlay",
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        xaxis=x_axis,
        yaxis=count_axis_,
        yaxis2={**ctr_axis, "overlaying": "y", "side": "right", "showgrid": False, "zeroline": False},
    )


def count_bars(x: list, sent: list, delivered: list, labels: dict[str, str]) -> list[dict]:
    """Returns the sent and delivered bars both pages' trend charts draw."""
    return [
        {
            "type": "bar",
            "x": x,
            "y": y,
            "name": labels[key],
            "marker": {"color": color},
            "opacity": opacity,
            "hovertemplate": "%{y:,d}<extra>" + labels[key] + "</extra>",
        }
        for key, y, color, opacity in (("sent", sent, SENT_COLOR, 0.55), ("delivered", delivered, DELIVERED_COLOR, 0.8))
    ]


def trend_figure(trend: pd.DataFrame, labels: dict[str, str], lang: str, grain: str = "day") -> dict:
    """Returns the trend of a period bucketed by `grain` (`data.trend.bucketed`): sent and delivered bars,
    CTR line (right axis), previous period dashed; "no messages" when the period has none.

    A plain figure dict: building it through plotly.graph_objects validation costs
    100 ms per call, more than every query of the page together.
    """
    if trend.empty or not trend["sent"].any():
        return empty_figure(lang, labels["empty"])
    x, x_axis = bucket_axis(trend, grain, lang, axis_title(labels, grain))
    sent, delivered = numbers(trend["sent"]), numbers(trend["delivered"])
    data = [
        *count_bars(x, sent, delivered, labels),
    ]
    heights = sent + delivered
    if trend["prev_sent"].notna().any():
        prev_sent = numbers(trend["prev_sent"])
        heights += prev_sent
        ends = trend["prev_end"] if "prev_end" in trend.columns else trend["prev_day"]
        prev_names = [
            bucket_label(a, b, grain, lang) if a is not None and not pd.isna(a) else ""
            for a, b in zip(trend["prev_day"], ends)
        ]
        data.append(
            {
                "type": "scatter",
                "x": x,
                "y": prev_sent,
                "name": labels["prev_sent"],
                "mode": "lines",
                "line": {"color": PREV_COLOR, "dash": "dash"},
                "customdata": prev_names,
                "hovertemplate": "%{customdata}: %{y:,d}<extra>" + labels["prev_sent"] + "</extra>",
            }
        )
    ctr = numbers(trend["ctr"] * 100)
    data += ctr_lines(x, ctr, name=labels["ctr"], color=CTR_COLOR, axis="y2")
    layout = counts_and_ctr_layout(
        lang,
        x_axis=x_axis,
        count_axis_=count_axis(heights, labels["count"]),
        ctr_axis=percent_axis(ctr, labels["ctr"]),
    )
    return {"data": data, "layout": layout}


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
