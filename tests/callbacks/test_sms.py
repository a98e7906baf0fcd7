"""SMS page callbacks called as plain functions (no browser)."""

from __future__ import annotations

import datetime as dt

from callbacks import shell as shell_cb
from callbacks import sms as sms_cb
from config import Config
from data.period import Period
from layouts.ids import Shell
from tests.conftest import TZ, UNTIL
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
    assert out["count"] == f"Dispatches in the period: {m['dispatch_id'].nunique()}"
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
    names = [trace["name"] for trace in out["trend"]["data"]]
    assert names == ["Sent", "Delivered", "Sent (previous period)", "CTR"]
    assert out["trend"]["data"][0]["y"] == [float(v) for v in daily(m, period)["sent"]]


def test_inverted_range_is_a_readable_message(ctx):
    out = sms_cb.report(ctx, preset="custom", start="2026-10-05", end="2026-10-01", lang="pl")
    assert "jest późniejsza niż końcowa" in " ".join(texts(out["period_error"]))
    assert out["rows"] == []


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
