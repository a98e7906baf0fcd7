"""Provider callbacks over HTTP: `/hooks/<provider>` and `/hooks/<provider>/<token>`.

Outside the log-in, the CSRF check and the browser session (providers cannot log in):
`web/security.py` lets these two endpoints through its central check (HOOK_ENDPOINTS) and
nothing else. Each request is answered in this order:

1. a provider no hook is named after: 404; a method the provider does not use: 405;
2. the provider's check (`data.signatures`; the secret set with `python app.py hooks add`,
   and its allowed networks) fails, or no secret is set: 403, counted in the hook's row,
   and a row in the access log;
3. the body is read with the ingest's parser of the provider's format (`data.hookbodies`; callbacks
   arriving together are parsed together): refused, it is 400 and goes to the quarantine with its raw body;
4. it is appended to the spool and fsync'd (`data.spool`): 200 only then; 503 when it could
   not be stored (the provider sends it again).
"""

from __future__ import annotations

import time
from pathlib import Path

from flask import Flask, Response, current_app, request

from data.hookbodies import Checker, Malformed
from data.ingest.core import Issue, Options
from data.ingest.run import write_quarantine
from data.signatures import bearer_token, twilio_valid, vonage_valid
from data.spool import Entry, Spool, SpoolUnavailable, now_iso
from data.store.hooks import PROVIDERS, Hook, HookStore
from data.store.sqlite import store_path
from web import security
from web.context import AppContext

HOOK_ENDPOINTS = frozenset({"hooks", "hooks_token"})
GET_PROVIDERS = frozenset({"vonage", "smsapi"})  # they call with GET and the report in the query string
PATH_TOKEN = frozenset({"infobip", "smsapi"})
CACHE_S = 2.0  # how long a process trusts what it read of the hooks table


class _Hooks:
    """The hooks table as one process reads it (cached for CACHE_S, so a callback costs no store read)."""

    def __init__(self, store: HookStore):
        self.store = store
        self._at = 0.0
        self._hooks: dict[str, Hook] = {}

    def get(self, provider: str) -> Hook | None:
        if time.monotonic() - self._at > CACHE_S:
            self._hooks = {h.provider: h for h in self.store.all()}
            self._at = time.monotonic()
        return self._hooks.get(provider)


def authentic(hook: Hook | None, provider: str, path_token: str | None, body: bytes) -> str | None:
    """Returns why the request is not the provider's (None when it is)."""
    if hook is None:
        return "no secret set (python app.py hooks add)"
    if not hook.allows_address(security.client_address()):
        return "address not in the hook's networks"
    authorization = request.headers.get("Authorization")
    if provider == "twilio":
        ok = twilio_valid(hook.secret, request.url, body, request.headers.get("X-Twilio-Signature"))
        return None if ok else "bad or missing X-Twilio-Signature"
    if provider == "vonage":
        return None if vonage_valid(hook.secret, body, authorization) else "bad or missing signed JWT"
    if provider in PATH_TOKEN:
        basic = request.authorization
        token = path_token or (basic.password if basic is not None and basic.type == "basic" else None)
        return None if hook.token_matches(token) else "bad or missing token"
    if path_token is not None:  # canonical and clicks: a bearer token only, never in an address that gets logged
        return "token in the path"
    return None if hook.token_matches(bearer_token(authorization)) else "bad or missing bearer token"


def register(server: Flask, ctx: AppContext) -> None:
    """Adds the hook routes to the Flask server of a Dash app."""
    data_dir = Path(ctx.config.data_dir)
    spool = Spool(data_dir)
    hooks = _Hooks(HookStore(store_path(data_dir), timeout_s=ctx.config.store_timeout_s))
    checker = Checker(
        Options(tz=ctx.config.timezone, region=ctx.config.default_region, optout_keywords=ctx.config.optout_keywords),
        spool.dir,
    )

    def receive(provider: str, token: str | None = None) -> Response:
        provider = provider.lower()
        if provider not in PROVIDERS:
            return Response("no such hook\n", status=404, mimetype="text/plain")
        if request.method == "GET" and provider not in GET_PROVIDERS:
            return Response("POST only\n", status=405, mimetype="text/plain", headers={"Allow": "POST"})
        body = request.query_string if request.method == "GET" else request.get_data(cache=False)
        why = authentic(hooks.get(provider), provider, token, body)
        if why is not None:
            _refused(hooks.store, provider, why)
            return Response("forbidden\n", status=403, mimetype="text/plain")
        entry = Entry(now_iso(), provider, body, request.content_type or "")
        try:
            checker.check(entry)
        except Malformed as exc:
            try:
                raw = body.decode("utf-8", "replace")
                write_quarantine(data_dir, f"hook-{provider}", [Issue(f"hook:{provider}", 0, str(exc), raw)])
            except OSError as err:  # not even the quarantine takes it: the provider must send it again
                current_app.logger.error("hook %s: cannot quarantine a malformed callback: %s", provider, err)
                return Response("cannot store\n", status=503, mimetype="text/plain", headers={"Retry-After": "30"})
            current_app.logger.warning("hook %s: malformed callback quarantined: %s", provider, str(exc)[:300])
            return Response(f"malformed: {exc}\n", status=400, mimetype="text/plain")
        except OSError as exc:
            current_app.logger.error("hook %s: cannot check a callback: %s", provider, exc)
            return Response("cannot store\n", status=503, mimetype="text/plain", headers={"Retry-After": "30"})
        try:
            spool.append(entry)
        except SpoolUnavailable as exc:
            current_app.logger.error("hook %s: callback not stored: %s", provider, exc)
            return Response("cannot store\n", status=503, mimetype="text/plain", headers={"Retry-After": "30"})
        return Response("OK", status=200, mimetype="text/plain")  # SMSAPI reads "OK" as received

    server.add_url_rule("/hooks/<provider>", "hooks", receive, methods=["GET", "POST"])
    server.add_url_rule("/hooks/<provider>/<token>", "hooks_token", receive, methods=["GET", "POST"])


def _refused(store: HookStore, provider: str, why: str) -> None:
    try:
        store.count_refused(provider)
    except Exception as exc:  # noqa: BLE001 - the refusal stands; the count is lost, the log says so
        current_app.logger.error("hook %s: refusal not counted: %s", provider, exc)
    # the access log's target never holds a path token
    security.record(
        security.event("hook", who="-", outcome="denied", target=f"/hooks/{provider}", filter={}, detail=why)
    )
