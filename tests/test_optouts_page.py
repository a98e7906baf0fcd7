"""Opt-outs where users see them (issue 20): the SMS page's KPI card, grid column and details, the dispatch
CSV and DOCX exports, and the download of the numbers that opted out (analyst role, on record); every figure
against pandas over the Parquet files (tests/expected.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET

import pytest
from docx import Document

from app import create_app
from callbacks import sms as sms_cb
from data.period import Period
from i18n import fmt_int, fmt_pct, t
from layouts.ids import kpi_card
from reports.dispatches import HistoryView, dispatches_csv, dispatches_docx
from tests.callbacks.test_sms import texts
from tests.conftest import TZ, UNTIL
from tests.expected import bulk_in_period, expected_optouts, of_dispatches, optout_replies
from tests.test_access import access_dir, app, last_audit, login, store  # noqa: F401 - the users' fixtures

PERIOD = Period(dt.date(2026, 6, 1), UNTIL, TZ)


def opted_out_dispatch(frames) -> tuple[int, str, set[str]]:
    """The dispatch with the most opt-outs: its number, id and the numbers that opted out (no "+")."""
    replies = optout_replies(frames)
    dispatch_id = replies.groupby("dispatch_id")["message_id"].nunique().idxmax()
    number = int(frames["dispatches"].set_index("dispatch_id").loc[dispatch_id, "number"])
    numbers = set(replies.loc[replies["dispatch_id"] == dispatch_id, "msisdn"].str.lstrip("+"))
    return number, dispatch_id, numbers


@pytest.mark.parametrize("lang,title", [("pl", "Rezygnacje (STOP)"), ("en", "Opt-outs (STOP)")])
def test_kpi_card_grid_column_and_details(ctx, frames, lang, title):
    want = expected_optouts(frames, bulk_in_period(frames, PERIOD))
    out = sms_cb.report(ctx, preset="custom", start=PERIOD.start.isoformat(), end=UNTIL.isoformat(), lang=lang)
    text = " ".join(texts(out["kpis"]))
    assert title in text and fmt_int(want["optouts"], lang) in text
    assert fmt_pct(want["optouts"] / want["delivered"], lang, 2) in text
    card = next(c.children for c in out["kpis"].children if getattr(c.children, "id", None) == kpi_card("optouts"))
    before = expected_optouts(frames, bulk_in_period(frames, PERIOD.previous()))["optouts"]
    assert texts(card)[-1] == t(lang, "kpi.previous", value=fmt_int(before, lang))  # the previous period's
    rows = {r["dispatch_id"]: r for r in out["rows"] if r["kind"] == "dispatch"}
    for dispatch_id, row in rows.items():
        assert row["optouts"] == expected_optouts(frames, of_dispatches(frames, [dispatch_id]))["optouts"]
    number, dispatch_id, numbers = opted_out_dispatch(frames)
    mine = expected_optouts(frames, of_dispatches(frames, [dispatch_id]))
    assert mine["optouts"] == len(numbers) > 0
    _title, body = sms_cb.details(ctx, number=number, lang=lang)
    text = " ".join(texts(body))
    assert title in text and fmt_pct(mine["optouts"] / mine["delivered"], lang, 2) in text
    assert "/export/optouts.csv" in str(body) and "/export/optouts.xml" in str(body)
    _title, body = sms_cb.details(ctx, number=number, lang=lang, can_download=False)
    assert "/export/optouts" not in str(body)


def test_dispatch_csv_and_docx_carry_the_optouts(ctx, frames):
    chunks = b"".join(dispatches_csv(ctx.db, period=PERIOD, lang="en", sep=",", view=HistoryView()))
    rows = list(csv.DictReader(io.StringIO(chunks.decode("utf-8-sig"))))
    numbers = frames["dispatches"].set_index("number")["dispatch_id"]
    assert rows and "Opt-outs" in rows[0] and "Opt-out rate" in rows[0]
    for row in rows:
        want = expected_optouts(frames, of_dispatches(frames, [numbers[int(row["Dispatch no."])]]))
        assert int(row["Opt-outs"]) == want["optouts"]
        if want["delivered"]:
            assert float(row["Opt-out rate"]) == pytest.approx(100 * want["optouts"] / want["delivered"], abs=0.005)
    doc = Document(io.BytesIO(dispatches_docx(ctx.db, period=PERIOD, lang="pl", generated_at=dt.datetime.now(dt.UTC))))
    total = expected_optouts(frames, bulk_in_period(frames, PERIOD))
    words = " ".join(c.text for table in doc.tables for r in table.rows for c in r.cells)
    assert f"Rezygnacje: {fmt_int(total['optouts'], 'pl')}" in words
    assert "Rezygnacje" in [c.text for c in doc.tables[-1].rows[0].cells]


def test_numbers_that_opted_out_download(ctx, frames, config):
    client = create_app(config).server.test_client()
    number, _dispatch_id, numbers = opted_out_dispatch(frames)
    response = client.get(f"/export/optouts.csv?dispatch={number}&lang=pl")
    assert response.status_code == 200 and "optout" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Numer telefonu"] and {r[0] for r in rows[1:]} == numbers
    root = ET.fromstring(client.get(f"/export/optouts.xml?dispatch={number}").data)
    assert root.get("status") == "optout" and root.get("dispatch") == str(number)
    assert {e.findtext("msisdn") for e in root.iter("recipient")} == numbers
    bad = client.get("/export/optouts.csv?dispatch=abc")
    assert bad.status_code == 400 and "Traceback" not in bad.data.decode()


def test_only_analysts_download_them_on_record(request, frames):
    users_app, users = request.getfixturevalue("app"), request.getfixturevalue("store")
    number, _dispatch_id, numbers = opted_out_dispatch(frames)
    url = f"/export/optouts.csv?dispatch={number}&lang=en"
    assert login(users_app, "vera").get(url).status_code == 403
    assert last_audit(users, "denied")["target"] == "/export/optouts.csv"
    response = login(users_app, "anna").get(url)
    assert response.status_code == 200 and response.data  # received whole: its record ends
    row = last_audit(users, "export")
    assert (row["who"], row["action"], row["rows"]) == ("anna", "export.optouts", len(numbers))
    assert json.loads(row["filter"]) == {"dispatch": str(number), "lang": "en"}
