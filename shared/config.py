"""The one place that reads the environment.

Every process builds a frozen `Settings` from `POSTMATE_*` variables with
`load_settings()`. With nothing set, everything runs embedded under one data
folder (SQLite files, a kombu filesystem transport); a bus URL of `amqp://…` and
database URLs of `postgresql+psycopg://…` move to real servers without code
changes. Tests pass a dict instead of touching `os.environ`.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Mapping

from shared import providers
from shared.crypto import parse_key_ring

PREFIX = "POSTMATE_"
SERVICES = ("auth-gateway", "connection-store", "plan-limits", "token-refresher")
DEFAULT_PORTS = {
    "auth-gateway": 8080,
    "connection-store": 8081,
    "plan-limits": 8082,
    "token-refresher": 8083,
    "provider-sandbox": 8090,
    "panel": 8070,
}
# A fixed key so a laptop needs no setup; refused when POSTMATE_ENV=production.
DEV_CREDENTIAL_KEY = "dev:ZGV2LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24tdXNlISE="


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _env_name(service: str) -> str:
    return service.upper().replace("-", "_")


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    data_dir: Path = Path("var")
    log_level: str = "INFO"
    metrics_port: int | None = None  # worker processes in their own container serve /metrics here
    bus_url: str = ""  # empty: filesystem transport under data_dir
    bus_namespace: str = "postmate"
    database_urls: Mapping[str, str] = field(default_factory=dict)
    service_urls: Mapping[str, str] = field(default_factory=dict)
    ports: Mapping[str, int] = field(default_factory=dict)
    public_url: str = ""  # where browsers reach the gateway
    credential_keys: str = DEV_CREDENTIAL_KEY  # "kid:base64key,…", first one encrypts
    internal_token: str = "dev-internal-token"
    dashboard_token: str = "dev-dashboard-token"
    billing_token: str = "dev-billing-token"
    # Consumer delivery rules.
    retry_max_attempts: int = 5
    retry_base_delay_s: float = 0.2
    prefetch: int = 200
    relay_poll_s: float = 0.01
    # Connect flow.
    attempt_ttl_s: int = 900
    allowed_return_origins: tuple[str, ...] = ()
    default_plan: str = "creator"
    reservation_ttl_s: int = 1200
    graph_api_version: str = providers.GRAPH_API_VERSION  # Meta's, in every Meta URL (shared/providers/catalog.py)
    # Provider sandbox.
    sandbox_url: str = ""
    sandbox_auto_approve: bool = False
    bluesky_allow_private_service: bool = False
    # Token refresher policy overrides (None: token_refresher.policy's defaults).
    refresher_health_check_every_s: float | None = None
    refresher_bluesky_cycle_s: float | None = None
    refresher_keepalive_every_s: float | None = None
    refresher_backoff_base_s: float | None = None
    refresher_backoff_max_s: float | None = None
    refresher_sustained_failure_s: float | None = None
    refresher_store_retry_s: float | None = None
    refresher_store_retry_max_s: float | None = None
    refresher_lease_s: float | None = None
    refresher_idle_poll_s: float | None = None
    refresher_gauges_every_s: float | None = None
    refresher_timeout_s: float | None = None
    refresher_concurrency: int | None = None
    refresher_per_network: int | None = None
    refresher_batch: int | None = None
    # Per-network overrides: {"x": {"client_id": …, "token_url": …}, …}
    providers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def database_url(self, service: str) -> str:
        return self.database_urls.get(service) or f"sqlite:///{self.data_dir / (service + '.db')}"

    def service_url(self, service: str) -> str:
        return self.service_urls.get(service) or f"http://127.0.0.1:{self.port(service)}"

    def port(self, service: str) -> int:
        return self.ports.get(service, DEFAULT_PORTS[service])

    @property
    def effective_bus_url(self) -> str:
        return self.bus_url or "filesystem://"

    @property
    def bus_folder(self) -> Path:
        return self.data_dir / "bus"

    @property
    def gateway_public_url(self) -> str:
        return self.public_url or self.service_url("auth-gateway")

    def with_overrides(self, **changes) -> "Settings":
        return replace(self, **changes)

    def __repr__(self) -> str:  # never print secrets
        secret = {"credential_keys", "internal_token", "dashboard_token", "billing_token", "providers"}
        shown = ", ".join(
            f"{f.name}={'***' if f.name in secret else getattr(self, f.name)!r}" for f in fields(self)
        )
        return f"Settings({shown})"


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{PREFIX}{name} must be 1/0/true/false, got {raw!r}")


def _number(name: str, raw: str, kind):
    try:
        return kind(raw)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name} must be a {kind.__name__}, got {raw!r}") from None


_SCALARS = {
    "ENV": ("env", str),
    "DATA_DIR": ("data_dir", Path),
    "LOG_LEVEL": ("log_level", str),
    "METRICS_PORT": ("metrics_port", int),
    "BUS_URL": ("bus_url", str),
    "BUS_NAMESPACE": ("bus_namespace", str),
    "PUBLIC_URL": ("public_url", str),
    "CREDENTIAL_KEYS": ("credential_keys", str),
    "INTERNAL_TOKEN": ("internal_token", str),
    "DASHBOARD_TOKEN": ("dashboard_token", str),
    "BILLING_TOKEN": ("billing_token", str),
    "RETRY_MAX_ATTEMPTS": ("retry_max_attempts", int),
    "RETRY_BASE_DELAY_S": ("retry_base_delay_s", float),
    "PREFETCH": ("prefetch", int),
    "RELAY_POLL_S": ("relay_poll_s", float),
    "ATTEMPT_TTL_S": ("attempt_ttl_s", int),
    "DEFAULT_PLAN": ("default_plan", str),
    "RESERVATION_TTL_S": ("reservation_ttl_s", int),
    "SANDBOX_URL": ("sandbox_url", str),
    "SANDBOX_AUTO_APPROVE": ("sandbox_auto_approve", bool),
    "BLUESKY_ALLOW_PRIVATE_SERVICE": ("bluesky_allow_private_service", bool),
    "GRAPH_API_VERSION": ("graph_api_version", str),
}
_SCALARS.update({
    f"REFRESHER_{name.upper()}": (f"refresher_{name}", int if name in ("concurrency", "per_network", "batch") else float)
    for name in ("health_check_every_s", "bluesky_cycle_s", "keepalive_every_s", "backoff_base_s", "backoff_max_s",
                 "sustained_failure_s", "store_retry_s", "store_retry_max_s", "lease_s", "idle_poll_s",
                 "gauges_every_s", "timeout_s", "concurrency", "per_network", "batch")
})
def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from `environ` (default: the process environment)."""
    env = os.environ if environ is None else environ
    values: dict = {}
    for suffix, (attr, kind) in _SCALARS.items():
        raw = env.get(PREFIX + suffix)
        if raw is None:
            continue
        if kind is bool:
            values[attr] = _bool(suffix, raw)
        elif kind in (int, float):
            values[attr] = _number(suffix, raw, kind)
        else:
            values[attr] = kind(raw)
    origins = env.get(PREFIX + "ALLOWED_RETURN_ORIGINS")
    if origins:
        values["allowed_return_origins"] = tuple(o.strip().rstrip("/") for o in origins.split(",") if o.strip())
    services = SERVICES + ("provider-sandbox", "panel")
    values["database_urls"] = {s: env[f"{PREFIX}{_env_name(s)}_DATABASE_URL"] for s in SERVICES
                               if env.get(f"{PREFIX}{_env_name(s)}_DATABASE_URL")}
    values["service_urls"] = {s: env[f"{PREFIX}{_env_name(s)}_URL"].rstrip("/") for s in services
                              if env.get(f"{PREFIX}{_env_name(s)}_URL")}
    values["ports"] = {s: _number(f"{_env_name(s)}_PORT", env[f"{PREFIX}{_env_name(s)}_PORT"], int)
                       for s in services if env.get(f"{PREFIX}{_env_name(s)}_PORT")}
    values["providers"] = _provider_settings(env)
    settings = Settings(**values)
    _check(settings)
    return settings


TOKENS = {"internal_token": "INTERNAL_TOKEN", "dashboard_token": "DASHBOARD_TOKEN", "billing_token": "BILLING_TOKEN"}
MIN_TOKEN_CHARS = 43  # 32 random bytes, as secrets.token_urlsafe(32) writes them


def production_refusals(settings: Settings, ring: list[tuple[str, bytes]]) -> list[str]:
    """Each setting production must not run with, as a sentence naming the variable and the fix."""
    refusals = []
    development_key = parse_key_ring(DEV_CREDENTIAL_KEY)[0][1]
    for kid, key in ring:
        if key == development_key:
            refusals.append(f"{PREFIX}CREDENTIAL_KEYS holds the development key (as {kid!r}): put a new key first "
                            "(python -c 'from shared.crypto import new_key_spec; print(new_key_spec(\"k2\"))') and "
                            "remove this one once nothing is sealed with it.")
    for attr, name in TOKENS.items():
        value = getattr(settings, attr)
        if value.startswith("dev-") or len(value) < MIN_TOKEN_CHARS or len(set(value)) < 10:
            refusals.append(f"{PREFIX}{name} must be at least 32 random bytes, {MIN_TOKEN_CHARS} characters as "
                            "python -c 'import secrets; print(secrets.token_urlsafe(32))' writes them.")
    values = [getattr(settings, attr) for attr in TOKENS]
    if len(set(values)) < len(values):
        refusals.append(f"{PREFIX}INTERNAL_TOKEN, {PREFIX}DASHBOARD_TOKEN and {PREFIX}BILLING_TOKEN must all "
                        "differ: the internal token unlocks plaintext credentials.")
    if settings.sandbox_url or settings.sandbox_auto_approve:
        refusals.append(f"{PREFIX}SANDBOX_URL and {PREFIX}SANDBOX_AUTO_APPROVE are for development: in sandbox mode "
                        "a network's app secret is public, so anyone could forge its callbacks.")
    forced = sorted(n for n, overrides in settings.providers.items() if str(overrides.get("mode", "")).lower()
                    == "sandbox")
    if forced:
        refusals.append(f"{', '.join(f'{PREFIX}{n.upper()}_MODE' for n in forced)} must not be sandbox in production.")
    if settings.bluesky_allow_private_service:
        refusals.append(f"{PREFIX}BLUESKY_ALLOW_PRIVATE_SERVICE lets a user point Post Mate at internal addresses; "
                        "unset it.")
    if not settings.public_url.startswith("https://"):
        refusals.append(f"{PREFIX}PUBLIC_URL must be the gateway's https:// address (the connect cookie is Secure "
                        "only there).")
    return refusals


def _provider_settings(env: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """POSTMATE_X_CLIENT_ID=… → {"x": {"client_id": …}} (Authlib's naming)."""
    found: dict[str, dict[str, str]] = {}
    for network in providers.networks():
        head = f"{PREFIX}{network.upper()}_"
        for key, value in env.items():
            if key.startswith(head):
                found.setdefault(network, {})[key[len(head):].lower()] = value
    return found


def _check(settings: Settings) -> None:
    if settings.env not in ("development", "production", "test"):
        raise ConfigError(f"{PREFIX}ENV must be development, test or production, got {settings.env!r}")
    try:
        ring = parse_key_ring(settings.credential_keys)
    except ValueError as exc:
        raise ConfigError(f"{PREFIX}CREDENTIAL_KEYS: {exc}") from None
    if settings.env == "production":
        refusals = production_refusals(settings, ring)
        if refusals:
            raise ConfigError("Refusing to start with POSTMATE_ENV=production: " + " ".join(refusals))
    if not re.fullmatch(r"v\d{1,3}\.\d{1,2}", settings.graph_api_version):
        raise ConfigError(f"{PREFIX}GRAPH_API_VERSION must look like v26.0, got {settings.graph_api_version!r}")
    if settings.retry_max_attempts < 1:
        raise ConfigError(f"{PREFIX}RETRY_MAX_ATTEMPTS must be at least 1")
