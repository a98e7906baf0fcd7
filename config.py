"""Every setting of SMS Reports, read from the environment in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ROOT = Path(__file__).resolve().parent


class ConfigError(ValueError):
    """A setting has a value the app cannot use."""


@dataclass(frozen=True)
class Config:
    """The app's settings; build with `Config.from_env()` or directly in tests."""

    data_dir: Path = ROOT / "var"
    timezone: str = "Europe/Warsaw"
    default_lang: str = "pl"
    csv_separator: dict[str, str] = field(default_factory=lambda: {"pl": ";", "en": ","})
    duckdb_threads: int = 2
    duckdb_memory_limit: str = "1GB"
    export_batch_rows: int = 50_000
    use_rollups: bool = True
    host: str = "127.0.0.1"
    port: int = 8050
    default_region: str = "PL"  # ingest: region of phone numbers written without a country code
    session_idle_hours: float = 8.0  # a log-in session ends after this long without a request
    store_timeout_s: float = 30.0  # how long a campaign or user change waits for another writer of the store
    secret_key: str | None = field(default=None, repr=False)  # signs session cookies; None: var/secret_key
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-For/-Proto the app believes
    # While no users exist, serve this computer without log-in. Only `serve --local` (which `make run` passes)
    # turns it on: never the environment, so a store deleted behind a server's back opens nothing.
    local_mode: bool = False
    max_body_bytes: int = 1_000_000  # a request body larger than this is refused (413): no page sends one
    # Reports by e-mail: the SMTP server scheduled reports are sent through (no host: nothing can be sent).
    smtp_host: str | None = None
    smtp_port: int | None = None  # default: 587 (starttls), 465 (tls), 25 (none)
    smtp_security: str = "starttls"  # starttls | tls | none
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str | None = None
    smtp_timeout_s: float = 30.0
    scheduler: bool = True  # SMSREPORTS_SCHEDULER=off: this server sends no scheduled reports (cron: schedules run-due)
    # Whether this process runs the scheduler thread: only `serve` turns it on (never tests or the CLI).
    run_scheduler: bool = False
    cpu_timing: bool = False  # the benchmark's: each answer says the CPU time it cost (web/timing.py)
    # Replies that are opt-outs (data/optouts.py): comma-separated, case and diacritics ignored.
    optout_keywords: tuple[str, ...] = ("STOP", "NIE", "REZYGNUJE", "REZYGNUJĘ")

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def with_(self, **changes) -> Config:
        """Returns a copy with some settings changed."""
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        """Returns the settings given by SMSREPORTS_* variables (defaults otherwise)."""
        env = dict(os.environ if env is None else env)
        base = cls()
        seps = dict(base.csv_separator)
        if "SMSREPORTS_CSV_SEPARATOR" in env:
            # one separator for every language
            sep = env["SMSREPORTS_CSV_SEPARATOR"]
            if sep == "\\t":
                sep = "\t"
            if len(sep) != 1:
                raise ConfigError("SMSREPORTS_CSV_SEPARATOR must be one character")
            seps = {lang: sep for lang in seps}
        cfg = cls(
            data_dir=Path(env.get("SMSREPORTS_DATA_DIR", base.data_dir)).expanduser().resolve(),
            timezone=env.get("SMSREPORTS_TIMEZONE", base.timezone),
            default_lang=env.get("SMSREPORTS_LANG", base.default_lang),
            csv_separator=seps,
            duckdb_threads=_int(env, "SMSREPORTS_DUCKDB_THREADS", base.duckdb_threads),
            duckdb_memory_limit=env.get("SMSREPORTS_DUCKDB_MEMORY", base.duckdb_memory_limit),
            export_batch_rows=_int(env, "SMSREPORTS_EXPORT_BATCH_ROWS", base.export_batch_rows),
            use_rollups=_flag(env, "SMSREPORTS_ROLLUPS", base.use_rollups),
            host=env.get("SMSREPORTS_HOST", base.host),
            port=_int(env, "SMSREPORTS_PORT", base.port),
            default_region=env.get("SMSREPORTS_DEFAULT_REGION", base.default_region).strip().upper(),
            session_idle_hours=_positive_float(env, "SMSREPORTS_SESSION_IDLE_HOURS", base.session_idle_hours),
            store_timeout_s=_positive_float(env, "SMSREPORTS_STORE_TIMEOUT_S", base.store_timeout_s),
            secret_key=env.get("SMSREPORTS_SECRET_KEY") or None,
            trusted_proxies=_count(env, "SMSREPORTS_TRUSTED_PROXIES", base.trusted_proxies),
            max_body_bytes=_int(env, "SMSREPORTS_MAX_BODY_BYTES", base.max_body_bytes),
            smtp_host=env.get("SMSREPORTS_SMTP_HOST") or None,
            smtp_port=_int(env, "SMSREPORTS_SMTP_PORT", 0) or None,
            smtp_security=env.get("SMSREPORTS_SMTP_SECURITY", base.smtp_security).strip().lower(),
            smtp_user=env.get("SMSREPORTS_SMTP_USER") or None,
            smtp_password=env.get("SMSREPORTS_SMTP_PASSWORD") or None,
            smtp_from=env.get("SMSREPORTS_SMTP_FROM") or None,
            smtp_timeout_s=_positive_float(env, "SMSREPORTS_SMTP_TIMEOUT_S", base.smtp_timeout_s),
            scheduler=_flag(env, "SMSREPORTS_SCHEDULER", base.scheduler),
            cpu_timing=_flag(env, "SMSREPORTS_CPU_TIMING", base.cpu_timing),
            optout_keywords=_words(env, "SMSREPORTS_OPTOUT_KEYWORDS", base.optout_keywords),
        )
        cfg.validate()
        return cfg

    def validate(self) -> None:
        """Raises ConfigError naming the first unusable setting."""
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"SMSREPORTS_TIMEZONE: unknown time zone {self.timezone!r}") from None
        if self.default_lang not in ("pl", "en"):
            raise ConfigError("SMSREPORTS_LANG must be pl or en")
        if self.smtp_security not in ("starttls", "tls", "none"):
            raise ConfigError("SMSREPORTS_SMTP_SECURITY must be starttls, tls or none")
        if self.smtp_host and not self.smtp_from:
            raise ConfigError("SMSREPORTS_SMTP_FROM: the sender address of e-mailed reports is needed with a host")
        import phonenumbers

        if self.default_region not in phonenumbers.SUPPORTED_REGIONS:
            raise ConfigError(f"SMSREPORTS_DEFAULT_REGION: unknown region {self.default_region!r} (e.g. PL, DE, GB)")


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive")
    return value


def _count(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    if not raw.strip().isdigit():
        raise ConfigError(f"{name} must be 0 or a positive whole number, not {raw!r}")
    return int(raw)


def _positive_float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{name} must be positive")
    return value


def _flag(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    if raw.lower() in ("1", "on", "true", "yes"):
        return True
    if raw.lower() in ("0", "off", "false", "no"):
        return False
    raise ConfigError(f"{name} must be on or off, not {raw!r}")


def _words(env: dict[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = env.get(name)
    if raw is None:
        return default
    words = tuple(w.strip() for w in raw.split(",") if w.strip())
    if not words:
        raise ConfigError(f"{name} must name at least one word (comma-separated), e.g. STOP,NIE")
    return words
