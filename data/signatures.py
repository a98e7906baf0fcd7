"""The providers' documented checks that a callback is theirs (no Flask: plain values in, True or False out).

- Twilio: `X-Twilio-Signature` is Base64(HMAC-SHA1(auth token, the full URL Twilio requested + every POST
  parameter's name and value, sorted by name, concatenated)) (twilio.com/docs/usage/webhooks/webhooks-security).
- Vonage (Messages API signed webhooks): `Authorization: Bearer <JWT>`, HS256 with the account's signature
  secret; its `payload_hash` claim is the SHA-256 (hex) of the body (developer.vonage.com, "Signed webhooks").
- Infobip and SMSAPI sign nothing: a secret token in the URL's path or as HTTP basic auth's password
  (`data.store.hooks.Hook.token_matches`), plus the hook's allowed networks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl

import jwt

JWT_LEEWAY_S = 300  # clocks differ; an `exp` or `nbf` this far off still counts


def twilio_valid(auth_token: str, url: str, form_body: bytes, signature: str | None) -> bool:
    """Returns True when `signature` is Twilio's for this URL and form body (form-encoded POST parameters)."""
    if not signature:
        return False
    params = parse_qsl(form_body.decode("utf-8", "replace"), keep_blank_values=True)
    text = url + "".join(k + v for k, v in sorted(params, key=lambda kv: kv[0]))
    digest = hmac.new(auth_token.encode("utf-8"), text.encode("utf-8"), hashlib.sha1).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode("ascii"), signature.strip())


def vonage_valid(signature_secret: str, body: bytes, authorization: str | None) -> bool:
    """Returns True when the bearer JWT is signed (HS256) with the signature secret and its payload_hash is
    the body's SHA-256."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    try:
        claims = jwt.decode(
            token.strip(), signature_secret, algorithms=["HS256"], leeway=JWT_LEEWAY_S, options={"verify_aud": False}
        )
    except jwt.InvalidTokenError:
        return False
    expected = claims.get("payload_hash")
    if not isinstance(expected, str):
        return False
    return hmac.compare_digest(expected.lower(), hashlib.sha256(body).hexdigest())


def bearer_token(authorization: str | None) -> str | None:
    """Returns the token of an `Authorization: Bearer ...` header, or None."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None
