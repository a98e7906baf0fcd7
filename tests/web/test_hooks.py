"""Provider callbacks over HTTP (Flask test client): bearer tokens, the spool, 400/403/503, the hooks CLI."""

from __future__ import annotations

import errno
import json
import re

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import data.spool
from app import create_app
from cli import cli
from config import Config
from data.compactor import compact, last_compaction
from data.ingest.core import Options
from data.lake import Lake
from data.spool import read_segment
from data.store.audit import AccessAudit
from data.store.sqlite import store_path
from tests.conftest import TZ
from tests.faults.conftest import copy_data

NEW = {
    "message_id": "live-0001",
    "provider": "smsapi",
    "source": "api",
    "msisdn": "+48601100001",
    "created_at": "2026-11-19T10:00:00+01:00",
    "status": "pending",
}
DONE = {"message_id": "live-0001", "status": "delivered", "done_at": "2026-11-19T10:00:09+01:00"}


def lines(*records) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def run(args, data_dir, stdin: str | None = None):
    env = {"SMSREPORTS_DATA_DIR": str(data_dir), "SMSREPORTS_TIMEZONE": TZ}
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, input=stdin, catch_exceptions=False)


@pytest.fixture
def hooked(demo_dir, tmp_path):
    """(data dir, app, canonical token, clicks token): a copy of the demo lake with both bearer hooks set."""
    data_dir = copy_data(demo_dir, tmp_path / "data")
    tokens = {}
    for provider in ("canonical", "clicks"):
        result = run(["hooks", "add", provider], data_dir)
        assert result.exit_code == 0, result.output
        tokens[provider] = result.stdout.strip()
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", tokens[provider])
    app = create_app(Config(data_dir=data_dir, timezone=TZ))
    return data_dir, app, tokens["canonical"], tokens["clicks"]


def spooled(data_dir) -> list:
    found = []
    for path in sorted((data_dir / "spool").glob("*.open")) + sorted((data_dir / "spool").glob("*.ready")):
        found += read_segment(path)[0]
    return found


def lake_row(data_dir, message_id: str) -> dict | None:
    for path in Lake(data_dir / "lake").messages_dir.glob("month=*/*.parquet"):
        rows = [r for r in pq.read_table(path).to_pylist() if r["message_id"] == message_id]
        if rows:
            return rows[0]
    return None


def test_a_callback_is_acknowledged_once_spooled_and_compacted_into_the_lake(hooked):
    data_dir, app, token, _ = hooked
    client = app.server.test_client()
    body = lines(NEW, DONE)
    response = client.post("/hooks/canonical", data=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers  # no browser session, no CSRF token needed
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    [entry] = spooled(data_dir)
    assert entry.provider == "canonical" and entry.body == body and entry.at.endswith("+00:00")
    assert lake_row(data_dir, "live-0001") is None  # not before the compactor ran

    done = compact(data_dir, options=Options(tz=TZ), report_tz=TZ)
    assert done.callbacks == 1 and done.months == ["2026-11"]
    row = lake_row(data_dir, "live-0001")
    assert row["status"] == "delivered" and row["source"] == "api" and row["msisdn"] == "+48601100001"
    assert spooled(data_dir) == [] and not list((data_dir / "spool").glob("*.ready"))
    assert last_compaction(data_dir) is not None


def test_refused_callbacks_are_counted_logged_and_never_spooled(hooked):
    data_dir, app, token, clicks_token = hooked
    client = app.server.test_client()
    body = lines(NEW)
    assert client.post("/hooks/canonical", data=body).status_code == 403
    assert client.post("/hooks/canonical", data=body, headers={"Authorization": "Bearer wrong"}).status_code == 403
    # one hook's token opens no other hook, and never in the path
    assert (
        client.post("/hooks/canonical", data=body, headers={"Authorization": f"Bearer {clicks_token}"}).status_code
        == 403
    )
    assert client.post(f"/hooks/canonical/{token}", data=body).status_code == 403
    assert client.post("/hooks/twilio", data=b"MessageSid=SM1&MessageStatus=sent").status_code == 403  # no secret set
    assert spooled(data_dir) == []
    listed = run(["hooks", "list"], data_dir).stdout
    assert re.search(r"canonical: set .*refused 4, last ", listed)
    assert token not in listed and clicks_token not in listed
    audit = AccessAudit(store_path(data_dir)).audit(limit=10, action="hook")
    assert len(audit) == 5 and set(audit["outcome"]) == {"denied"}
    assert token not in " ".join(audit["target"]) and "token in the path" in set(audit["detail"])


def test_a_malformed_callback_is_400_and_quarantined_with_its_raw_body(hooked):
    data_dir, app, token, clicks_token = hooked
    client = app.server.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    for body, why in (
        (b"message_id;status\nx;delivered\n", "invalid JSON"),
        (lines({"message_id": "live-9"}), "no status"),
        (lines({**NEW, "created_at": "2099-01-01T00:00:00Z"}), "in the future"),
        (b"", "empty body"),
    ):
        response = client.post("/hooks/canonical", data=body, headers=auth)
        assert response.status_code == 400 and why in response.text, (body, response.text)
    response = client.post(
        "/hooks/clicks",
        data=b'{"clicked_at": "2026-11-19T10:00:00Z"}\n',
        headers={"Authorization": f"Bearer {clicks_token}"},
    )
    assert response.status_code == 400
    assert spooled(data_dir) == []
    quarantined = [json.loads(x) for p in (data_dir / "quarantine").glob("*.jsonl") for x in p.read_text().splitlines()]
    assert {q["raw"] for q in quarantined} >= {
        "message_id;status\nx;delivered\n",
        lines({"message_id": "live-9"}).decode(),
    }


def test_a_callback_that_cannot_be_stored_is_503_and_leaves_no_partial_line(hooked, monkeypatch):
    data_dir, app, token, _ = hooked
    client = app.server.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    real_fsync = data.spool.os.fsync

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(data.spool.os, "fsync", full)
    response = client.post("/hooks/canonical", data=lines(NEW), headers=auth)
    assert response.status_code == 503 and response.headers["Retry-After"]
    monkeypatch.setattr(data.spool.os, "fsync", real_fsync)
    assert client.post("/hooks/canonical", data=lines(DONE), headers=auth).status_code == 200
    [entry] = spooled(data_dir)  # the refused one was taken back
    assert json.loads(entry.body)["status"] == "delivered"


def test_clicks_hook_and_hooks_cli(hooked):
    data_dir, app, _, clicks_token = hooked
    client = app.server.test_client()
    click = {"message_id": "live-0001", "clicked_at": "2026-11-19T10:05:00+01:00", "user_agent": "Mozilla/5.0"}
    response = client.post("/hooks/clicks", data=lines(click), headers={"Authorization": f"Bearer {clicks_token}"})
    assert response.status_code == 200
    assert run(["hooks", "add", "twilio", "--network", "10.0.0.0/8"], data_dir, stdin="auth-token\n").exit_code == 0
    assert "twilio: set" in run(["hooks", "list"], data_dir).stdout
    assert "auth-token" not in run(["hooks", "list", "--json"], data_dir).stdout
    bad = run(["hooks", "add", "twilio", "--network", "nonsense"], data_dir, stdin="x\n")
    assert bad.exit_code == 2 and "not an address or network" in bad.stderr
    assert run(["hooks", "add", "nobody", "--secret", "x"], data_dir).exit_code == 2
    assert run(["hooks", "remove", "twilio"], data_dir).exit_code == 0
    assert run(["hooks", "remove", "twilio"], data_dir).exit_code == 2
    assert "twilio" not in run(["hooks", "list"], data_dir).stdout
