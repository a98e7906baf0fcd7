"""Transactional page callbacks called as plain functions (no browser), and the shared period control."""

from __future__ import annotations

import datetime as dt
import json

import plotly.io
import pytest
from dash import html, no_update

from callbacks import shell as shell_cb
from callbacks import sms as sms_cb
from callbacks import transactional as trx_cb
from config import Config
from data.period import Period
from data.queries import transactional as trx_queries
from layouts import period as period_layout
from layouts import transactional as trx_layout
from layouts.ids import SMS_PERIOD, TRX_PERIOD, Sms, Trx
from reports.transactional import campaign_table
from tests.callbacks.test_sms import texts
from tests.conftest import TZ, UNTIL
from tests.expected import bucketed as expected_buckets
from tests.expected import trx_counts, trx_in_period
from web.context import AppContext

START = "2026-09-01"
PERIOD = Period(dt.date(2026, 9, 1), UNTIL, TZ)


def find(component, predicate) -> list:
    """Every component of a tree for which `predicate` holds."""
    out = []

    def walk(node):
        if isinstance(node, (list, tuple)):
            for n in node:
                walk(n)
        elif hasattr(node, "to_plotly_json"):  # a Dash component
            if predicate(node):
                out.append(node)
            walk(getattr(node, "children", None))

    walk(component)
    return out


def report(ctx, **kw):
    args = {"preset": "custom", "start": START, "end": UNTIL.isoformat(), "lang": "pl", **kw}
    return trx_cb.report(ctx, **args)


def test_report_fills_every_part(ctx):
    out = report(ctx, lang="en")
    records = trx_queries.trx_campaign_records(ctx.db, period=PERIOD)
    assert [r["row_id"] for r in out["rows"]] == [r["key"] for r in records]
    assert len(records) > 1 and out["count"] == f"{len(records)} campaigns in the period"
    assert "(no campaign)" in [r["campaign"] for r in out["rows"]]
    kpis = trx_queries.trx_kpis(ctx.db, period=PERIOD).iloc[0]
    kpi_text = " ".join(texts(out["kpis"]))
    assert f"{int(kpis['sent']):,}" in kpi_text and "CTR (people)" in kpi_text and "CTR incl. bots" in kpi_text
    assert out["csv_href"] == f"/export/transactional.csv?from={START}&to={UNTIL}&lang=en"
    assert out["period_label"] == "1 Sept 2026 – 20 Nov 2026"
    lines = {trace["name"]: trace for trace in out["trend"]["data"] if trace.get("showlegend", True)}
    assert list(lines) == ["Sent", "Delivered", "CTR (people)", "CTR incl. bots"]
    assert lines["CTR incl. bots"]["line"]["dash"] == "dash" and lines["CTR (people)"]["line"]["dash"] == "solid"
    assert out["alert"] is None and out["period_error"] is None


def graphs(component) -> list[dict]:
    """The figures of every dcc.Graph in a component tree."""
    found = []

    def walk(node):
        if isinstance(node, (list, tuple)):
            for n in node:
                walk(n)
        elif getattr(node, "figure", None) is not None:
            found.append(node.figure)
        elif hasattr(node, "children"):
            walk(node.children)

    walk(component)
    return found


def test_the_switch_redraws_the_charts_by_week_or_month(ctx, frames):
    key = "label:potwierdzenie-zamowienia"
    out = report(ctx, open_keys=[key], grain="month", grain_only=True)
    # Only the charts change: the trend, and the open rows' CTR (the table is sent again with them).
    assert out["kpis"] is no_update and out["csv_href"] is no_update and out["period_label"] is no_update
    figure = out["trend"]
    assert figure["data"][0]["x"] == ["wrzesień 2026", "październik 2026", "01–20.11.2026"]
    want = expected_buckets(trx_in_period(frames, PERIOD), PERIOD, "month", trx_counts)
    assert figure["data"][0]["y"] == [float(v) for v in want["sent"]]
    assert figure["data"][1]["y"] == [float(v) for v in want["delivered"]]
    people = next(t for t in figure["data"] if t.get("name") == "CTR (ludzie)")
    assert people["y"] == pytest.approx([100 * c / d for c, d in zip(want["clicked"], want["delivered"])])
    assert figure["layout"]["xaxis"]["title"]["text"] == "Miesiąc"
    detail = next(r for r in out["rows"] if r.get("detail_of") == key)["detail"]
    ctr_chart = graphs(detail)[0]
    assert ctr_chart["data"][0]["x"] == figure["data"][0]["x"]
    # "auto" for 81 days: a bar a day.
    daily = report(ctx, open_keys=[key])
    assert len(daily["trend"]["data"][0]["x"]) == PERIOD.days
    assert len(graphs(next(r for r in daily["rows"] if r.get("detail_of") == key)["detail"])[0]["data"][0]["x"]) == (
        PERIOD.days
    )


def test_an_empty_period_says_no_data(ctx):
    out = report(ctx, start="2020-01-01", end="2020-01-31", lang="en")
    assert out["trend"]["data"] == []
    assert [a["text"] for a in out["trend"]["layout"]["annotations"]] == ["No messages in this period"]


def test_rows_are_json_for_the_grid(ctx):
    # Dash sends the rows as JSON: the detail panel becomes the {type, namespace, props} tree the
    # grid's full-width renderer (assets/dashAgGridComponentFunctions.js) draws.
    out = report(ctx, open_keys=["label:kod-2fa"])
    rows = json.loads(plotly.io.json.to_json_plotly(out["rows"]))
    panel = next(r for r in rows if r.get("detail_of"))["detail"]
    assert panel["namespace"] == "dash_html_components" and panel["type"] == "Div"
    assert panel["props"]["data-campaign"] == "label:kod-2fa"
    namespaces = set()

    def walk(node):
        if isinstance(node, dict) and "namespace" in node:
            namespaces.add((node["namespace"], node["type"]))
            walk(node["props"].get("children"))
        elif isinstance(node, list):
            for n in node:
                walk(n)

    walk(panel)
    assert {ns for ns, _type in namespaces} == {"dash_html_components", "dash_core_components"}
    assert {tp for ns, tp in namespaces if ns == "dash_core_components"} == {"Graph"}


def test_open_rows_are_followed_by_their_details(ctx):
    keys = ["label:potwierdzenie-zamowienia", "none", "label:not-in-period"]
    out = report(ctx, open_keys=keys)
    ids = [r["row_id"] for r in out["rows"]]
    for key in keys[:2]:
        assert ids[ids.index(key) + 1] == trx_layout.DETAIL_PREFIX + key
        parent = out["rows"][ids.index(key)]
        assert parent["open"] is True
    assert "detail:label:not-in-period" not in ids
    assert sum(1 for r in out["rows"] if r.get("detail_of")) == 2


def test_detail_shows_chart_breakdowns_delay_and_latest(ctx):
    key = "label:potwierdzenie-zamowienia"
    row = trx_cb.detail(ctx, period=PERIOD, key=key, name="potwierdzenie-zamowienia", source=None, lang="pl")
    assert row["row_id"] == "detail:" + key and row["detail_of"] == key and row["height"] > 300
    panel = row["detail"]
    text = " ".join(texts(panel))
    for heading in (
        "CTR w okresie",
        "Według źródła",
        "Według statusu",
        "Według przyczyny",
        "Od doręczenia do pierwszego kliknięcia",
        "Ostatnie wiadomości",
        "Mediana:",
    ):
        assert heading in text, heading
    graphs = find(panel, lambda n: getattr(n, "figure", None) is not None)
    ctr = graphs[0].figure
    assert [tr["line"]["dash"] for tr in ctr["data"] if tr.get("showlegend", True)] == ["solid", "dash"]
    totals = trx_queries.trx_kpis(
        ctx.db, period=PERIOD, campaign=trx_queries.Campaign("potwierdzenie-zamowienia")
    ).iloc[0]
    source_table = find(panel, lambda n: "trx-by-source" in (getattr(n, "className", "") or ""))[0]
    foot = texts(source_table.children[-1])
    assert foot[:4] == [
        "Razem",
        f"{int(totals['sent']):,}".replace(",", "\xa0"),
        f"{int(totals['delivered']):,}".replace(",", "\xa0"),
        str(int(totals["clicked"])),
    ]
    status_table = find(panel, lambda n: "trx-by-status" in (getattr(n, "className", "") or ""))[0]
    assert texts(status_table.children[-1])[1] == f"{int(totals['recipients']):,}".replace(",", "\xa0")
    latest = find(panel, lambda n: "trx-latest" in (getattr(n, "className", "") or ""))[0]
    body = latest.children[1].children
    assert len(body) == trx_cb.LATEST_MESSAGES
    assert all("***" in " ".join(texts(r)) for r in body)
    links = find(panel, lambda n: isinstance(n, html.A))
    assert (
        links[0].href
        == f"/export/transactional-messages.csv?campaign=label%3Apotwierdzenie-zamowienia&from={START}&to={UNTIL}&lang=pl"
    )


def test_detail_without_clicks_says_so(ctx):
    row = trx_cb.detail(ctx, period=PERIOD, key="label:kod-2fa", name="kod-2fa", source=None, lang="en")
    text = " ".join(texts(row["detail"]))
    assert "No human clicks yet." in text and "Median" not in text


def test_toggle_opens_and_closes_a_row(ctx):
    key = "label:reset-hasla"
    keys = trx_cb.toggled(["none"], key)
    assert keys == ["none", key] and trx_cb.toggled(keys, key) == ["none"] and trx_cb.toggled(keys, None) == keys
    # Opening or closing a row answers with the table only: every open row with its details.
    out = report(ctx, open_keys=keys, rows_only=True)
    assert [r["row_id"] for r in out["rows"] if r.get("detail_of")] == [
        f"detail:{k}" for k in ("none", key) if k in [r["row_id"] for r in out["rows"]]
    ]
    assert out["kpis"] is no_update and out["trend"] is no_update and out["csv_href"] is no_update
    assert out["count"] == f"{len([r for r in out['rows'] if not r.get('detail_of')])} kampanii w okresie"
    out = report(ctx, open_keys=trx_cb.toggled(keys, key), rows_only=True)
    assert f"detail:{key}" not in [r["row_id"] for r in out["rows"]]


def test_filters_narrow_the_table(ctx):
    out = report(ctx, text="  HASLA ")
    assert [r["campaign"] for r in out["rows"]] == ["reset-hasla"]
    assert out["csv_href"].endswith("&q=HASLA")
    out = report(ctx, source="test")
    frame = campaign_table(ctx.db, period=PERIOD, lang="pl", source="test")
    assert [r["row_id"] for r in out["rows"]] == list(frame["key"]) == ["none"]  # test sends carry no label
    assert "source=test" in out["doc_href"]
    out = report(ctx, text="no such campaign")
    assert out["rows"] == [] and "Brak wiadomości transakcyjnych" in " ".join(texts(out["empty"]))
    assert (
        trx_cb.source_filter("all") is None
        and trx_cb.source_filter("bulk") is None
        and trx_cb.source_filter("api") == "api"
    )


def test_missing_lake_says_how_to_get_data(tmp_path):
    # An inverted range: tests/callbacks/test_period.py.
    empty = AppContext.create(Config(data_dir=tmp_path, timezone=TZ))
    out = trx_cb.report(empty, preset="all", start=None, end=None, lang="en")
    assert "python app.py demo" in " ".join(texts(out["alert"]))


def test_all_time_is_the_same_on_both_pages(ctx, frames):
    # "All time" starts on the lake's first day with any message, bulk or not, on either page.
    m = frames["messages"]
    first = m["created_at"].min().tz_convert(TZ).date()
    assert first < m.loc[m["source"] == "bulk", "created_at"].min().tz_convert(TZ).date()
    assert trx_cb.resolve(ctx, "all", None, None).period.start == first
    trx = trx_cb.report(ctx, preset="all", start=None, end=None, lang="pl")
    sms = sms_cb.report(ctx, preset="all", start=None, end=None, lang="pl")
    assert sms["period_label"] == trx["period_label"] == f"{first:%d.%m.%Y} – {ctx.today():%d.%m.%Y}"


def test_page_route_and_navbar(ctx):
    nav, page = shell_cb.render(ctx, "/transactional", "en")
    assert "Transactional reports" in " ".join(texts(page))
    assert "Transactional reports" in " ".join(texts(nav))
    grids = find(page, lambda n: getattr(n, "id", None) == Trx.GRID)
    assert grids and grids[0].dashGridOptions["fullWidthCellRenderer"] == "TrxDetail"


def test_the_period_kept_in_the_session_sets_both_pages(ctx):
    stored = period_layout.remembered("custom", "2026-10-01", "2026-10-31")
    assert period_layout.chosen(stored) == ("custom", "2026-10-01", "2026-10-31")
    assert period_layout.chosen(None) == ("1m", None, None) and period_layout.chosen({"preset": "bogus"})[0] == "1m"
    for path, ids in (("/", SMS_PERIOD), ("/transactional", TRX_PERIOD)):
        _nav, page = shell_cb.render(ctx, path, "pl", stored)
        preset = find(page, lambda n, ids=ids: getattr(n, "id", None) == ids.preset)[0]
        picker = find(page, lambda n, ids=ids: getattr(n, "id", None) == ids.range)[0]
        box = find(page, lambda n, ids=ids: getattr(n, "id", None) == ids.range_box)[0]
        assert preset.value == "custom" and (picker.start_date, picker.end_date) == ("2026-10-01", "2026-10-31")
        assert box.style == {"display": "block"}
    _nav, page = shell_cb.render(ctx, "/", "pl")
    assert find(page, lambda n: getattr(n, "id", None) == Sms.PERIOD_PRESET)[0].value == "1m"


def test_opening_a_row_reuses_the_table_a_period_change_reads_again(ctx, monkeypatch):
    shown = report(ctx)["rows"]
    first = trx_cb.Campaign.from_key(shown[0]["row_id"])

    def unreachable(*args, **kwargs):
        raise RuntimeError("the table was read again")

    monkeypatch.setattr(trx_cb, "campaign_records", unreachable)
    opened = report(ctx, open_keys=[first.key], rows_only=True)  # the table the page shows: remembered
    assert [r["row_id"] for r in opened["rows"] if "detail_of" not in r] == [r["row_id"] for r in shown]
    assert any(r.get("detail_of") == first.key for r in opened["rows"])
    again = report(ctx)  # a period (or filter) change always reads the table
    assert again["rows"] == [] and "the table was read again" in json.dumps(
        again["alert"].to_plotly_json(), default=str
    )


def test_kpi_cards_show_the_previous_period(ctx, frames):
    # As on the SMS page: each card with the figure of the period of equal length before it (none for all time).
    from i18n import fmt_int, fmt_pct
    from layouts.ids import trx_kpi_card
    from tests.expected import rate, trx_counts, trx_in_period

    out = report(ctx, lang="pl")
    before = trx_counts(trx_in_period(frames, PERIOD.previous()))
    assert before["sent"] > 0
    want = {
        "sent": fmt_int(before["sent"], "pl"),
        "delivered": fmt_int(before["delivered"], "pl"),
        "clicked": fmt_int(before["clicked"], "pl"),
        "ctr": fmt_pct(rate(before["clicked"], before["delivered"]), "pl", 2),
        "ctr_raw": fmt_pct(rate(before["clicked_raw"], before["delivered"]), "pl", 2),
    }
    for key, value in want.items():
        card = find(out["kpis"], lambda c, k=key: getattr(c, "id", None) == trx_kpi_card(k))[0]
        assert f"poprz.: {value}" in texts(card), key
    now = trx_counts(trx_in_period(frames, PERIOD))
    sent_card = find(out["kpis"], lambda c: getattr(c, "id", None) == trx_kpi_card("sent"))[0]
    assert fmt_int(now["sent"], "pl") in texts(sent_card)
    everything = report(ctx, lang="pl", preset="all")
    assert not any(s.startswith("poprz.") for s in texts(everything["kpis"]))


def test_open_rows_are_capped_and_made_up_ones_cost_nothing(ctx, monkeypatch):
    import pytest

    from callbacks.inputs import InputRefused

    keys = [f"label:made-up-{i}" for i in range(trx_cb.MAX_OPEN_ROWS)]
    asked = []
    real_detail = trx_cb.cached_detail
    monkeypatch.setattr(trx_cb, "cached_detail", lambda *a, **kw: asked.append(kw["key"]) or real_detail(*a, **kw))
    out = report(ctx, open_keys=[*keys, "none"][-trx_cb.MAX_OPEN_ROWS :], rows_only=True)
    assert asked == ["none"] and "detail:none" in [r["row_id"] for r in out["rows"]]  # only a row the table has
    with pytest.raises(InputRefused):
        report(ctx, open_keys=[*keys, "none"], rows_only=True)
    opened = []
    for key in [*keys, "none"]:
        opened = trx_cb.toggled(opened, key)
    assert len(opened) == trx_cb.MAX_OPEN_ROWS and opened[-1] == "none" and keys[0] not in opened


def test_detail_shows_operators_and_countries(ctx):
    key = "label:potwierdzenie-zamowienia"
    for lang, heading in (("pl", "Według operatora"), ("en", "By operator")):
        row = trx_cb.detail(ctx, period=PERIOD, key=key, name="potwierdzenie-zamowienia", source=None, lang=lang)
        table = find(row["detail"], lambda n: "ops-by-operator" in (getattr(n, "className", "") or ""))[0]
        assert heading in texts(row["detail"])
        names = [texts(tr)[0] for tr in table.children[1].children]
        assert {"Orange", "Play", "Plus", "T-Mobile"} <= set(names)


@pytest.mark.parametrize("source", [None, "api"])
def test_kpis_show_the_periods_cost_per_currency_as_pandas_sums_it(ctx, frames, source):
    from decimal import Decimal

    from i18n import fmt_int, fmt_money
    from tests.expected import costs

    want = costs(trx_in_period(frames, PERIOD, source))
    assert want["currencies"] and want["unknown"]  # priced messages, and some still without a price
    for lang, title, unknown in (
        ("pl", "Koszt", "cena nieznana: wiadomości {n}"),
        ("en", "Cost", "price unknown: {n} messages"),
    ):
        out = report(ctx, lang=lang, source=source)
        (card,) = find(out["kpis"], lambda c: getattr(c, "id", None) == {"type": "trx-kpi", "index": "cost"})
        text = " ".join(texts(card))
        assert title in text and unknown.format(n=fmt_int(want["unknown"], lang)) in text
        for currency, w in want["currencies"].items():
            assert fmt_money(Decimal(f"{w['cost']:.6f}"), currency, lang) in text
    # a period without a price: no cost card
    empty = report(ctx, start="2020-01-01", end="2020-01-31", lang="en")
    assert not find(empty["kpis"], lambda c: getattr(c, "id", None) == {"type": "trx-kpi", "index": "cost"})


@pytest.mark.parametrize("lang, heading", [("pl", "Czas doręczenia"), ("en", "Time to delivery")])
def test_detail_draws_the_time_to_delivery_histogram_pandas_counts(ctx, frames, lang, heading):
    from data.queries.delivery import CHART_EDGES
    from layouts.delivery import bin_labels
    from tests.expected import delivery_bars, of_campaign

    m = of_campaign(trx_in_period(frames, PERIOD), "potwierdzenie-zamowienia")
    want = delivery_bars(m, len(CHART_EDGES))
    row = trx_cb.detail(ctx, period=PERIOD, key="label:potwierdzenie-zamowienia", name="x", source=None, lang=lang)
    (graph,) = find(row["detail"], lambda n: "ttd-chart" in (getattr(n, "className", "") or ""))
    (bars,) = graph.figure["data"]
    first, last = min(want), max(want)
    labels = bin_labels(__import__("pandas").DataFrame({"bin": list(CHART_EDGES)}), lang)
    assert list(bars["x"]) == labels[first : last + 1]  # from the first bar with a message to the last
    assert list(bars["y"]) == [want.get(k, 0) for k in range(first, last + 1)]
    assert heading in " ".join(texts(row["detail"])) and len(want) > 2
    # the expanded row grows by the chart's height, so the chart is not hidden behind the panel's scroll
    sizes = {"sources": 2, "reasons": 3, "groups": 2, "latest": 5}
    grown = trx_layout.detail_height(**sizes, ttd_chart=True) - trx_layout.detail_height(**sizes)
    assert grown == int(graph.style["height"].removesuffix("px")) > 0
