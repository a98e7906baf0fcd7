"""Each provider's callback, authenticated as the provider documents it; the signature is built here with hmac,
hashlib and jwt directly (not with the app's own check), and wrong or missing ones are refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

import jwt
import pyarrow.parquet as pq
import pytest

from app import create_app
from config import Config
from data.compactor import compact
from data.ingest.core import Options
from data.lake import Lake
from data.store.hooks import HookStore
from data.store.sqlite import store_path
from tests.conftest import TZ
from tests.faults.conftest import copy_data

TWILIO_TOKEN = "12345678901234567890123456789012"
VONAGE_SECRET = "vonage-signature-secret-0123456789abcdef"
PATH_TOKEN = "s3cr3t-path-token"
TWILIO_FORM = {
    "MessageSid": "SM00000000000000000000000000000099",
    "SmsSid": "SM00000000000000000000000000000099",
    "MessageStatus": "delivered",
    "SmsStatus": "delivered",
    "To": "+48601300099",
    "From": "+48799000111",
    "AccountSid": "AC00000000000000000000000000000000",
    "ApiVersion": "2010-04-01",
    "RawDlrDoneDate": "2611191000",
}
VONAGE_BODY = {
    "message_uuid": "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab",
    "to": "48601600099",
    "from": "SKLEP",
    "timestamp": "2026-11-19T10:00:05Z",
    "status": "delivered",
    "channel": "sms",
}
INFOBIP_BODY = {
    "results": [
        {
            "messageId": "3000000000000000099",
            "to": "48601400099",
            "sender": "SKLEP",
            "sentAt": "2026-11-19T10:00:00.000+0000",
            "doneAt": "2026-11-19T10:00:05.000+0000",
            "messageCount": 1,
            "status": {"groupId": 3, "groupName": "DELIVERED", "id": 5, "name": "DELIVERED_TO_HANDSET"},
            "error": {"groupId": 0, "groupName": "OK", "id": 0, "name": "NO_ERROR", "permanent": False},
        }
    ]
}
SMSAPI_QUERY = {
    "MsgId": "68F0A1B20000000000000099",
    "status": "404",
    "idx": "",
    "donedate": str(int(time.mktime((2026, 11, 19, 10, 0, 5, 0, 0, 0)))),
    "username": "sklep",
    "to": "48601500099",
    "status_name": "DELIVERED",
}


@pytest.fixture
def signed(demo_dir, tmp_path):
    data_dir = copy_data(demo_dir, tmp_path / "data")
    hooks = HookStore(store_path(data_dir))
    hooks.add("twilio", TWILIO_TOKEN)
    hooks.add("vonage", VONAGE_SECRET)
    hooks.add("infobip", PATH_TOKEN)
    hooks.add("smsapi", PATH_TOKEN, networks=("10.0.0.0/8",))
    app = create_app(Config(data_dir=data_dir, timezone=TZ))
    return data_dir, app.server.test_client()


def twilio_signature(token: str, url: str, params: dict) -> str:
    """Twilio's documented scheme: Base64(HMAC-SHA1(token, url + each name and value, sorted by name))."""
    text = url + "".join(k + params[k] for k in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), text.encode(), hashlib.sha1).digest()).decode()


def vonage_jwt(secret: str, body: bytes, **claims) -> str:
    """Vonage's signed webhook: an HS256 JWT whose payload_hash is the body's SHA-256."""
    payload = {
        "iat": int(time.time()),
        "jti": "x",
        "api_key": "abcd1234",
        "payload_hash": hashlib.sha256(body).hexdigest(),
    }
    return jwt.encode({**payload, **claims}, secret, algorithm="HS256")


def lake_status(data_dir, provider_message_id: str) -> str | None:
    for path in Lake(data_dir / "lake").messages_dir.glob("month=*/*.parquet"):
        for row in pq.read_table(path, columns=["provider_message_id", "status"]).to_pylist():
            if row["provider_message_id"] == provider_message_id:
                return row["status"]
    return None


def test_twilio_signed_callback(signed):
    data_dir, client = signed
    url = "http://localhost/hooks/twilio"
    body = urlencode(TWILIO_FORM)
    good = twilio_signature(TWILIO_TOKEN, url, TWILIO_FORM)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert client.post("/hooks/twilio", data=body, headers={**form, "X-Twilio-Signature": good}).status_code == 200
    other_url = twilio_signature(TWILIO_TOKEN, "https://example.com/hooks/twilio", TWILIO_FORM)
    tampered = urlencode({**TWILIO_FORM, "MessageStatus": "failed"})
    wrong_key = twilio_signature("0" * 32, url, TWILIO_FORM)
    for data, sig in ((body, other_url), (tampered, good), (body, wrong_key), (body, None)):
        headers = {**form, **({"X-Twilio-Signature": sig} if sig else {})}
        assert client.post("/hooks/twilio", data=data, headers=headers).status_code == 403
    compact(data_dir, options=Options(tz=TZ), report_tz=TZ)
    assert lake_status(data_dir, TWILIO_FORM["MessageSid"]) == "delivered"


def test_vonage_signed_callback(signed):
    data_dir, client = signed
    body = json.dumps(VONAGE_BODY).encode()
    ok = client.post("/hooks/vonage", data=body, headers={"Authorization": f"Bearer {vonage_jwt(VONAGE_SECRET, body)}"})
    assert ok.status_code == 200, ok.text
    other = json.dumps({**VONAGE_BODY, "status": "rejected"}).encode()
    for token in (
        vonage_jwt(VONAGE_SECRET, other),  # signed, but for another body
        vonage_jwt("another-secret-of-enough-length-000000", body),
        vonage_jwt(VONAGE_SECRET, body, exp=int(time.time()) - 3600),  # expired
        jwt.encode({"payload_hash": hashlib.sha256(body).hexdigest()}, VONAGE_SECRET, algorithm="HS512"),
        jwt.encode({"iat": int(time.time())}, VONAGE_SECRET, algorithm="HS256"),  # no payload_hash
    ):
        assert client.post("/hooks/vonage", data=body, headers={"Authorization": f"Bearer {token}"}).status_code == 403
    assert client.post("/hooks/vonage", data=body).status_code == 403
    compact(data_dir, options=Options(tz=TZ), report_tz=TZ)
    assert lake_status(data_dir, VONAGE_BODY["message_uuid"]) == "delivered"


def test_infobip_token_in_path_or_basic_auth(signed):
    data_dir, client = signed
    body = json.dumps(INFOBIP_BODY)
    assert client.post(f"/hooks/infobip/{PATH_TOKEN}", data=body).status_code == 200
    basic = base64.b64encode(f"infobip:{PATH_TOKEN}".encode()).decode()
    assert client.post("/hooks/infobip", data=body, headers={"Authorization": f"Basic {basic}"}).status_code == 200
    assert client.post("/hooks/infobip/wrong", data=body).status_code == 403
    assert client.post("/hooks/infobip", data=body).status_code == 403
    wrong = base64.b64encode(b"infobip:nope").decode()
    assert client.post("/hooks/infobip", data=body, headers={"Authorization": f"Basic {wrong}"}).status_code == 403
    compact(data_dir, options=Options(tz=TZ), report_tz=TZ)
    assert lake_status(data_dir, "3000000000000000099") == "delivered"


def test_smsapi_get_callback_from_an_allowed_network_only(signed):
    data_dir, client = signed
    query = urlencode(SMSAPI_QUERY)
    assert client.get(f"/hooks/smsapi/{PATH_TOKEN}?{query}").status_code == 403  # 127.0.0.1 is not in 10/8
    inside = {"REMOTE_ADDR": "10.1.2.3"}
    response = client.get(f"/hooks/smsapi/{PATH_TOKEN}?{query}", environ_base=inside)
    assert response.status_code == 200 and response.text == "OK"
    assert client.get(f"/hooks/smsapi/wrong?{query}", environ_base=inside).status_code == 403
    assert client.get(f"/hooks/smsapi/{PATH_TOKEN}?nothing=here", environ_base=inside).status_code == 400
    assert client.get(f"/hooks/infobip/{PATH_TOKEN}?{query}").status_code == 405  # Infobip posts
    compact(data_dir, options=Options(tz=TZ), report_tz=TZ)
    assert lake_status(data_dir, SMSAPI_QUERY["MsgId"]) == "delivered"
