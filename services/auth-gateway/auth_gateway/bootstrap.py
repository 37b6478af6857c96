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
from auth_gateway.adapters.connection_store import HttpConnectionStore
from auth_gateway.adapters.plan_limits import HttpPlanLimits
from auth_gateway.adapters.refresher import HttpRefresher
from auth_gateway.revocations import revoker
from auth_gateway.sweep import sweeper
from auth_gateway.tables import outbox
from shared import binding
from shared.config import Settings, load_settings
from shared.crypto import CredentialCipher
from shared.db import make_engine, session_factory
from shared.events import utcnow
from shared.outbox import Outbox, Relay
from shared.providers.egress import Egress, Resolver, system_resolver
from shared.providers.registry import Registry


@dataclass
class Deps:
    settings: Settings
    engine: Engine
    sessions: sessionmaker
    cipher: CredentialCipher
    outbox: Outbox
    registry: Registry
    plans: HttpPlanLimits
    store: HttpConnectionStore
    refresher: HttpRefresher
    egress: Egress  # every call to a host a user named goes through it
    clock: Callable[[], datetime] = field(default=utcnow)

    def call(self, handler: Callable, *args, **kwargs):
        return binding.call(self, handler, *args, **kwargs)


def bootstrap(settings: Settings | None = None, clock: Callable[[], datetime] = utcnow,
              resolver: Resolver = system_resolver) -> Deps:
    settings = settings or load_settings()
    engine = make_engine(settings.database_url(SERVICE))
    return Deps(settings=settings, engine=engine, sessions=session_factory(engine),
                cipher=CredentialCipher(settings.credential_keys), outbox=Outbox(outbox), registry=Registry(settings),
                plans=HttpPlanLimits(settings.service_url("plan-limits"), settings.internal_token),
                store=HttpConnectionStore(settings.service_url("connection-store"), settings.internal_token),
                refresher=HttpRefresher(settings.service_url("token-refresher"), settings.internal_token),
                egress=Egress(resolver, allow_private=settings.bluesky_allow_private_service), clock=clock)


def relay(deps: Deps) -> Relay:
    return Relay(SERVICE, deps.settings, deps.engine, outbox)


def attempt_sweeper(deps: Deps, interval_s: float = 5.0):
    return deps.call(sweeper, interval_s)


def platform_revoker(deps: Deps, interval_s: float = 2.0):
    return deps.call(revoker, interval_s)
