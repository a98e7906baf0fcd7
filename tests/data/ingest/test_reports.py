"""The reports show imported data exactly as they show demo data: an import into an empty
data directory, read through the app's own context and queries."""

from __future__ import annotations

import datetime as dt

import pytest

from config import Config
from data.period import Period
from data.queries import sms as sms_queries
from data.queries import transactional as trx_queries
from data.queries.counts import COUNT_COLUMNS
from tests.data.ingest.conftest import TZ, run
from web.context import AppContext

OCTOBER = Period(dt.date(2025, 10, 1), dt.date(2025, 10, 31), TZ)


@pytest.fixture
def imported(tmp_path):
    data_dir = tmp_path / "data"
    run(data_dir, "canonical.csv", "clicks.csv", rollups="auto")
    return data_dir


@pytest.mark.parametrize("use_rollups", [True, False])
def test_kpis_and_dispatches_of_an_imported_file(imported, use_rollups):
    ctx = AppContext.create(Config(data_dir=imported, timezone=TZ, use_rollups=use_rollups))
    if use_rollups:
        assert ctx.db.rollup_status().fresh  # a new lake gets its rollups with the import
    k, _, _ = sms_queries.period_summary(ctx.db, period=OCTOBER)
    # oct-sale: 2 delivered, 1 undelivered, 1 expired, 1 not sent (invalid number), 1 pending;
    # clicks: c-0001 by a person (and a scanner 4 s after delivery), c-0002 only by a link preview
    assert {c: int(k[c]) for c in COUNT_COLUMNS} == {
        "recipients": 6,
        "sent": 5,
        "delivered": 2,
        "not_sent": 1,
        "not_delivered": 2,
        "pending": 1,
        "clicked": 1,
        "clicks": 1,
    }
    assert k["delivered_pct"] == pytest.approx(2 / 5)
    assert k["ctr"] == pytest.approx(1 / 2)
    rows = sms_queries.dispatch_records(ctx.db, period=OCTOBER)
    assert len(rows) == 1
    d = rows[0]
    assert (d["number"], d["name"], d["recipient_group"], d["sender"]) == (
        1,
        "Wyprzedaż jesienna",
        "Klienci VIP",
        "SKLEP",
    )
    assert d["message_text"].startswith("Wyprzedaż jesienna")
    assert (int(d["recipients"]), int(d["delivered"]), int(d["not_delivered"]), int(d["clicked"])) == (6, 2, 2, 1)
    reasons = sms_queries.dispatch_reasons(ctx.db, dispatch_id="oct-sale")
    assert {(r.status_group, r.reason): int(r.count) for r in reasons.itertuples()} == {
        ("not_delivered", "absent_subscriber"): 1,
        ("not_delivered", "expired_validity"): 1,
        ("not_sent", "invalid_number"): 1,
    }
    trx = trx_queries.trx_kpis(ctx.db, period=OCTOBER).iloc[0]
    assert (int(trx["recipients"]), int(trx["delivered"])) == (2, 2)  # one API message and one test send


def test_a_later_import_updates_the_reports(imported, tmp_path):
    receipt = tmp_path / "late.log"
    receipt.write_text(
        "id:5F1A0006 sub:001 dlvrd:001 submit date:2510201000 done date:2510201003 stat:DELIVRD err:000 text:x\n",
        encoding="utf-8",
    )
    summary = run(
        imported, receipt, provider="smsapi", rollups="auto"
    )  # the pending c-0006, known to SMSAPI as 5F1A0006
    assert summary.messages_updated == 1
    ctx = AppContext.create(Config(data_dir=imported, timezone=TZ))
    assert ctx.db.rollup_status().fresh
    k, _, _ = sms_queries.period_summary(ctx.db, period=OCTOBER)
    assert (int(k["delivered"]), int(k["pending"])) == (3, 0)
