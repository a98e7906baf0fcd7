"""Users, roles, the append-only access audit and the log-in rate limit (data/store/users.py, audit.py; security.py)."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest
from argon2 import PasswordHasher

from config import Config
from data.store.audit import AuditEvent
from data.store.campaigns import CampaignStore
from data.store.sqlite import migrations, store_path
from data.store.users import (
    LOGIN_LIMIT,
    LOGIN_WINDOW_S,
    PENDING_WAIT_S,
    SLOW_BASE_S,
    SLOW_MAX_S,
    UserError,
    UserStore,
    allows,
)
from web import security

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def store(tmp_path):
    return UserStore(store_path(tmp_path), hasher=CHEAP)


def test_add_authenticate_and_change_users(store):
    assert store.count() == 0
    store.add("Ala", role="analyst", password="s3cret-pass")
    assert store.count() == 1 and store.get("ala").name == "Ala"  # names ignore case
    assert store.authenticate("ala", "s3cret-pass").role == "analyst"
    assert store.authenticate("ala", "wrong-pass") is None and store.authenticate("nobody", "s3cret-pass") is None
    raw = sqlite3.connect(store.path).execute("SELECT password FROM users").fetchone()[0]
    assert raw.startswith("$argon2id$") and "s3cret" not in raw
    epoch = store.get("ala").epoch
    assert store.set_role("ala", "viewer").role == "viewer" and store.get("ala").epoch == epoch + 1
    store.set_enabled("ala", False)
    assert store.authenticate("ala", "s3cret-pass") is None
    store.set_enabled("ala", True)
    store.reset_password("ala", "another-pass")
    assert store.authenticate("ala", "another-pass") is not None and store.get("ala").last_login_at


@pytest.mark.parametrize(
    "name, role, password, key",
    [
        ("", "viewer", "longenough", "users.error.name"),
        ("a b", "viewer", "longenough", "users.error.name"),
        ("x" * 65, "viewer", "longenough", "users.error.name"),
        ("ok", "boss", "longenough", "users.error.role"),
        ("ok", "viewer", "short", "users.error.password"),
    ],
)
def test_bad_values_are_refused(store, name, role, password, key):
    with pytest.raises(UserError) as err:
        store.add(name, role=role, password=password)
    assert err.value.key == key


def test_duplicates_and_unknown_users(store):
    store.add("ola", role="viewer", password="longenough")
    with pytest.raises(UserError, match="exists"):
        store.add("OLA", role="admin", password="longenough")
    with pytest.raises(UserError, match="unknown"):
        store.set_role("ghost", "admin")


def test_roles_are_ordered():
    assert allows("admin", "analyst") and allows("analyst", "viewer") and not allows("viewer", "analyst")
    assert not allows(None, "viewer") and not allows("root", "viewer") and not allows("admin", "superuser")


def test_audit_is_append_only(store):
    store.record(
        AuditEvent(
            who="ala",
            role="analyst",
            address="10.0.0.1",
            action="export.numbers",
            filter={"dispatch": "7"},
            rows=3,
            format="csv",
            bytes=99,
            sha256="ab" * 32,
        )
    )
    log = store.audit()
    assert list(log["action"]) == ["export.numbers"] and log.iloc[0]["rows"] == 3
    assert list(store.audit_rows())[0][2] == "ala"
    con = sqlite3.connect(store.path)
    for sql in ("UPDATE access_audit SET rows = 0", "DELETE FROM access_audit"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute(sql)
    assert store.audit(action="export")["who"].tolist() == ["ala"] and store.audit(action="login").empty


def test_rate_limit_per_address_is_strict(store):
    now = 1_000_000.0
    turns = [store.begin_login(f"user{i}", "10.0.0.3", now=now + i) for i in range(LOGIN_LIMIT)]
    assert all(not t.refused and t.wait_s == 0 for t in turns)
    for turn in turns:
        store.end_login(turn, ok=False)
    refused = store.begin_login("someone", "10.0.0.3", now=now + 10)  # five attempts from here within the minute
    assert refused.refused and refused.wait_s == pytest.approx(LOGIN_WINDOW_S - 10)
    assert not store.begin_login("someone", "10.0.0.3", now=now + LOGIN_WINDOW_S + 1).refused  # the minute passed


def test_an_attempt_counts_from_before_its_check_until_it_succeeds(store):
    now = 1_000_000.0
    pending = [store.begin_login("ala", "10.0.0.1", now=now) for _ in range(LOGIN_LIMIT)]
    busy = store.begin_login("ala", "10.0.0.1", now=now)  # five in flight: none of them checked yet
    assert busy.refused and busy.wait_s == PENDING_WAIT_S  # their outcome is known soon: no minute to wait
    for turn in pending:
        store.end_login(turn, ok=True)  # successes no longer count
    assert not store.begin_login("ala", "10.0.0.1", now=now).refused


def test_a_guessed_name_slows_clean_addresses_and_refuses_failing_ones(store):
    now = 1_000_000.0
    for i in range(LOGIN_LIMIT - 1):
        store.end_login(store.begin_login("ala", "10.0.0.1", now=now + i), ok=False)
    store.end_login(store.begin_login("ala", "10.0.0.2", now=now + 5), ok=False)  # the 5th failure for the name
    again = store.begin_login("ALA", "10.0.0.2", now=now + 6)  # an address that failed: refused for the minute
    assert again.refused and again.wait_s == pytest.approx(LOGIN_WINDOW_S - 6)
    clean = store.begin_login("ala", "10.9.9.9", now=now + 6)  # no failures from here: waits its turn, not refused
    assert not clean.refused and clean.wait_s == pytest.approx(SLOW_BASE_S)
    store.end_login(clean, ok=False)
    later = [store.begin_login("ala", f"10.8.0.{i}", now=now + 7) for i in range(4)]  # each in turn, doubling
    waits = [t.wait_s for t in later if not t.refused]
    assert waits == sorted(waits) and waits[1] - waits[0] == pytest.approx(4 * SLOW_BASE_S)
    assert max(waits) <= SLOW_MAX_S and later[-1].refused  # a turn further away than that: refused
    assert not store.begin_login("ola", "10.7.0.1", now=now + 7).refused  # other names are not slowed


def test_store_migrates_an_existing_campaign_database(tmp_path):
    path = store_path(tmp_path)
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 0")
    con.close()
    campaigns = CampaignStore(path)
    cid = campaigns.group(["d1"], name="Kampania", who="local")
    users = UserStore(path, hasher=CHEAP)
    assert (
        campaigns.schema_version() == max(migrations())
        and users.count() == 0
        and list(campaigns.campaigns()["id"]) == [cid]
    )


def test_secret_key_is_made_once_private_and_kept(tmp_path):
    config = Config(data_dir=tmp_path)
    key = security.secret_key(config)
    path = tmp_path / "secret_key"
    assert len(key) >= 40 and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert security.secret_key(config) == key and not list(tmp_path.glob(".secret_key*"))
    assert security.secret_key(config.with_(secret_key="from-env")) == "from-env"


def test_serve_refuses_without_users_unless_local_mode_on_this_computer(tmp_path):
    config = Config(data_dir=tmp_path)
    for host in ("127.0.0.1", "0.0.0.0"):
        with pytest.raises(security.ServeRefused, match="add the first admin"):
            security.check_serve_allowed(config, host)
    local = config.with_(local_mode=True)
    security.check_serve_allowed(local, "127.0.0.1")
    security.check_serve_allowed(local, "localhost")
    with pytest.raises(security.ServeRefused, match="no users defined"):
        security.check_serve_allowed(local, "0.0.0.0")
    UserStore(store_path(tmp_path), hasher=CHEAP).add("ala", role="admin", password="longenough")
    security.check_serve_allowed(config, "0.0.0.0")


def test_settings_from_the_environment():
    from config import ConfigError

    config = Config.from_env({"SMSREPORTS_SESSION_IDLE_HOURS": "0.5", "SMSREPORTS_SECRET_KEY": "s3cr3t-from-env"})
    assert config.session_idle_hours == 0.5 and config.secret_key == "s3cr3t-from-env" and "s3cr3t" not in repr(config)
    with pytest.raises(ConfigError, match="IDLE"):
        Config.from_env({"SMSREPORTS_SESSION_IDLE_HOURS": "-1"})
    with pytest.raises(ConfigError, match="STORE_TIMEOUT"):
        Config.from_env({"SMSREPORTS_STORE_TIMEOUT_S": "soon"})


def test_store_timeout_reaches_both_stores(tmp_path):
    """A change waits SMSREPORTS_STORE_TIMEOUT_S for another writer, in the campaign store and the user store."""
    from web.context import AppContext

    config = Config.from_env({"SMSREPORTS_STORE_TIMEOUT_S": "0.5", "SMSREPORTS_DATA_DIR": str(tmp_path)})
    assert config.store_timeout_s == 0.5
    assert security.user_store(config)._db.timeout_s == 0.5
    assert AppContext(config=config, db=None).store.timeout_s == 0.5


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/transactional?x=1", "/transactional?x=1"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/a\nb", "/"),
        (None, "/"),
    ],
)
def test_log_in_goes_back_to_this_site_only(target, expected):
    assert security._safe_next(target) == expected
