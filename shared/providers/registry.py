"""The catalog resolved against Settings: which mode each network runs in, its
client credentials, and every endpoint URL.

Modes:
- live: the network has its own client credentials (POSTMATE_<NETWORK>_CLIENT_ID…);
  Mastodon needs none (our app registers itself on each instance);
- sandbox: no credentials but POSTMATE_SANDBOX_URL is set (`make run`, tests);
  every real URL `https://<host>/<path>` becomes `{sandbox}/<network>/<path>`,
  and Mastodon's `https://<instance>/<path>` becomes `{sandbox}/mastodon/<instance>/<path>`;
- unconfigured: neither; GET /v1/networks shows the network as unavailable.
POSTMATE_<NETWORK>_MODE=live|sandbox forces a mode. Any URL can be overridden per
network (POSTMATE_<NETWORK>_TOKEN_URL=…, …_AUTHORIZE_URL, …_IDENTITY_URL,
…_LONG_LIVED_URL, …_PAGES_URL, …_ME_URL, …_APPS_URL, …_REVOKE_URL, …_REFRESH_URL, …_HEALTH_URL;
`{instance}` is filled
in for Mastodon, `{graph}` with POSTMATE_GRAPH_API_VERSION for Meta), as can REDIRECT_URI and TIMEOUT_S.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Mapping
from urllib.parse import urlsplit

from shared.config import ConfigError, Settings
from shared.providers import specs
from shared.providers.catalog import GRAPH_API_VERSION
from shared.providers.spec import ProviderSpec

LIVE, SANDBOX, UNCONFIGURED = "live", "sandbox", "unconfigured"
DEFAULT_TIMEOUT_S = 10.0


class UnknownNetwork(LookupError):
    pass


@dataclass(frozen=True)
class Provider:
    spec: ProviderSpec
    mode: str
    client_id: str
    client_secret: str
    redirect_uri: str
    timeout_s: float
    overrides: Mapping[str, str]
    sandbox_url: str = ""
    graph_version: str = GRAPH_API_VERSION

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def available(self) -> bool:
        return self.mode != UNCONFIGURED

    def url(self, name: str, instance: str | None = None) -> str:
        """Endpoint `name` (authorize_url, token_url, identity_url, long_lived_url, revoke_url, refresh_url,
        health_url, pages_url, me_url, apps_url): the operator's override, the sandbox's address, or the real one."""
        if self.overrides.get(name):
            return self._filled(self.overrides[name], instance)
        real = self._filled(self._real_url(name), instance)
        return sandbox_address(self.sandbox_url, self.id, real, self.spec.per_instance) if self.mode == SANDBOX \
            else real

    def _filled(self, url: str, instance: str | None) -> str:
        return url.replace("{instance}", instance or "").replace("{graph}", self.graph_version)

    def _real_url(self, name: str) -> str:
        spec = self.spec
        found = {"authorize_url": spec.authorize_url, "token_url": spec.token_url, "revoke_url": spec.revoke_url,
                 "refresh_url": spec.refresh_url, "health_url": spec.health_url,
                 "identity_url": spec.identity.url if spec.identity else None,
                 "long_lived_url": spec.long_lived.url if spec.long_lived else None, **spec.extra_urls}.get(name)
        if not found:
            raise KeyError(f"{self.id} has no {name}")
        return found


def sandbox_address(sandbox: str, network: str, real_url: str, per_instance: bool = False) -> str:
    """`https://<host>/<path>?q` → `{sandbox}/<network>/<path>?q` (per instance: `…/<network>/<host>/<path>`)."""
    parts = urlsplit(real_url)
    prefix = f"{network}/{parts.netloc}" if per_instance else network
    query = f"?{parts.query}" if parts.query else ""
    return f"{sandbox.rstrip('/')}/{prefix}{parts.path}{query}"


def _mode(spec: ProviderSpec, overrides: Mapping[str, str], settings: Settings) -> str:
    forced = overrides.get("mode", "").lower()
    if forced == LIVE or (forced == SANDBOX and settings.sandbox_url):
        return forced
    if spec.per_instance or spec.auth_kind != "oauth":  # nothing to configure: Mastodon apps register themselves
        return SANDBOX if settings.sandbox_url else LIVE
    if overrides.get("client_id"):
        return LIVE
    return SANDBOX if settings.sandbox_url else UNCONFIGURED


def resolve(spec: ProviderSpec, settings: Settings) -> Provider:
    overrides = dict(settings.providers.get(spec.id, {}))
    mode = _mode(spec, overrides, settings)
    sandbox_default = f"postmate-{spec.id}" if mode == SANDBOX else ""
    return Provider(
        spec=spec, mode=mode,
        client_id=overrides.get("client_id") or sandbox_default,
        client_secret=overrides.get("client_secret") or (f"{sandbox_default}-secret" if sandbox_default else ""),
        redirect_uri=overrides.get("redirect_uri") or f"{settings.gateway_public_url.rstrip('/')}/oauth/{spec.id}/callback",
        timeout_s=_timeout(spec.id, overrides.get("timeout_s")),
        overrides=overrides, sandbox_url=settings.sandbox_url, graph_version=settings.graph_api_version)


def _timeout(network: str, raw: str | None) -> float:
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT_S
    except ValueError:
        value = 0.0
    if value <= 0:
        raise ConfigError(f"POSTMATE_{network.upper()}_TIMEOUT_S must be a positive number of seconds, got {raw!r}")
    return value


class Registry:
    def __init__(self, settings: Settings):
        self._providers = {spec.id: resolve(spec, settings) for spec in specs()}

    def get(self, network: str) -> Provider:
        try:
            return self._providers[network]
        except KeyError:
            raise UnknownNetwork(network) from None

    def __iter__(self) -> Iterator[Provider]:
        return iter(self._providers.values())
