"""The composition root: the only place that builds engines, ciphers and clients.

Use cases name the effects they need as keyword-only parameters (`sessions`,
`registry`, `plans`, …); `Deps.call` fills exactly those (shared.binding, the
same binder in every service), so a signature is the list of what it may touch.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from auth_gateway import SERVICE
from auth_gateway.bluesky.connect import Bluesky
from auth_gateway.bluesky.identity import Directory
from auth_gateway.bluesky.rate_limit import LoginLimits
from auth_gateway.revocations import revoker
from auth_gateway.sweep import sweeper
from auth_gateway.tables import outbox
from shared import binding
from shared.clients.connection_store import ConnectionStoreClient
from shared.clients.plan_limits import PlanLimitsClient
from shared.clients.token_refresher import RefresherClient
from shared.config import Settings, load_settings
from shared.crypto import CredentialCipher
from shared.db import make_engine, session_factory
from shared.events import utcnow
from shared.outbox import Outbox, Relay
from shared.providers.egress import Egress, Resolver, system_resolver
from shared.providers.registry import SANDBOX, Registry

PLC_DIRECTORY = "https://plc.directory"


@dataclass
class Deps:
    settings: Settings
    engine: Engine
    sessions: sessionmaker
    cipher: CredentialCipher
    outbox: Outbox
    registry: Registry
    plans: PlanLimitsClient
    store: ConnectionStoreClient
    refresher: RefresherClient
    egress: Egress  # every call to a host a user named goes through it
    bluesky: Bluesky
    clock: Callable[[], datetime] = field(default=utcnow)

    def call(self, handler: Callable, *args, **kwargs):
        return binding.call(self, handler, *args, **kwargs)


def bootstrap(settings: Settings | None = None, clock: Callable[[], datetime] = utcnow,
              resolver: Resolver = system_resolver) -> Deps:
    settings = settings or load_settings()
    engine, registry = make_engine(settings.database_url(SERVICE)), Registry(settings)
    return Deps(settings=settings, engine=engine, sessions=session_factory(engine),
                cipher=CredentialCipher(settings.credential_keys), outbox=Outbox(outbox), registry=registry,
                plans=PlanLimitsClient(settings.service_url("plan-limits"), settings.internal_token),
                store=ConnectionStoreClient(settings.service_url("connection-store"), settings.internal_token,
                                            timeout_s=3.0),
                refresher=RefresherClient(settings.service_url("token-refresher"), settings.internal_token),
                egress=Egress(resolver, allow_private=settings.bluesky_allow_private_service),
                bluesky=_bluesky(registry), clock=clock)


def _bluesky(registry: Registry) -> Bluesky:
    """POSTMATE_BLUESKY_SERVICE_URL (the entryway that resolves handles: bsky.social, or the sandbox's),
    …_PLC_URL (did:plc documents; none in the sandbox, whose entryway hosts every account),
    …_TIMEOUT_S (per call, 5 s), …_LOGINS_PER_USER / _PER_ADDRESS / _LOGIN_WINDOW_S."""
    provider = registry.get("bluesky")
    plc_url = provider.overrides.get("plc_url") or (None if provider.mode == SANDBOX else PLC_DIRECTORY)
    directory = Directory(provider.url("service_url").rstrip("/"), plc_url.rstrip("/") if plc_url else None)
    return Bluesky(directory=directory,
                   limits=LoginLimits.from_overrides(provider.overrides),
                   timeout_s=float(provider.overrides.get("timeout_s") or 5.0))


def relay(deps: Deps) -> Relay:
    return Relay(SERVICE, deps.settings, deps.engine, outbox)


def attempt_sweeper(deps: Deps, interval_s: float = 5.0):
    return deps.call(sweeper, interval_s)


def platform_revoker(deps: Deps, interval_s: float = 2.0):
    return deps.call(revoker, interval_s)
