"""The trend (a bar a day, week or month) drawn as a PNG with matplotlib, for the DOCX export.

Drawn from the same DataFrame the page's Plotly chart uses, so the server needs no
browser. Only the object-oriented API is used (``Figure`` + the Agg canvas): no
pyplot, no global figure state, nothing that picks a GUI backend.
"""

from __future__ import annotations

import datetime as dt
import io
import math

import numpy as np
import pandas as pd
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from i18n import LOCALES, lang_or_default

__all__ = ["trend_figure", "trend_png"]

SENT_COLOR = "#4C78A8"
DELIVERED_COLOR = "#54A24B"
CTR_COLOR = "#F58518"
PREV_COLOR = "#7F7F7F"
#: Date labels on the x axis per language: "25.11" / "Nov 25" (a day, or a week's Monday), "lis 2026" / "Nov 2026".
DAY_PATTERNS = {"pl": "dd.MM", "en": "MMM d"}
MONTH_PATTERN = "LLL yyyy"
MAX_DAY_TICKS = 12
MIN_DAY_SLOTS = 7
#: Round steps of both axes (times a power of ten): ticks read 0, 500, 1 000 and 0%, 2%, 4%.
ROUND_STEPS = [1, 2, 5, 10]


def _floats(trend: pd.DataFrame, column: str) -> np.ndarray:
    """Returns a column as floats with NaN for missing values (a missing column is all NaN)."""
    if column not in trend.columns:
        return np.full(len(trend), np.nan)
    values = pd.to_numeric(trend[column], errors="coerce")
    return values.to_numpy(dtype=float, na_value=np.nan)


def _days(trend: pd.DataFrame) -> list[dt.date]:
    return [pd.Timestamp(day).date() for day in trend["day"]]


def _label(labels: dict[str, str], key: str) -> str:
    return labels.get(key, key)


def trend_png(trend: pd.DataFrame, **options) -> bytes:
    """Returns :func:`trend_figure` (`options` as it takes them) as a PNG (`width_in` x `height_in` inches at
    `dpi`)."""
    buffer = io.BytesIO()
    trend_figure(trend, **options).savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def trend_figure(
    trend: pd.DataFrame,
    *,
    labels: dict[str, str],
    lang: str,
    grain: str = "day",
    width_in: float = 8.0,
    height_in: float = 3.2,
    dpi: int = 150,
) -> Figure:
    """Returns a matplotlib Figure (with an Agg canvas) of the trend, a bar per `grain` ("day", "week", "month"):
    sent and delivered bars, CTR (%) on a second axis, and the previous period's sent as a dashed line aligned by
    day offset. The page's chart draws the same (layouts/figures.py).

    `trend` has one row per bar (`data.trend.bucketed`, or one per day) with the columns
    ``day`` (its first day), ``sent``, ``delivered``, ``clicked``, ``ctr`` (0..1 or NaN:
    nothing delivered, drawn as a gap bridged by a dotted line), ``prev_sent``,
    ``prev_delivered``, ``prev_ctr`` (NaN/None when there is no previous period); ``prev_*``
    may be missing altogether. `labels` holds the translated texts under "sent",
    "delivered", "ctr", "prev_sent", "day" (and "week", "month" for those grains), "count"
    and "empty" (shown instead of a chart when the period has no messages).
    """
    lang = lang_or_default(lang)
    locale = LOCALES[lang]
    fig = Figure(figsize=(width_in, height_in), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()

    if trend is None or len(trend) == 0 or not np.nansum(_floats(trend, "sent")):
        ax.set_axis_off()
        ax.text(
            0.5,
            0.5,
            _label(labels, "empty"),
            ha="center",
            va="center",
            fontsize=12,
            color=PREV_COLOR,
            transform=ax.transAxes,
        )
        return fig

    days = _days(trend)
    x = np.arange(len(days))
    sent = _floats(trend, "sent")
    delivered = _floats(trend, "delivered")
    ctr = _floats(trend, "ctr")
    prev_sent = _floats(trend, "prev_sent")

    width = 0.4
    handles = [
        ax.bar(x - width / 2, np.nan_to_num(sent), width, color=SENT_COLOR, label=_label(labels, "sent"), zorder=2),
        ax.bar(
            x + width / 2,
            np.nan_to_num(delivered),
            width,
            color=DELIVERED_COLOR,
            label=_label(labels, "delivered"),
            zorder=2,
        ),
    ]
    if not np.all(np.isnan(prev_sent)):
        (line,) = ax.plot(
            x,
            prev_sent,
            linestyle="--",
            linewidth=1.4,
            color=PREV_COLOR,
            marker="o" if len(x) == 1 else None,
            markersize=3,
            label=_label(labels, "prev_sent"),
            zorder=3,
        )
        handles.append(line)

    pad = max(0.6, (MIN_DAY_SLOTS - len(x)) / 2)  # a lone day is not one huge bar
    ax.set_xlim(-pad, len(x) - 1 + pad)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=ROUND_STEPS, integer=True, min_n_ticks=1))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: format_decimal(int(round(value)), locale=locale)))
    ax.set_ylabel(_label(labels, "count"))
    ax.set_xlabel(labels.get(grain) or _label(labels, "day"))
    step = max(1, math.ceil(len(x) / MAX_DAY_TICKS))
    ax.xaxis.set_major_locator(FixedLocator(x[::step]))
    pattern = MONTH_PATTERN if grain == "month" else DAY_PATTERNS[lang]
    day_labels = [format_date(day, pattern, locale=locale) for day in days]
    ax.xaxis.set_major_formatter(
        FuncFormatter(
            lambda value, _pos: day_labels[int(round(value))] if 0 <= int(round(value)) < len(day_labels) else ""
        )
    )
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.8, zorder=0)
    ax.set_axisbelow(True)
    ax.spines["top"].set_visible(False)
    ax.tick_params(labelsize=8)

    ctr_ax = ax.twinx()
    known = ~np.isnan(ctr)
    # Where nothing was delivered there is no CTR: a gap in the line, bridged by a faint dotted one.
    ctr_ax.plot(x[known], ctr[known], color=CTR_COLOR, linewidth=0.9, linestyle=":", alpha=0.7, zorder=3)
    (ctr_line,) = ctr_ax.plot(
        x, ctr, color=CTR_COLOR, linewidth=1.8, marker="o", markersize=3, label=_label(labels, "ctr"), zorder=4
    )
    handles.append(ctr_line)
    top = np.nanmax(ctr) if known.any() else 0.0
    ctr_ax.set_ylim(0, max(top * 1.1, 0.01))
    ctr_ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=ROUND_STEPS))
    ctr_ax.yaxis.set_major_formatter(
        FuncFormatter(lambda value, _pos: format_percent(value, format="#,##0.#%", locale=locale))
    )
    ctr_ax.set_ylabel(_label(labels, "ctr"))
    ctr_ax.spines["top"].set_visible(False)
    ctr_ax.tick_params(labelsize=8)

    ax.legend(
        handles=handles,
        labels=[h.get_label() for h in handles],
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncol=len(handles),
        frameon=False,
        fontsize=8,
    )
    return fig
