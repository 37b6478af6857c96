"""What the Bluesky connect needs beyond the gateway's `Deps`, built once per app
from Settings (`POSTMATE_BLUESKY_*`, read by shared.config into `settings.providers`):

| variable | default |
|---|---|
| `POSTMATE_BLUESKY_SERVICE_URL` | the entryway that resolves handles: https://bsky.social (sandbox: `{sandbox}/bluesky`) |
| `POSTMATE_BLUESKY_PLC_URL` | the PLC directory for did:plc documents: https://plc.directory (sandbox: none) |
| `POSTMATE_BLUESKY_TIMEOUT_S` | per call to a Bluesky server: 5 s |
| `POSTMATE_BLUESKY_LOGINS_PER_USER`, `…_LOGINS_PER_ADDRESS`, `…_LOGIN_WINDOW_S` | 5, 20, 900 |
| `POSTMATE_BLUESKY_ALLOW_PRIVATE_SERVICE` | 0: user-named servers must be public https |
"""
from __future__ import annotations

from dataclasses import dataclass

from auth_gateway.bluesky.domain import NETWORK
from auth_gateway.bluesky.identity import Directory
from auth_gateway.bluesky.rate_limit import LoginLimits
from shared.config import Settings
from shared.providers.egress import Egress, Resolver, system_resolver
from shared.providers.registry import SANDBOX, Registry

ENTRYWAY = "https://bsky.social"
PLC_DIRECTORY = "https://plc.directory"
TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Bluesky:
    egress: Egress
    directory: Directory
    limits: LoginLimits
    timeout_s: float


def build(settings: Settings, registry: Registry, resolver: Resolver = system_resolver) -> Bluesky:
    provider = registry.get(NETWORK)
    overrides = provider.overrides
    sandbox = provider.mode == SANDBOX
    entryway = overrides.get("service_url") or (f"{settings.sandbox_url.rstrip('/')}/bluesky" if sandbox else ENTRYWAY)
    plc_url = overrides.get("plc_url") or (None if sandbox else PLC_DIRECTORY)
    return Bluesky(egress=Egress(resolver, allow_private=settings.bluesky_allow_private_service),
                   directory=Directory(entryway.rstrip("/"), plc_url.rstrip("/") if plc_url else None),
                   limits=LoginLimits.from_overrides(overrides),
                   timeout_s=float(overrides.get("timeout_s") or TIMEOUT_S))
