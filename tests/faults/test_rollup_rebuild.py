"""Requests while the rollups are rebuilt get right answers (old rollups, or the raw fallback), never an error."""

from __future__ import annotations

import shutil
import threading

import pytest

from app import create_app
from callbacks import sms as sms_cb
from callbacks import transactional as trx_cb
from data.lake import Lake, transaction
from data.queries import sms as sms_queries
from data.queries import transactional as trx_queries
from data.rollups import build_rollups
from tests.callbacks.test_sms import texts
from tests.conftest import TZ, UNTIL
from web.context import AppContext

pytestmark = pytest.mark.slow

START = "2020-01-01"


def test_requests_during_rollup_rebuilds(copy_config):
    lake = Lake(copy_config.lake_dir)
    ctx = AppContext.create(copy_config)
    period = ctx.period("custom", START, UNTIL.isoformat())
    want = sms_queries.period_summary(ctx.db, period=period)[0].to_dict()
    want_trx = trx_queries.trx_kpis(ctx.db, period=period).iloc[0].to_dict()
    client = create_app(copy_config).server.test_client()

    # Start from no rollups at all (the raw fallback), then rebuild them again and again.
    with transaction(lake) as staging:
        shutil.rmtree(staging.rollups_dir)
    done, failures = threading.Event(), []

    def rebuild():
        try:
            for _ in range(4):
                with transaction(lake) as staging:
                    build_rollups(staging, tz=TZ, threads=1)
        except Exception as exc:  # noqa: BLE001
            failures.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=rebuild)
    worker.start()
    answers = 0
    try:
        while not done.is_set() or answers < 3:
            got = sms_queries.period_summary(ctx.db, period=period)[0].to_dict()
            assert got == want
            assert trx_queries.trx_kpis(ctx.db, period=period).iloc[0].to_dict() == want_trx
            out = sms_cb.report(ctx, preset="custom", start=START, end=UNTIL.isoformat(), lang="en")
            alert = " ".join(texts(out["alert"]))
            assert out["kpis"] is not None and "could not be prepared" not in alert, alert
            trx = trx_cb.report(ctx, preset="custom", start=START, end=UNTIL.isoformat(), lang="en")
            assert trx["kpis"] is not None and "could not be prepared" not in " ".join(texts(trx["alert"]))
            assert client.get("/ready").status_code == 200
            answers += 1
    finally:
        worker.join()
    assert not failures, failures
    assert ctx.db.rollup_status().fresh and sms_queries.period_summary(ctx.db, period=period)[0].to_dict() == want
