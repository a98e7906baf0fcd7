"""The administration page through its plain functions: times in the reporting time zone (issue 16.2)."""

from __future__ import annotations

import pandas as pd
import pytest
from argon2 import PasswordHasher

import data.store.users
from callbacks import admin as admin_cb
from config import Config
from data.store.audit import AuditEvent
from layouts import admin as admin_view
from tests.callbacks.test_sms import texts
from tests.conftest import TZ
from web.context import AppContext


@pytest.fixture
def actx(tmp_path, monkeypatch):
    monkeypatch.setattr(data.store.users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    return AppContext.create(Config(data_dir=tmp_path, timezone=TZ))


def cells(table, column: int) -> list[str]:
    """The texts of one column of a dbc.Table, as a user reads them."""
    body = next(part for part in table.children if type(part).__name__ == "Tbody")
    return [" ".join(texts(tr.children[column])) for tr in body.children]


def test_audit_and_users_show_warsaw_time_with_the_zone_stated(actx):
    users = actx.users()
    users.add("adam", role="admin", password="correct horse")
    assert users.authenticate("adam", "correct horse") is not None  # sets the last log-in
    users.record(AuditEvent(who="adam", role="admin", address="127.0.0.1", action="login"))
    users_table, _sessions, _chain, audit, names = admin_cb.admin_view(actx, action=None, lang="pl")
    assert names == ["adam"]

    stored = users.audit(limit=1).iloc[0]["at"]  # ISO in UTC, as the store keeps it
    assert stored.endswith("+00:00")
    table = next(c for c in audit.children if type(c).__name__ == "Table")
    local = pd.Timestamp(stored).tz_convert(TZ)
    assert cells(table, 0) == [local.strftime("%d.%m.%Y %H:%M:%S")]
    user = users.get("adam")
    assert cells(users_table, 3) == [pd.Timestamp(user.created_at).tz_convert(TZ).strftime("%d.%m.%Y %H:%M")]
    assert cells(users_table, 4) == [pd.Timestamp(user.last_login_at).tz_convert(TZ).strftime("%d.%m.%Y %H:%M")]
    assert "+00:00" not in " ".join(texts(audit) + texts(users_table))
    assert "Strefa czasowa: Europe/Warsaw" in " ".join(texts(admin_view.page("pl", actx.tz)))


def test_audit_times_cross_summer_time_in_both_languages():
    blank = {c: "" for c in admin_view.AUDIT_SHOWN} | {"rows": None, "bytes": None}
    log = pd.DataFrame(
        [
            blank | {"at": "2026-07-01T10:05:09.120+00:00", "who": "anna", "action": "export", "outcome": "ok"},
            blank | {"at": "2026-12-06T11:53:21.000+00:00", "who": "adam", "action": "login", "outcome": "ok"},
        ]
    )
    for lang, expected in (
        ("pl", ["01.07.2026 12:05:09", "06.12.2026 12:53:21"]),
        ("en", ["1 Jul 2026 12:05:09", "6 Dec 2026 12:53:21"]),
    ):
        table = next(c for c in admin_view.audit_table(lang, log, TZ).children if type(c).__name__ == "Table")
        assert cells(table, 0) == expected
