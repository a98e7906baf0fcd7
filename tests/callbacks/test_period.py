"""The period control's custom range as both report pages use it: choosing it keeps the numbers shown,
an incomplete range keeps the default preset, an inverted one is put in order, a long one is cut to the
days with data (with a notice in the page's language), and one without data reads nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from dash import no_update

from callbacks import sms as sms_cb
from callbacks import transactional as trx_cb
from data.period import Period
from data.queries import sms as sms_queries
from data.queries import transactional as trx_queries
from i18n import fmt_int, t
from tests.callbacks.test_sms import texts
from tests.conftest import TZ
from tests.expected import bulk_in_period, counts, trx_counts, trx_in_period

PAGES = {"sms": sms_cb, "trx": trx_cb}
NOTICE = {
    "pl": "Wybrany zakres 01.01.1990 – 31.12.2099 wykracza poza dane, które obejmują dni {first} – {last}. "
    "Pokazano {first} – {shown_end}.",
    "en": "The chosen range 1 Jan 1990 – 31 Dec 2099 goes beyond the data, which covers {first} – {last}. "
    "Showing {first} – {shown_end}.",
}


def text(component) -> str:
    return " ".join(texts(component))


def data_days(frames) -> tuple[dt.date, dt.date]:
    """The first and last local day with a message of any source, read from the lake with pandas alone."""
    days = frames["messages"]["created_at"].dt.tz_convert(TZ).dt.date
    return days.min(), days.max()


def report(page: str, ctx, **kw):
    args = {"preset": "custom", "start": None, "end": None, "lang": "pl", **kw}
    return PAGES[page].report(ctx, **args)


@pytest.mark.parametrize("page", PAGES)
def test_choosing_custom_range_keeps_the_period_and_numbers_shown(ctx, page):
    shown = report(page, ctx, preset="3m")
    three = ctx.period("3m")
    # The range picker holds the days the preset shows ...
    assert (shown["range_start"], shown["range_end"]) == (three.start.isoformat(), three.end.isoformat())
    # ... so choosing "Custom range" starts from them: same days, same numbers, no message.
    custom = report(page, ctx, start=shown["range_start"], end=shown["range_end"])
    assert custom["period_error"] is None and custom["alert"] is None
    assert (
        custom["period_label"]
        == shown["period_label"]
        == "{} – {}".format(three.start.strftime("%d.%m.%Y"), three.end.strftime("%d.%m.%Y"))
    )
    assert text(custom["kpis"]) == text(shown["kpis"]) and custom["rows"] == shown["rows"]
    assert custom["range_start"] is no_update and custom["range_end"] is no_update  # the picker keeps its dates


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["pl", "en"])
def test_a_range_not_chosen_yet_shows_the_last_month_and_a_hint_not_an_error(ctx, page, lang):
    month = report(page, ctx, preset="1m", lang=lang)
    hint = {"pl": "Wybierz pierwszy i ostatni dzień zakresu", "en": "Choose the first and the last day of the range"}
    for start, end in ((None, None), ("2026-10-01", None), (None, "2026-10-01")):
        out = report(page, ctx, start=start, end=end, lang=lang)
        assert hint[lang] in text(out["period_error"])
        assert getattr(out["period_error"], "color", None) != "danger"
        assert out["period_label"] == month["period_label"] and text(out["kpis"]) == text(month["kpis"])
        assert out["rows"] == month["rows"] and out["trend"] == month["trend"]


@pytest.mark.parametrize("page", PAGES)
def test_an_end_before_the_start_is_the_same_range_in_order(ctx, page):
    ordered = report(page, ctx, start="2026-10-01", end="2026-10-20")
    inverted = report(page, ctx, start="2026-10-20", end="2026-10-01")
    assert inverted["period_error"] is None and inverted["period_label"] == "01.10.2026 – 20.10.2026"
    assert text(inverted["kpis"]) == text(ordered["kpis"]) and inverted["rows"] == ordered["rows"] != []
    assert (inverted["range_start"], inverted["range_end"]) == ("2026-10-01", "2026-10-20")  # the picker follows


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_a_long_range_is_cut_to_the_days_with_data_with_a_notice(ctx, frames, lang):
    first, last = data_days(frames)
    shown = Period(first, max(last, ctx.today()), TZ)
    fmt = {"pl": lambda d: d.strftime("%d.%m.%Y"), "en": lambda d: f"{d.day} {d:%b %Y}".replace("Sep ", "Sept ")}[lang]
    notice = NOTICE[lang].format(first=fmt(first), last=fmt(last), shown_end=fmt(shown.end))

    out = report("sms", ctx, start="1990-01-01", end="2099-12-31", lang=lang)
    assert out["period_label"] == f"{fmt(shown.start)} – {fmt(shown.end)}"
    assert notice in text(out["period_error"]) and out["alert"] is None
    bulk = counts(bulk_in_period(frames, shown))
    assert fmt_int(bulk["sent"], lang) in text(out["kpis"]) and bulk["sent"] > 0
    # The chart draws the days shown (not 40,000 of them), and no previous period (it lies before the data).
    traces = {trace.get("name"): trace for trace in out["trend"]["data"]}
    assert t(lang, "trend.prev_sent") not in traces
    assert sum(traces[t(lang, "trend.sent")]["y"]) == bulk["sent"]
    assert str(shown.start.year) in str(traces[t(lang, "trend.sent")]["x"][0])
    assert (out["range_start"], out["range_end"]) == (no_update, no_update)  # the picker keeps what was chosen
    csv_href, _doc = sms_cb.export_links(
        ctx,
        preset="custom",
        start="1990-01-01",
        end="2099-12-31",
        lang=lang,
        flt=None,
        per_campaign=False,
        sort=None,
    )
    assert f"from={shown.start}&to={shown.end}" in csv_href

    out = report("trx", ctx, start="1990-01-01", end="2099-12-31", lang=lang)
    assert out["period_label"] == f"{fmt(shown.start)} – {fmt(shown.end)}"
    assert notice in text(out["period_error"])
    trx = trx_counts(trx_in_period(frames, shown))
    assert fmt_int(trx["sent"], lang) in text(out["kpis"]) and trx["sent"] > 0
    assert sum(out["trend"]["data"][0]["y"]) == trx["sent"]
    assert f"from={shown.start}&to={shown.end}" in out["csv_href"]


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_a_range_without_data_says_so_and_reads_nothing(ctx, frames, monkeypatch, lang):
    def never(*_args, **_kw):
        raise AssertionError("a range without a day of data must not be queried")

    for module, name in (
        (sms_queries, "period_summary"),
        (sms_cb, "history_page"),
        (trx_queries, "trx_daily"),
        (trx_cb, "table_records"),
    ):
        monkeypatch.setattr(module, name, never)
    first, last = data_days(frames)
    says = {
        "pl": f"W wybranym zakresie 01.03.2020 – 31.03.2020 nie ma danych: obejmują one dni "
        f"{first:%d.%m.%Y} – {last:%d.%m.%Y}.",
        "en": "There is no data in the chosen range 1 Mar 2020 – 31 Mar 2020: the data covers",
    }[lang]
    for page in PAGES:
        out = report(page, ctx, start="2020-03-01", end="2020-03-31", lang=lang)
        assert says in text(out["period_error"]) and out["alert"] is None, page
        assert out["period_label"] == ("01.03.2020 – 31.03.2020" if lang == "pl" else "1 Mar 2020 – 31 Mar 2020")
        assert out["rows"] == [] and out["empty"] is not None and out["kpis"] is not None
        assert all(trace["x"] == [] for trace in out["trend"]["data"])
    links = sms_cb.export_links(
        ctx, preset="custom", start="2020-03-01", end="2020-03-31", lang=lang, flt=None, per_campaign=False, sort=None
    )
    assert links == (None, None)
