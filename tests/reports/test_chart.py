"""The trend chart: a real PNG, drawn per language, without pyplot."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from reports.chart import CTR_COLOR, DELIVERED_COLOR, PREV_COLOR, SENT_COLOR, trend_figure, trend_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parents[2]
LABELS = {
    "pl": {
        "sent": "Wysłane",
        "delivered": "Dostarczone",
        "ctr": "CTR",
        "prev_sent": "Wysłane (poprzedni okres)",
        "day": "Dzień",
        "count": "Liczba",
        "empty": "Brak danych do pokazania",
    },
    "en": {
        "sent": "Sent",
        "delivered": "Delivered",
        "ctr": "CTR",
        "prev_sent": "Sent (previous period)",
        "day": "Day",
        "count": "Count",
        "empty": "Nothing to show",
    },
}


def trend(days: int = 14, *, previous: bool = True) -> pd.DataFrame:
    start = dt.date(2026, 11, 12)
    sent = np.array([1000 + 1500 * (i % 5) for i in range(days)])
    delivered = (sent * 0.95).astype(int)
    clicked = (delivered * 0.04).astype(int)
    frame = pd.DataFrame(
        {
            "day": [start + dt.timedelta(days=i) for i in range(days)],
            "sent": sent,
            "delivered": delivered,
            "clicked": clicked,
            "ctr": clicked / delivered,
            "prev_sent": sent[::-1] if previous else [None] * days,
            "prev_delivered": delivered[::-1] if previous else [None] * days,
            "prev_ctr": (clicked / delivered)[::-1] if previous else [None] * days,
        }
    )
    if days > 3:
        frame.loc[3, ["delivered", "clicked", "ctr"]] = [0, 0, np.nan]
    return frame


def image(png: bytes) -> Image.Image:
    assert png.startswith(PNG_SIGNATURE)
    picture = Image.open(io.BytesIO(png))
    picture.load()
    return picture.convert("RGB")


def share_of_colour(picture: Image.Image, hex_colour: str, tolerance: int = 12) -> float:
    target = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    pixels = np.asarray(picture).reshape(-1, 3).astype(int)
    return float(np.mean(np.all(np.abs(pixels - target) <= tolerance, axis=1)))


def tick_texts(axis) -> list[str]:
    return [label.get_text() for label in axis.get_ticklabels() if label.get_text()]


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_png_has_the_requested_size_and_draws_every_series(lang):
    picture = image(trend_png(trend(), labels=LABELS[lang], lang=lang))
    assert picture.size == (1200, 480)  # 8 x 3.2 inches at 150 dpi
    assert share_of_colour(picture, SENT_COLOR) > 0.02
    assert share_of_colour(picture, DELIVERED_COLOR) > 0.02
    assert share_of_colour(picture, CTR_COLOR) > 0.001
    assert share_of_colour(picture, PREV_COLOR) > 0.0005


def test_size_follows_the_arguments():
    png = trend_png(trend(), labels=LABELS["pl"], lang="pl", width_in=6, height_in=2.5, dpi=100)
    assert image(png).size == (600, 250)


def test_polish_axes():
    figure = trend_figure(trend(), labels=LABELS["pl"], lang="pl")
    figure.canvas.draw()
    counts, ctr = figure.axes
    days = tick_texts(counts.xaxis)
    assert days[0] == "12.11"
    assert all(len(day) == 5 and day[2] == "." for day in days)
    big = [label for label in tick_texts(counts.yaxis) if len(label) > 3]
    assert big and all("\xa0" in label or " " in label for label in big)  # "6 000"
    assert all("," not in label for label in tick_texts(counts.yaxis))
    assert all(label.endswith("%") for label in tick_texts(ctr.yaxis))
    assert ctr.yaxis.get_major_formatter()(0.015, 0) == "1,5%"
    assert counts.yaxis.get_major_formatter()(1234567, 0) == "1\xa0234\xa0567"
    assert counts.get_xlabel() == "Dzień" and counts.get_ylabel() == "Liczba"
    legend = [text.get_text() for text in counts.get_legend().get_texts()]
    assert legend == ["Wysłane", "Dostarczone", "Wysłane (poprzedni okres)", "CTR"]


def test_english_axes():
    figure = trend_figure(trend(), labels=LABELS["en"], lang="en")
    figure.canvas.draw()
    counts, ctr = figure.axes
    assert tick_texts(counts.xaxis)[0] == "Nov 12"
    big = [label for label in tick_texts(counts.yaxis) if len(label) > 3]
    assert big and all("," in label for label in big)  # "6,000"
    assert all(label.endswith("%") for label in tick_texts(ctr.yaxis))
    assert ctr.yaxis.get_major_formatter()(0.015, 0) == "1.5%"
    assert counts.yaxis.get_major_formatter()(1234567, 0) == "1,234,567"
    assert counts.get_xlabel() == "Day"


def test_no_previous_period_means_no_dashed_line():
    figure = trend_figure(trend(previous=False), labels=LABELS["en"], lang="en")
    legend = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert legend == ["Sent", "Delivered", "CTR"]
    picture = image(trend_png(trend(previous=False), labels=LABELS["en"], lang="en"))
    assert share_of_colour(picture, PREV_COLOR, tolerance=4) < share_of_colour(
        image(trend_png(trend(), labels=LABELS["en"], lang="en")), PREV_COLOR, tolerance=4
    )


def test_long_periods_thin_out_the_day_labels():
    figure = trend_figure(trend(90), labels=LABELS["pl"], lang="pl")
    figure.canvas.draw()
    assert 6 <= len(tick_texts(figure.axes[0].xaxis)) <= 12


def test_nullable_and_missing_values_are_drawn():
    frame = trend(5).astype({"sent": "Int64", "delivered": "Int64", "clicked": "Int64"})
    frame.loc[1, "sent"] = pd.NA
    frame = frame.drop(columns=["prev_delivered", "prev_ctr"])
    picture = image(trend_png(frame, labels=LABELS["pl"], lang="pl"))
    assert share_of_colour(picture, SENT_COLOR) > 0.01
    one_day = image(trend_png(trend(1, previous=False), labels=LABELS["en"], lang="en"))
    assert share_of_colour(one_day, SENT_COLOR) > 0.005


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_empty_frame_says_there_is_nothing_to_show(lang):
    empty = trend().iloc[0:0]
    figure = trend_figure(empty, labels=LABELS[lang], lang=lang)
    texts = [text.get_text() for text in figure.axes[0].texts]
    assert texts == [LABELS[lang]["empty"]]
    picture = image(trend_png(empty, labels=LABELS[lang], lang=lang))
    assert picture.size == (1200, 480)
    assert share_of_colour(picture, SENT_COLOR) == 0
    assert share_of_colour(picture, "#FFFFFF") > 0.95


def test_reports_never_import_dash_nor_pyplot():
    code = (
        "import sys, reports.chart, reports.csv_writer, reports.docx, reports.xml_writer\n"
        "bad = sorted(m for m in sys.modules if m == 'dash' or m.startswith('dash.')"
        " or m == 'matplotlib.pyplot')\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def mantissas(values) -> set[float]:
    """The first significant digit pattern of each non-zero step between ticks (1, 2 or 5 for round ticks)."""
    steps = {round(b - a, 12) for a, b in zip(values, values[1:])}
    return {round(s / 10 ** np.floor(np.log10(s)), 6) for s in steps if s > 0}


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_a_period_without_messages_says_so(lang):
    quiet = trend(20, previous=False)
    quiet[["sent", "delivered", "clicked"]] = 0
    quiet["ctr"] = np.nan
    figure = trend_figure(quiet, labels=LABELS[lang], lang=lang)
    assert [text.get_text() for text in figure.axes[0].texts] == [LABELS[lang]["empty"]]
    assert len(figure.axes) == 1 and not figure.axes[0].axison  # no "0 0 0 1 1 1" ticks


def test_ticks_are_round_on_both_axes():
    frame = trend(30)
    frame["sent"] = 7000 + (frame.index % 3) * 100  # 2.5-step country: 0, 2 500, 5 000, 7 500
    frame["delivered"] = frame["sent"] - 300
    frame["ctr"] = 0.06 + 0.04 * (frame.index % 2)  # up to 10 %: not 2,5 % / 7,5 %
    frame.loc[3, "ctr"] = np.nan
    figure = trend_figure(frame, labels=LABELS["pl"], lang="pl")
    figure.canvas.draw()
    counts, ctr = figure.axes
    count_ticks = [v for v in counts.get_yticks() if counts.get_ylim()[0] <= v <= counts.get_ylim()[1]]
    ctr_ticks = [v for v in ctr.get_yticks() if ctr.get_ylim()[0] <= v <= ctr.get_ylim()[1] + 1e-12]
    assert mantissas(count_ticks) <= {1.0, 2.0, 5.0}, count_ticks
    assert mantissas(ctr_ticks) <= {1.0, 2.0, 5.0}, ctr_ticks
    assert max(ctr_ticks) >= 0.1 - 1e-9 and len(ctr_ticks) >= 3


def test_days_without_deliveries_are_gaps_bridged_by_a_dotted_line():
    figure = trend_figure(trend(14), labels=LABELS["pl"], lang="pl")
    ctr = figure.axes[1]
    solid = [line for line in ctr.get_lines() if line.get_linestyle() == "-"]
    dotted = [line for line in ctr.get_lines() if line.get_linestyle() == ":"]
    assert len(solid) == 1 and len(dotted) == 1
    assert np.isnan(solid[0].get_ydata()[3])  # day 4 delivered nothing: no CTR, a gap in the line
    assert not np.isnan(dotted[0].get_ydata()).any() and 3 not in list(dotted[0].get_xdata())


@pytest.mark.parametrize(
    "lang, first, title", [("pl", "lis 2025", "Miesiąc"), ("en", "Nov 2025", "Month")], ids=["pl", "en"]
)
def test_monthly_bars_are_named_by_their_month(lang, first, title):
    months = pd.DataFrame(
        {
            "day": [dt.date(2025, 11, 1) + pd.DateOffset(months=i) for i in range(14)],
            "sent": [10_000 + 500 * i for i in range(14)],
            "delivered": [9_500 + 400 * i for i in range(14)],
            "clicked": [400] * 14,
        }
    )
    months["day"] = [d.date() for d in months["day"]]
    months["ctr"] = months["clicked"] / months["delivered"]
    labels = {**LABELS[lang], "month": title}
    figure = trend_figure(months, labels=labels, lang=lang, grain="month")
    figure.canvas.draw()
    counts = figure.axes[0]
    ticks = tick_texts(counts.xaxis)
    assert ticks[0] == first and 6 <= len(ticks) <= 12
    assert counts.get_xlabel() == title
