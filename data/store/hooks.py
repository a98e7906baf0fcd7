"""The secrets of the provider callbacks (`/hooks/...`): one row per provider, in the store's `hooks` table.

Twilio's auth token and Vonage's signature secret are keys of a signature the server computes again,
so they are kept as given; the tokens of canonical, clicks, Infobip and SMSAPI are only compared, so
only their SHA-256 is kept. Each row also counts the requests refused for that provider. No Dash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from pathlib import Path

from data.store.sqlite import Database, register_migrations

PROVIDERS = ("canonical", "clicks", "twilio", "vonage", "infobip", "smsapi")
SIGNED = frozenset({"twilio", "vonage"})  # the secret is a signing key: kept as given
MIGRATIONS = {
    # Provider callbacks (issue 21).
    6: """
        CREATE TABLE hooks (
            provider TEXT PRIMARY KEY,
            secret TEXT NOT NULL,
            networks TEXT NOT NULL DEFAULT '',
            added_at TEXT NOT NULL,
            refused INTEGER NOT NULL DEFAULT 0,
            last_refused TEXT
        );
    """,
}
register_migrations(__name__, MIGRATIONS)


class HookError(ValueError):
    """A hook setting that cannot be stored (unknown provider, empty secret, a bad network)."""


@dataclass(frozen=True)
class Hook:
    """One provider's callback settings: the key (signed providers) or the token's SHA-256, allowed networks."""

    provider: str
    secret: str
    networks: tuple[str, ...] = ()
    added_at: str = ""
    refused: int = 0
    last_refused: str | None = None

    def token_matches(self, token: str | None) -> bool:
        """Returns True when `token` is this hook's token (compared in constant time)."""
        if not token or self.provider in SIGNED:
            return False
        return hmac.compare_digest(token_hash(token), self.secret)

    def allows_address(self, address: str | None) -> bool:
        """Returns True when no networks are set, or `address` is in one of them."""
        if not self.networks:
            return True
        try:
            ip = ipaddress.ip_address((address or "").strip())
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(n, strict=False) for n in self.networks)


def token_hash(token: str) -> str:
    """Returns the SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def new_token() -> str:
    """Returns a fresh random token (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def check_provider(name: str) -> str:
    """Returns the provider name in lower case; HookError when no hook has that name."""
    key = (name or "").strip().lower()
    if key not in PROVIDERS:
        raise HookError(f"unknown provider {name!r} (one of {', '.join(PROVIDERS)})")
    return key


def check_networks(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Returns the networks in canonical form (`10.0.0.0/8`); HookError naming one that is no network."""
    out = []
    for value in values:
        for part in value.split(","):
            if part.strip():
                try:
                    out.append(str(ipaddress.ip_network(part.strip(), strict=False)))
                except ValueError:
                    raise HookError(f"{part.strip()!r} is not an address or network (such as 203.0.113.0/24)") from None
    return tuple(out)


class HookStore:
    """The hooks table of the store database at `path` (created and migrated on first use)."""

    def __init__(self, path: Path, *, timeout_s: float = 30.0):
        self._db = Database(path, timeout_s=timeout_s)

    def add(self, provider: str, secret: str, networks: tuple[str, ...] = ()) -> None:
        """Sets (or replaces) a provider's secret and allowed networks; its refusal count starts again."""
        provider = check_provider(provider)
        secret = (secret or "").strip()
        if not secret:
            raise HookError("the secret is empty")
        kept = secret if provider in SIGNED else token_hash(secret)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._db.write() as con:
            con.execute(
                "INSERT OR REPLACE INTO hooks (provider, secret, networks, added_at, refused) VALUES (?, ?, ?, ?, 0)",
                (provider, kept, ",".join(check_networks(list(networks))), now),
            )

    def remove(self, provider: str) -> bool:
        """Removes a provider's hook; returns False when it had none."""
        provider = check_provider(provider)
        with self._db.write() as con:
            return con.execute("DELETE FROM hooks WHERE provider = ?", (provider,)).rowcount > 0

    def get(self, provider: str) -> Hook | None:
        """Returns a provider's hook (with its secret), or None when none is set."""
        rows = self._db.rows("SELECT * FROM hooks WHERE provider = ?", ((provider or "").lower(),))
        return _hook(rows[0]) if rows else None

    def all(self) -> list[Hook]:
        """Returns every hook, by provider name."""
        return [_hook(r) for r in self._db.rows("SELECT * FROM hooks ORDER BY provider")]

    def count_refused(self, provider: str) -> None:
        """Counts one refused request of a provider (set or not: a request for a hook nobody set counts too)."""
        provider = (provider or "").lower()
        if provider not in PROVIDERS:
            return
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._db.write() as con:
            con.execute("UPDATE hooks SET refused = refused + 1, last_refused = ? WHERE provider = ?", (now, provider))


def _hook(row) -> Hook:
    networks = tuple(n for n in row["networks"].split(",") if n)
    return Hook(row["provider"], row["secret"], networks, row["added_at"], row["refused"], row["last_refused"])
