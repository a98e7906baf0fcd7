"""SMS page callbacks called as plain functions (no browser)."""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest
from dash import no_update

from callbacks import shell as shell_cb
from callbacks import sms as sms_cb
from config import Config
from data.period import Period
from data.queries.cost import Cost, CurrencyCost
from layouts import sms
from layouts.ids import Shell
from tests.conftest import TZ, UNTIL
from tests.expected import bucketed as expected_buckets
from tests.expected import bulk_in_period, counts, daily
from web.context import AppContext


def texts(component) -> list[str]:
    """Every string in a component tree, depth first."""
    out: list[str] = []

    def walk(node):
        if node is None:
            return
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, (list, tuple)):
            for n in node:
                walk(n)
        elif hasattr(node, "children"):
            walk(node.children)

    walk(component)
    return out


def test_custom_period_fills_every_part(ctx, frames):
    out = sms_cb.report(ctx, preset="custom", start="2026-10-01", end=UNTIL.isoformat(), lang="en")
    period = Period(dt.date(2026, 10, 1), UNTIL, TZ)
    m = bulk_in_period(frames, period)
    assert len(out["rows"]) == m["dispatch_id"].nunique() > 0
    assert out["count"] == f"{m['dispatch_id'].nunique()} dispatches in the period"
    kpi_text = " ".join(texts(out["kpis"]))
    sent = counts(m)["sent"]
    assert f"{sent:,}" in kpi_text and "Not sent (invalid number)" in kpi_text
    csv_href, doc_href = sms_cb.export_links(
        ctx,
        preset="custom",
        start="2026-10-01",
        end=UNTIL.isoformat(),
        lang="en",
        flt=None,
        per_campaign=False,
        sort=None,
    )
    assert csv_href == "/export/dispatches.csv?from=2026-10-01&to=2026-11-20&lang=en"
    assert doc_href == "/export/dispatches.docx?from=2026-10-01&to=2026-11-20&lang=en"
    assert out["period_error"] is None and out["alert"] is None
    names = [trace["name"] for trace in out["trend"]["data"] if trace.get("showlegend", True)]
    assert names == ["Sent", "Delivered", "Sent (previous period)", "CTR"]
    assert out["trend"]["data"][0]["y"] == [float(v) for v in daily(m, period)["sent"]]


def legend(figure: dict) -> list[str]:
    return [trace["name"] for trace in figure["data"] if trace.get("showlegend", True)]


def test_trend_bars_follow_the_period_or_the_switch(ctx, frames):
    # 51 days: a bar a day; "week" on the switch: a bar a week (Monday to Sunday), summed with pandas.
    period = Period(dt.date(2026, 10, 1), UNTIL, TZ)
    out = sms_cb.report(ctx, preset="custom", start="2026-10-01", end=UNTIL.isoformat(), lang="pl")
    assert len(out["trend"]["data"][0]["x"]) == period.days
    assert out["trend"]["layout"]["xaxis"]["title"]["text"] == "Dzień"
    weekly = sms_cb.report(
        ctx, preset="custom", start="2026-10-01", end=UNTIL.isoformat(), lang="pl", grain="week", trend_only=True
    )
    assert all(weekly[k] is no_update for k in sms_cb.REPORT_OUTPUTS if k != "trend")  # only the chart changes
    figure = weekly["trend"]
    want = expected_buckets(bulk_in_period(frames, period), period, "week")
    assert figure["data"][0]["x"][:2] == ["01–04.10.2026", "05–11.10.2026"]  # Thursday to Sunday, then a week
    assert figure["data"][0]["y"] == [float(v) for v in want["sent"]]
    assert figure["data"][1]["y"] == [float(v) for v in want["delivered"]]
    assert figure["layout"]["xaxis"]["title"]["text"] == "Tydzień (od poniedziałku)"
    # All time (about 18 months here): a bar a month.
    whole = sms_cb.report(ctx, preset="all", start=None, end=None, lang="en")
    months = whole["trend"]["data"][0]["x"]
    assert 12 <= len(months) <= 24 and "October 2026" in months and "September 2025" in months
    first = ctx.period("all").start
    cut = first.day != 1  # a month the period cuts short names its days
    assert ("–" in months[0]) == cut and "–" not in months[1]
    axis = whole["trend"]["layout"]["xaxis"]
    ticks = dict(zip(axis["tickvals"], axis["ticktext"]))
    assert 6 <= len(ticks) <= 12 and set(ticks) <= set(months)  # short labels, thinned out
    assert all(re.fullmatch(r"[A-Z][a-z]{2,3} 20\d\d", text) for text in ticks.values()), ticks  # "Oct 2026"


def test_trend_ticks_are_round_and_gaps_stay_gaps(ctx):
    out = sms_cb.report(ctx, preset="custom", start="2026-10-01", end=UNTIL.isoformat(), lang="pl")
    layout = out["trend"]["layout"]
    for axis in (layout["yaxis"], layout["yaxis2"]):
        step = axis["dtick"]
        assert axis["range"][0] == 0 and axis["tickmode"] == "linear"
        assert step / 10 ** math.floor(math.log10(step)) in (1, 2, 5), step
        assert 3 <= axis["range"][1] / step <= 6
        assert axis["automargin"] is True  # the axis title never sits on the tick labels
    assert layout["separators"] == ",\u00a0"  # "1 725" as the KPI cards write it
    ctr = [trace for trace in out["trend"]["data"] if trace.get("yaxis") == "y2"]
    line = next(trace for trace in ctr if trace.get("showlegend", True))
    bridge = next(trace for trace in ctr if not trace.get("showlegend", True))
    assert None in line["y"] and line["connectgaps"] is False  # days without deliveries: no CTR
    assert bridge["connectgaps"] is True and bridge["line"]["dash"] == "dot" and bridge["hoverinfo"] == "skip"


def test_an_empty_period_says_no_data(ctx):
    out = sms_cb.report(ctx, preset="custom", start="2020-01-01", end="2020-03-31", lang="pl")
    figure = out["trend"]
    assert figure["data"] == [] and [a["text"] for a in figure["layout"]["annotations"]] == [
        "Brak wiadomości w tym okresie"
    ]
    assert figure["layout"]["yaxis"]["visible"] is False


def test_period_without_dispatches_shows_empty_state(ctx):
    out = sms_cb.report(ctx, preset="custom", start="2020-01-01", end="2020-01-31", lang="pl")
    assert out["rows"] == []
    assert "nie było żadnej wysyłki" in " ".join(texts(out["empty"]))


def test_missing_lake_says_how_to_get_data(tmp_path):
    empty = AppContext.create(Config(data_dir=tmp_path, timezone=TZ))
    out = sms_cb.report(empty, preset="1m", start=None, end=None, lang="en")
    assert "python app.py demo" in " ".join(texts(out["alert"]))


def test_details_lists_reasons_with_download_links(ctx, frames):
    number = int(frames["dispatches"]["number"].iloc[3])
    title, body = sms_cb.details(ctx, number=number, lang="pl")
    assert title == f"Szczegóły wysyłki nr {number}"
    text = " ".join(texts(body))
    assert "Dostarczone" in text and "Przyczyny niedostarczenia" in text
    hrefs = []

    def walk(node):
        if isinstance(node, (list, tuple)):
            for n in node:
                walk(n)
        elif hasattr(node, "children"):
            if getattr(node, "href", None):
                hrefs.append(node.href)
            walk(node.children)

    walk(body)
    assert f"/export/numbers.csv?dispatch={number}&status=delivered&lang=pl" in hrefs


def test_details_of_unknown_dispatch(ctx):
    _title, body = sms_cb.details(ctx, number=987654, lang="en")
    assert "was not found" in " ".join(texts(body))


def test_clicked_dispatch_only_from_details_column():
    assert sms_cb.clicked_dispatch({"colId": "details", "rowId": "12"}) == 12
    assert sms_cb.clicked_dispatch({"colId": "sent", "rowId": "12"}) is None
    assert sms_cb.clicked_dispatch(None) is None


def test_language_switch_and_routing(ctx):
    clicks = {Shell.LANG_PL: 0, Shell.LANG_EN: 1}
    assert shell_cb.chosen_lang([Shell.LANG_EN], clicks, "pl") == "en"
    assert shell_cb.chosen_lang([], clicks, "xx") == "pl"
    # Every page draws the navbar anew: both buttons fire at once, unclicked. The choice stays (issue 16.1).
    assert shell_cb.chosen_lang([Shell.LANG_PL, Shell.LANG_EN], {Shell.LANG_PL: 0, Shell.LANG_EN: 0}, "en") == "en"
    assert shell_cb.chosen_lang([Shell.LANG_PL], {Shell.LANG_PL: 0}, "en") == "en"
    _nav, page = shell_cb.render(ctx, "/nope", "en")
    assert "No such page: /nope" in " ".join(texts(page))


def test_unreadable_file_is_left_out_and_named(demo_dir, tmp_path):
    # More cases (missing months, exports, the transactional page): tests/faults/test_lake_faults.py.
    import shutil

    shutil.copytree(demo_dir / "lake", tmp_path / "lake")
    month = sorted((tmp_path / "lake" / "messages").glob("month=*"))[-1]
    next(month.glob("*.parquet")).write_bytes(b"this is not parquet")
    broken = AppContext.create(Config(data_dir=tmp_path, timezone=TZ))
    out = sms_cb.report(broken, preset="custom", start="2026-10-01", end=UNTIL.isoformat(), lang="en")
    text = " ".join(texts(out["alert"]))
    assert f"left out of the numbers shown: {month.name.removeprefix('month=')} (file unreadable)" in text
    assert "Traceback" not in text and out["kpis"] is not None
    _title, body = sms_cb.details(broken, number=1, lang="en")
    assert "could not be prepared" not in " ".join(texts(body))


def test_a_campaign_row_names_its_days_and_shows_its_times_on_hover():
    # Two lines in the narrow date column: the days a campaign's dispatches went out; the times on hover.
    row = {
        "row_id": "c7",
        "kind": "campaign",
        "parent_id": None,
        "campaign_id": 7,
        "dispatch_id": None,
        "number": None,
        "name": "Jesień",
        "message_text": "",
        "recipient_group": None,
        "dispatches": 3,
        "rule": None,
        "campaign_name": None,
        "sent_at": dt.datetime(2026, 11, 24, 10, 19),
        "last_at": dt.datetime(2026, 12, 1, 10, 49),
        "sent": 1725,
        "delivered": 1700,
        "delivered_pct": 1700 / 1725,
        "clicked": 10,
        "ctr": 10 / 1700,
        "costs": Cost({}, 0),
        "cost": None,
    }
    (got,) = sms.grid_rows([row], "pl")
    assert got["sent_at_label"] == "24.11–01.12.2026"
    assert got["sent_at_full"] == "24.11.2026 10:19 – 01.12.2026 10:49"
    (same_day,) = sms.grid_rows([{**row, "last_at": dt.datetime(2026, 11, 24, 12, 0)}], "en")
    assert same_day["sent_at_label"] == same_day["sent_at_full"] == "24 Nov 2026 10:19 – 24 Nov 2026 12:00"


def test_details_show_operators_and_countries_as_the_query_counts_them(ctx, frames):
    from data.queries import operators as operator_queries
    from tests.expected import by_key, of_dispatches

    d = frames["dispatches"].iloc[3]
    want = by_key(of_dispatches(frames, [d["dispatch_id"]]), "operator")
    for lang, heading, country in (("pl", "Według operatora", "Polska"), ("en", "By operator", "Poland")):
        _title, body = sms_cb.details(ctx, number=int(d["number"]), lang=lang)
        text = texts(body)
        assert heading in text and country in text
        for name, figures in want.items():
            if name is not None:
                assert name in text and f"{figures['sent']:,}".replace(",", "\xa0" if lang == "pl" else ",") in text
    got = operator_queries.dispatch_breakdowns(ctx.db, dispatch_id=d["dispatch_id"])["operator"]
    assert set(got["key"]) == set(want)


def test_details_and_kpis_show_the_time_to_delivery(ctx, frames):
    from data.queries import delivery as delivery_queries
    from layouts.delivery import duration

    d = frames["dispatches"].iloc[3]
    found = delivery_queries.dispatch_delivery(ctx.db, dispatch_id=d["dispatch_id"])
    for lang, heading in (("pl", "Czas doręczenia"), ("en", "Time to delivery")):
        _title, body = sms_cb.details(ctx, number=int(d["number"]), lang=lang)
        text = " ".join(texts(body))
        assert heading in text and duration(found.median_s, lang) in text and duration(found.p95_s, lang) in text
    out = sms_cb.report(ctx, preset="custom", start="2026-10-01", end=UNTIL.isoformat(), lang="en")
    period = delivery_queries.period_delivery(ctx.db, period=Period(dt.date(2026, 10, 1), UNTIL, TZ))
    assert f"median {duration(period.median_s, 'en')}" in " ".join(texts(out["kpis"]))


def test_kpis_and_details_show_the_cost_per_currency(ctx, frames):
    from data.queries import cost as cost_queries
    from i18n import fmt_money

    period = Period(dt.date(2026, 10, 1), UNTIL, TZ)
    cost = cost_queries.period_cost(ctx.db, period=period)
    out = sms_cb.report(ctx, preset="custom", start="2026-10-01", end=UNTIL.isoformat(), lang="pl")
    text = " ".join(texts(out["kpis"]))
    assert "Koszt" in text and len(cost.currencies) == 2
    for currency, c in cost.currencies.items():
        assert fmt_money(c.cost, currency, "pl") in text
    assert f"cena nieznana: wiadomości {cost.unknown}" in text.replace("\xa0", "")
    d = frames["dispatches"].iloc[3]
    mine = cost_queries.dispatch_cost(ctx.db, dispatch_id=d["dispatch_id"])
    _title, body = sms_cb.details(ctx, number=int(d["number"]), lang="en")
    text = " ".join(texts(body))
    for currency, c in mine.currencies.items():
        assert fmt_money(c.cost, currency, "en") in text


def test_the_period_view_shows_the_periods_operators_and_time_to_delivery(ctx, frames):
    from callbacks import sms_period
    from data.queries import delivery as delivery_queries
    from layouts.delivery import duration
    from tests.expected import by_key

    view = sms_period.period_views(ctx, preset="custom", start="2026-10-01", end=UNTIL.isoformat(), lang="en")
    text = " ".join(texts(view))
    period = Period(dt.date(2026, 10, 1), UNTIL, TZ)
    want = by_key(bulk_in_period(frames, period), "operator")
    assert "Operators, countries and time to delivery in the period" in text and "By operator" in text
    for name, figures in want.items():
        if name is not None:
            assert name in text and f"{figures['sent']:,}" in text
    found = delivery_queries.period_delivery(ctx.db, period=period)
    assert f"median {duration(found.median_s, 'en')}" in text and found.slowest[0] in text
    empty = sms_period.period_views(ctx, preset="custom", start="2020-03-01", end="2020-03-31", lang="en")
    assert not texts(empty)


def test_grid_rows_show_each_currencys_cost_apart_and_the_messages_without_a_price(ctx, frames):
    from decimal import Decimal

    from i18n import fmt_int, fmt_money
    from tests.expected import costs, of_dispatches

    out = sms_cb.report(ctx, preset="custom", start="2026-09-01", end=UNTIL.isoformat(), lang="en")
    ids = frames["dispatches"].set_index("number")["dispatch_id"]
    mixed = unknown = 0
    for row in out["rows"]:
        want = costs(of_dispatches(frames, [ids[row["number"]]]))
        sums = [fmt_money(Decimal(f"{w['cost']:.6f}"), c, "en") for c, w in want["currencies"].items()]
        parts = row["cost_label"].split(" + ")
        assert sorted(p for p in parts if p != "?") == sorted(sums)  # one sum per currency, never added up
        assert ("?" in parts) == (want["unknown"] > 0)
        if want["unknown"]:
            assert f"price unknown: {fmt_int(want['unknown'], 'en')} messages" in row["cost_tip"]
        main = max((w["cost"] for w in want["currencies"].values()), default=None)
        assert row["cost"] == (None if main is None else pytest.approx(main, abs=1e-6))
        mixed += len(sums) > 1
        unknown += want["unknown"] > 0
    assert mixed and unknown  # the demo has both: twilio's EUR traffic, messages still without a receipt
    # a row with no price at all, and one with no message: "?" and a dash, both in Polish too
    no_price, nothing = Cost({}, 3), Cost({}, 0)
    pln_eur = Cost({"PLN": CurrencyCost(Decimal("12.4"), 9, 9, 1), "EUR": CurrencyCost(Decimal("0.85"), 2, 2, 0)}, 0)
    from layouts.cost import cost_cell

    assert cost_cell(no_price, "pl") == ("?", "cena nieznana: wiadomości 3")
    assert cost_cell(nothing, "pl") == ("—", "—")
    assert cost_cell(pln_eur, "pl")[0] == "12,40\xa0zł + 0,85\xa0€"
