"""The load test's short form: 50 simulated users, logged in as a viewer, an analyst or an admin, for 15 s
against gunicorn with 2 workers, no errors (`make loadtest` runs the 2-minute form; no timing thresholds here)."""

from __future__ import annotations

import pytest

from bench.load import run

pytestmark = pytest.mark.slow


def test_fifty_users_get_no_errors(data_copy):
    figures = run(data_copy, users=50, duration_s=15, workers=2, think_s=1.0)
    assert figures["errors"] == 0, figures["error_samples"]
    assert figures["requests"] > 200
    assert {
        "sms period",
        "sms grid rows",
        "sms details",
        "trx period",
        "trx open row",
        "page switch",
        "page load",
        "numbers download",
    } <= set(figures["by_interaction"])
    assert figures["roles"] == ["admin", "analyst", "viewer"]
    assert len(figures["worker_rss_mb_before"]) == 2 and len(figures["worker_rss_mb_after"]) == 2
    print(figures)
