"""Access control for every request: log-in, sessions, roles, CSRF, security headers, the access audit.

One `before_request` hook (`install`) decides every request centrally:

* public endpoints (PUBLIC: log-in, /health, /ready, static files) pass;
* the provider callbacks (HOOKS: `/hooks/...`, web/hooks.py) pass too, without session or CSRF token:
  they check each provider's own signature or token instead;
* everything else needs an account: a logged-in user (signed session cookie, idle
  timeout), or, while no users exist, the implicit local user (loopback clients only);
* the endpoint must be listed in ENDPOINT_ROLES, a Dash callback in OUTPUT_ROLES (every
  output of the callback listed), a page in PAGE_ROLES: what is not listed is refused,
  so routes, callbacks and pages added later are covered by default. A refusal is a
  403 and an audit row.

The user store and audit live in data/users.py; nothing here queries the lake.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from flask import Flask, Response, abort, g, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from config import Config
from data.store.audit import AuditEvent
from data.store.sqlite import store_path
from data.store.users import ROLES, UserStore, allows
from i18n import LANGS, lang_or_default, t
from layouts.ids import Admin, Camp, Live, Sched, Search, Shell, Sms, Trx, View
from web import requests

CSRF_COOKIE = "_csrf_token"  # Dash's renderer reads it and sends it back in CSRF_HEADER
CSRF_HEADER = "X-CSRFToken"
LANG_COOKIE = "smsreports_lang"  # the chosen language: the log-in page, the app's first page and reloads read it
LANG_COOKIE_DAYS = 365
LOCAL = "local"
CACHE_S = 2.0  # how long a process trusts what it read of the users table
SEEN_EVERY_S = 60  # the session's last-seen time is refreshed at most this often
SESSION_KEY = "sid"  # the one thing the session cookie carries (besides the CSRF token's secret)

# What each named capability needs.
CAN = {
    "view": "viewer",
    "numbers": "analyst",
    "campaigns": "analyst",
    "schedules": "analyst",
    "users": "admin",
    "audit": "admin",
}

PUBLIC = {
    "login",
    "health",
    "ready",
    "static",
    "_dash_assets.static",
    "bootstrap_static",
    "/_favicon.ico",
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>",
}
# Provider callbacks: no log-in, session or CSRF (providers cannot log in); web/hooks.py checks each provider's
# signature or token. Nothing else is let through without a session.
HOOKS = frozenset({"hooks", "hooks_token"})
ENDPOINT_ROLES = {
    "/": "viewer",
    "/<path:path>": "viewer",
    "/_dash-layout": "viewer",
    "/_dash-dependencies": "viewer",
    "/_dash-update-component": "viewer",  # and then the callback's own role (OUTPUT_ROLES)
    "/_reload-hash": "viewer",
    "logout": "viewer",
    "export_dispatches": "viewer",
    "export_transactional": "viewer",
    "export_transactional_messages": CAN["numbers"],
    "export_numbers": CAN["numbers"],
    "export_optouts": CAN["numbers"],
    "admin_audit_csv": CAN["audit"],
}
PAGE_ROLES = {
    "/": "viewer",
    "/sms": "viewer",
    "/transactional": "viewer",
    "/schedules": CAN["schedules"],
    "/admin": CAN["users"],
}
# What each report page (SMS, transactional) has a server callback write, by the same names on both pages.
REPORT_OUTPUTS = (
    "PERIOD_RANGE_BOX",
    "PERIOD_RANGE",  # the page's report sets the range picker to the days a preset shows
    "PERIOD_LABEL",
    "PERIOD_ERROR",
    "ALERT",
    "KPIS",
    "TREND",
    "GRID",
    "EXPORT_CSV",
    "EXPORT_DOC",
)


def _outputs(role: str, *ids: str) -> dict[str, str]:
    """Returns each of `ids` mapped to `role`."""
    return dict.fromkeys(ids, role)


# Every component a server callback writes to, and who may have it written: a callback needs
# the highest role of its outputs, and a callback with an unlisted output is refused to all.
OUTPUT_ROLES: dict[str, str] = {
    **_outputs("viewer", Shell.LANG, Shell.NAVBAR, Shell.PAGE, Shell.PERIOD, Shell.LOCAL_BANNER),
    **_outputs("viewer", *(page[name] for page in (Sms, Trx) for name in REPORT_OUTPUTS)),
    **_outputs(
        "viewer",
        Sms.HISTORY_COUNT,
        Sms.HISTORY_EMPTY,
        Sms.DETAILS,
        Sms.DETAILS_TITLE,
        Sms.DETAILS_BODY,
        Sms.PERIOD_VIEWS,  # the period's operators and time to delivery
        Trx.TABLE_COUNT,
        Trx.TABLE_EMPTY,
        Trx.OPEN,
    ),
    # numbers in the search modal are masked for viewers (data.queries.search)
    **_outputs("viewer", Search.MODAL, Search.TITLE, Search.BODY),
    **_outputs(
        "viewer", Camp.FILTER_COUNT, Camp.FILTER_PANEL, Camp.AUDIT, Camp.AUDIT_BODY, Camp.ADD_TARGET, Camp.EXPANDED
    ),
    # the grouping actions change campaigns
    **_outputs(
        CAN["campaigns"],
        Camp.CHANGES,
        Camp.MESSAGE,
        Camp.TOAST,
        Camp.TOAST_TEXT,
        Camp.CONFIRM,
        Camp.CONFIRM_BODY,
        Camp.PENDING,
    ),
    **_outputs(CAN["users"], Admin.USERS, Admin.CHANGE_USER, Admin.MESSAGE, Admin.NEW_PASSWORD, Admin.SESSIONS),
    **_outputs(CAN["audit"], Admin.AUDIT, Admin.AUDIT_CSV, Admin.CHAIN),
    # reports by e-mail: analysts and admins add, list and remove them
    **_outputs(CAN["schedules"], Sched.DAY, Sched.VIEW, Sched.LIST, Sched.MESSAGE),
    **_outputs(
        "viewer", Live.SMS_TIMER, Live.SMS_AS_OF, Live.SMS_VERSION, Live.TRX_TIMER, Live.TRX_AS_OF, Live.TRX_VERSION
    ),
    # a report page's view (callbacks/view_state.py): its address, its open details, saved views (each
    # user their own; only an admin shares, checked when saving); each removes their own views, an admin
    # shared ones too (checked when removing)
    **_outputs(
        "viewer",
        Shell.URL,
        View.LAST,
        View.COPY,
        View.COPY_DIALOG,
        View.SMS_DETAIL,
        View.MESSAGE,
        View.MENU,
        View.REMOVED,
        "view-query",  # layouts.ids.view_query(page)
    ),
}
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
_SCRIPT_RE = re.compile(rb"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)


class ServeRefused(RuntimeError):
    """`serve` must not start as asked; the text says why in one line."""


@dataclass(frozen=True)
class Account:
    """Who makes a request: a user (name, role) or the implicit local user of local mode."""

    name: str
    role: str
    local: bool = False

    def can(self, capability: str) -> bool:
        """Tells whether this account has a capability of CAN (view, numbers, campaigns, users, audit)."""
        return allows(self.role, CAN[capability])


LOCAL_ACCOUNT = Account(LOCAL, "admin", local=True)


# ------------------------------------------------------------------ start-up checks
def is_loopback(host: str | None) -> bool:
    """Tells whether an address (or host name) is this machine only."""
    host = (host or "").strip()
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_serve_allowed(config: Config, host: str) -> None:
    """Raises ServeRefused when `serve` must not start: no users exist and local mode was not asked for
    (`serve --local`), or it was and `host` is not a loopback address (local mode is for this machine only)."""
    if user_store(config).count() > 0:
        return
    if not config.local_mode:
        raise ServeRefused(
            "no users defined: add the first admin with 'python app.py users add NAME --role admin' "
            "(or run 'serve --local' to use the app on this computer without log-in)"
        )
    if not is_loopback(host):
        raise ServeRefused(
            f"no users defined: refusing to serve on {host} without log-in; add one with "
            f"'python app.py users add NAME --role admin', or bind to 127.0.0.1 (local mode)"
        )


def user_store(config: Config) -> UserStore:
    """Returns the user store of the data directory."""
    return UserStore(store_path(config.data_dir), timeout_s=config.store_timeout_s)


def secret_key(config: Config) -> str:
    """Returns SMSREPORTS_SECRET_KEY, or the key kept in the data directory (created once, mode 0600,
    written atomically so processes starting together agree on one key)."""
    if config.secret_key:
        return config.secret_key
    path = Path(config.data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)  # fails if another process was first: its key wins
            except FileExistsError:
                pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()


# --------------------------------------------------------------------- accounts
class _Users:
    """The user store, with how many users exist remembered for CACHE_S (local mode asks on each request)."""

    def __init__(self, store: UserStore):
        self.store = store
        self._lock = threading.Lock()
        self._count: tuple[float, int] | None = None

    def count(self) -> int:
        now = time.monotonic()
        with self._lock:
            if self._count and now - self._count[0] < CACHE_S:
                return self._count[1]
        value = self.store.count()
        with self._lock:
            self._count = (now, value)
        return value


def current_account() -> Account | None:
    """Returns the account of the request being served (None outside a request or before the check)."""
    try:
        return g.get("account")
    except RuntimeError:
        return None


def can(capability: str) -> bool:
    """Tells whether the current request's account has a capability; True outside a request (CLI, tests)."""
    account = current_account()
    if account is None:
        return not _in_request()
    return account.can(capability)


def account_view() -> dict | None:
    """Returns what pages need to know of the current account (None outside a request): name, role, local,
    its capabilities (admin, campaigns, numbers), which pages it opens, and the CSRF token for the log-out form."""
    account = current_account()
    if account is None:
        return None
    return {
        "name": account.name,
        "role": account.role,
        "local": account.local,
        "admin": account.can("users"),
        "campaigns": account.can("campaigns"),
        "numbers": account.can("numbers"),
        "pages": {path: allows(account.role, role) for path, role in PAGE_ROLES.items()},
        "csrf_token": generate_csrf(),
    }


def client_address() -> str:
    """Returns the address the request came from."""
    return request.remote_addr or ""


def request_filter() -> dict[str, str]:
    """Returns the request's query arguments (what a download was asked for)."""
    return {k: v[:500] for k, v in request.args.items()}


def event(action: str, **values) -> AuditEvent:
    """Returns an audit event of the current request: who, role, address, target and filter filled in."""
    account = current_account()
    base = {
        "who": account.name if account else (values.pop("who", None) or "-"),
        "role": account.role if account else "-",
        "address": client_address(),
        "action": action,
        "target": request.path,
        "filter": request_filter(),
    }
    base.update(values)
    return AuditEvent(**base)


def audit_store() -> UserStore:
    """Returns the store the current app writes its audit to (keep it for writing after the request, e.g. a stream's end)."""
    return _state().users.store


def record(evt: AuditEvent, store: UserStore | None = None) -> None:
    """Writes an audit event (a failure to write is logged, never raised into the response)."""
    try:
        (store or audit_store()).record(evt)
    except Exception as exc:  # noqa: BLE001
        import logging

        logging.getLogger(__name__).error("audit write failed: %s (%s)", exc, evt)


@dataclass
class _AppState:
    users: _Users
    idle_s: float
    output_roles: dict[str, str | None]
    default_lang: str
    local_mode: bool = False
    callbacks: dict = field(default_factory=dict)  # the app's callback map: what each callback's request holds


def _state() -> _AppState:
    from flask import current_app

    return current_app.extensions["smsreports_security"]


class _Sessions(SecureCookieSessionInterface):
    """Signed cookie sessions: HttpOnly, SameSite=Strict, Secure when the request came over HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        return request.is_secure

    def get_cookie_samesite(self, app) -> str:
        return "Strict"

    def get_cookie_httponly(self, app) -> bool:
        return True


def _local_mode(state: _AppState) -> bool:
    """Tells whether the app runs in local mode now: asked for (`serve --local`) and no users exist."""
    return state.local_mode and state.users.count() == 0


def _account_of_request(state: _AppState) -> Account | None:
    if _local_mode(state):
        return LOCAL_ACCOUNT if is_loopback(client_address()) else None
    token = session.get(SESSION_KEY)
    if not token:
        return None
    sessions = state.users.store.sessions
    found = sessions.find(token)
    now = time.time()
    if found is None or not found.enabled or found.role not in ROLES:
        session.clear()
        return None
    if now - found.last_seen > state.idle_s:
        _quietly(lambda: sessions.end(found.id))
        session.clear()
        return None
    if now - found.last_seen > SEEN_EVERY_S:
        _quietly(lambda: sessions.touch(found.id, now=now))
        session.modified = True  # the cookie is sent again, its expiry (the idle time) counted from now
    g.session_id = found.id
    return Account(found.user, found.role)


def _quietly(write) -> None:
    """Runs a store write whose failure must not fail the request (a session's last-seen time); logs it."""
    try:
        write()
    except Exception as exc:  # noqa: BLE001
        import logging

        logging.getLogger(__name__).warning("session store write failed: %s", exc)


def callback_role(output_key: str, callback_map: dict) -> str | None:
    """Returns the role a Dash callback (its output key) needs: the highest of its outputs' roles;
    None when an output is not listed in OUTPUT_ROLES (nobody may call it)."""
    from dash._utils import split_callback_id

    if output_key not in callback_map:
        return None
    needed = "viewer"
    parts = split_callback_id(output_key)
    for part in parts if isinstance(parts, list) else [parts]:
        cid = part["id"]
        if isinstance(cid, str) and cid.startswith("{"):
            import json

            try:
                cid = json.loads(cid).get("type", "")
            except ValueError:
                return None
        role = OUTPUT_ROLES.get(cid)
        if role is None:
            return None
        needed = max(needed, role, key=ROLES.index)
    return needed


def _denied(account: Account | None, what: str, needed: str | None) -> Response:
    record(
        event(
            "denied",
            who=account.name if account else "-",
            outcome="denied",
            detail=f"{what} needs {needed or 'nobody'}",
        )
    )
    abort(Response(t(request_lang(), "access.denied"), status=403, mimetype="text/plain"))


def _check_request():
    state = _state()
    endpoint = request.endpoint
    g.account = None
    if endpoint in PUBLIC or endpoint in HOOKS:
        return None
    account = _account_of_request(state)
    if account is None:
        if _local_mode(state):  # local mode for loopback clients only
            return Response(t(state.default_lang, "access.local_only"), status=403, mimetype="text/plain")
        if request.method == "GET" and endpoint in ("/", "/<path:path>"):
            target = request.full_path.rstrip("?")
            return redirect("/login?" + urlencode({"next": target}))
        return Response(t(request_lang(), "access.login_needed"), status=401, mimetype="text/plain")
    g.account = account
    needed = ENDPOINT_ROLES.get(endpoint)
    what = endpoint or request.path
    if needed is not None and endpoint == "/_dash-update-component":
        try:  # read here, before Dash: a body no page sends is bad input (400), never a 500 inside Dash
            body = requests.parse_json(request.get_data(cache=True))
            output = requests.callback_output(body)
            needed = state.output_roles.get(output)
            what = f"callback {output[:200]}"
            if needed is not None and allows(account.role, needed):
                requests.check_callback(body, state.callbacks[output])
        except requests.MalformedRequest as exc:
            return bad_request(str(exc))
    if needed is None or not allows(account.role, needed):
        _denied(account, what, needed)
    return None


def bad_request(why: str, *, status: int = 400, key: str = "error.bad_request") -> Response:
    """Returns the answer to a request no page of the app sends: `status` with a short message in the request's
    language, and one line in the server log (no traceback: anyone can send these)."""
    from flask import current_app

    why = why.encode("utf-8", "backslashreplace").decode("utf-8")  # a forged text may hold lone surrogates
    current_app.logger.warning("bad request %s %s: %s", request.method, request.path[:200], why[:300])
    return Response(t(lang_or_default(request.args.get("lang")), key, error=why), status=status, mimetype="text/plain")


def _in_request() -> bool:
    try:
        request.path  # noqa: B018
        return True
    except RuntimeError:
        return False


# ------------------------------------------------------------------ language
def request_lang() -> str:
    """Returns the language of the current request: its `lang` argument or form field, else the language cookie,
    else the app's default (also outside a request)."""
    if not _in_request():
        return lang_or_default(None)
    for asked in (request.values.get("lang"), request.cookies.get(LANG_COOKIE)):
        if asked in LANGS:
            return asked
    try:
        return lang_or_default(_state().default_lang)
    except (KeyError, RuntimeError):  # before install(): no state yet
        return lang_or_default(None)


def remember_lang(lang: str) -> None:
    """Keeps `lang` in the language cookie of the current response (nothing outside a request, or for an unknown
    language), so the next page, a reload and the log-in page open in it."""
    from flask import after_this_request

    if not _in_request() or lang_or_default(lang) != lang or request.cookies.get(LANG_COOKIE) == lang:
        return

    @after_this_request
    def _set(response: Response) -> Response:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=LANG_COOKIE_DAYS * 86400,
            secure=request.is_secure,
            httponly=True,
            samesite="Lax",
        )
        return response


# ------------------------------------------------------------------- headers
def _script_hashes(body: bytes) -> list[str]:
    hashes = []
    for match in _SCRIPT_RE.finditer(body):
        attrs = match.group("attrs").lower()
        if b"src=" in attrs or b"application/json" in attrs:
            continue
        digest = base64.b64encode(hashlib.sha256(match.group("body")).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
    return sorted(set(hashes))


def content_security_policy(script_hashes: list[str] | None = None) -> str:
    """Returns the CSP of a response; `script_hashes` allow the page's own inline scripts (Dash's renderer start)."""
    scripts = " ".join(["'self'", *(script_hashes or [])])
    return "; ".join(
        [
            "default-src 'self'",
            # No 'unsafe-eval' and no 'unsafe-inline': Dash's one inline script (the renderer's start) is allowed
            # by its hash, and Dash AG Grid's {"function": ...} expressions run without eval (browser tests check).
            f"script-src {scripts}",
            # Plotly and AG Grid add <style> elements at run time.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(csp: str | None = None) -> dict[str, str]:
    """Returns the headers every response carries; `csp` is its Content-Security-Policy (default: the app's).
    web/serving.py puts them on the error pages the servers write themselves (414, 431, 500 before any byte)."""
    return {
        "Content-Security-Policy": csp or content_security_policy(),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",  # Flask-WTF's HTTPS referrer check needs same-origin referrers
        "Cross-Origin-Opener-Policy": "same-origin",
    }


def _headers(response: Response) -> Response:
    hashes = None
    if response.mimetype == "text/html" and not response.direct_passthrough and not response.is_streamed:
        hashes = _script_hashes(response.get_data())
    response.headers.update(security_headers(content_security_policy(hashes)))
    if request.endpoint in ("/", "/<path:path>") and response.status_code == 200 and g.get("account") is not None:
        response.set_cookie(CSRF_COOKIE, generate_csrf(), secure=request.is_secure, httponly=False, samesite="Strict")
    return response


# ----------------------------------------------------------------------- views
def _safe_next(target: str | None) -> str:
    """Returns where to go after log-in: a path of this site only ("/..."), never another host."""
    target = target or "/"
    if not re.fullmatch(r"/(?![/\\])[^\\\x00-\x1f]*", target) or urlsplit(target).netloc:
        return "/"
    return target


def _login_view():
    from layouts.login import login_page

    state = _state()
    lang = request_lang()
    if request.values.get("lang") == lang:  # a choice on the log-in page holds on the pages after it
        remember_lang(lang)
    next_path = _safe_next(request.values.get("next"))
    if _local_mode(state) and is_loopback(client_address()):
        return redirect(next_path)
    if request.method == "GET":
        nobody = t(lang, "login.no_users") if state.users.count() == 0 else None  # nobody can log in yet: say so
        return login_page(lang, csrf_token=generate_csrf(), next_path=next_path, error=nobody)
    name = (request.form.get("name") or "").strip()[:64]
    password = request.form.get("password") or ""
    store = state.users.store
    turn = store.begin_login(name, client_address())  # counted and recorded before the password is checked
    if turn.refused:
        record(
            event(
                "login",
                who=name or "-",
                outcome="refused",
                target="/login",
                filter={},
                detail=f"rate limit: wait {turn.wait_s:.0f} s",
            )
        )
        seconds = int(turn.wait_s) + 1
        message = t(lang, "login.too_many", seconds=seconds)
        return Response(
            login_page(lang, csrf_token=generate_csrf(), next_path=next_path, name=name, error=message),
            status=429,
            headers={"Retry-After": str(seconds)},
            mimetype="text/html",
        )
    if turn.wait_s > 0:  # the name is being guessed: this address, with no failures, waits its turn
        time.sleep(turn.wait_s)
    user = store.authenticate(name, password)
    store.end_login(turn, ok=user is not None)
    if user is None:
        record(event("login", who=name or "-", outcome="failed", target="/login", filter={}))
        return Response(
            login_page(lang, csrf_token=generate_csrf(), next_path=next_path, name=name, error=t(lang, "login.failed")),
            status=401,
            mimetype="text/html",
        )
    token = store.sessions.open(user.name, address=client_address(), user_agent=request.headers.get("User-Agent", ""))
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = token
    g.account = Account(user.name, user.role)
    record(event("login", outcome="ok", target="/login", filter={}))
    return redirect(next_path)


def _logout_view():
    account = current_account()
    if account is not None and not account.local:
        _state().users.store.sessions.end_token(session.get(SESSION_KEY))
        record(event("logout", outcome="ok", filter={}))
    session.clear()
    return redirect("/login")


def install(app, config: Config) -> None:
    """Puts access control on a Dash app: sessions, CSRF, the central check, headers, log-in and log-out.
    Call after every callback and route is registered (it reads the callback map)."""
    server: Flask = app.server
    if config.trusted_proxies:  # behind TLS-ending proxies: their client address and scheme (cookies' Secure)
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = config.trusted_proxies
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=n, x_proto=n, x_host=n)
    server.secret_key = secret_key(config)
    server.session_interface = _Sessions()
    server.config.update(
        SESSION_COOKIE_NAME="smsreports_session",
        PERMANENT_SESSION_LIFETIME=int(config.session_idle_hours * 3600),
        SESSION_REFRESH_EACH_REQUEST=False,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session (whose idle timeout ends it)
        WTF_CSRF_HEADERS=[CSRF_HEADER],
        MAX_CONTENT_LENGTH=config.max_body_bytes,  # larger bodies: 413 (RequestEntityTooLarge), before any parsing
    )
    state = _AppState(
        users=_Users(user_store(config)),
        idle_s=config.session_idle_hours * 3600,
        output_roles={},
        default_lang=config.default_lang,
        local_mode=config.local_mode,
        callbacks=app.callback_map,
    )
    server.extensions["smsreports_security"] = state
    state.output_roles.update({key: callback_role(key, app.callback_map) for key in app.callback_map})
    if not config.local_mode and state.users.count() == 0:
        server.logger.warning(
            "no users defined: nobody can log in; add the first admin with 'python app.py users add NAME --role admin'"
        )

    # The central check runs before Flask-WTF's (registered below), so a request without an account is
    # answered 401/403 whatever it carries; a logged-in request without its CSRF token gets 400.
    server.before_request(_check_request)
    csrf = CSRFProtect(server)
    for endpoint in HOOKS & set(server.view_functions):  # a provider's POST carries no CSRF token
        csrf.exempt(server.view_functions[endpoint])
    server.after_request(_headers)
    server.add_url_rule("/login", "login", _login_view, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", _logout_view, methods=["POST"])

    @server.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        record(event("csrf", outcome="denied", detail=exc.description or ""))
        return Response(t(request_lang(), "access.csrf"), status=400, mimetype="text/plain")
