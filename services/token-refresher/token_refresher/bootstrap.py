"""The composition root: the only place that builds engines, ciphers and clients."""
from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from shared import binding
from shared.clients.connection_store import ConnectionStoreClient
from shared.config import Settings, load_settings
from shared.consumer import Consumer
from shared.crypto import CredentialCipher
from shared.db import make_engine, session_factory
from shared.events import utcnow
from shared.outbox import Outbox, Relay
from shared.providers.egress import Egress
from shared.providers.registry import Registry
from token_refresher import SERVICE
from token_refresher.adapters.platforms import HttpPlatforms
from token_refresher.gates import Gates
from token_refresher.handlers import EVENT_HANDLERS
from token_refresher.loop import Gauges, RefreshLoop
from token_refresher.policy import Policy
from token_refresher.record import Ledger
from token_refresher.refresh import Refresher
from token_refresher.tables import outbox, processed_events


@dataclass
class Deps:
    settings: Settings
    engine: Engine
    sessions: sessionmaker
    cipher: CredentialCipher
    outbox: Outbox
    policy: Policy
    store: ConnectionStoreClient
    platforms: HttpPlatforms
    clock: Callable[[], datetime]
    owner: str  # this process's name on the leases it holds
    gates: Gates = field(init=False)
    ledger: Ledger = field(init=False)
    refresher: Refresher = field(init=False)

    def __post_init__(self):
        self.gates = Gates(self.policy.per_network)
        self.ledger = Ledger(sessions=self.sessions, outbox=self.outbox, cipher=self.cipher, policy=self.policy,
                             clock=self.clock, owner=self.owner, engine=self.engine)
        self.refresher = Refresher(ledger=self.ledger, store=self.store, platforms=self.platforms,
                                   policy=self.policy, gates=self.gates, clock=self.clock)

    def call(self, handler: Callable, *args, **kwargs):
        return binding.call(self, handler, *args, **kwargs)


def bootstrap(settings: Settings | None = None, clock: Callable[[], datetime] = utcnow,
              policy: Policy | None = None) -> Deps:
    settings = settings or load_settings()
    policy = policy or Policy.from_settings(settings)
    pool = policy.concurrency + 8
    # A connection per refresh thread and loop; no pre-ping round trip per checkout on the hot path
    # (a dropped connection fails one run, whose lease then runs out; the pool replaces it).
    engine = make_engine(settings.database_url(SERVICE), poolclass=sa.pool.QueuePool, pool_size=pool,
                         max_overflow=8, pool_recycle=1800)
    return Deps(settings=settings, engine=engine, sessions=session_factory(engine),
                cipher=CredentialCipher(settings.credential_keys), outbox=Outbox(outbox), policy=policy,
                store=ConnectionStoreClient(settings.service_url("connection-store"), settings.internal_token,
                                          pool=pool),
                platforms=HttpPlatforms(Registry(settings), Egress(allow_private=settings.bluesky_allow_private_service),
                                        timeout_s=policy.timeout_s, pool=pool),
                clock=clock, owner=f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}")


def relay(deps: Deps) -> Relay:
    return Relay(SERVICE, deps.settings, deps.engine, outbox)


def consumer(deps: Deps) -> Consumer:
    handlers = {event: binding.bind(deps, handler) for event, handler in EVENT_HANDLERS.items()}
    return Consumer(SERVICE, deps.settings, deps.sessions, processed_events, handlers)


def refresh_loop(deps: Deps) -> RefreshLoop:
    return RefreshLoop(refresher=deps.refresher, ledger=deps.ledger, sessions=deps.sessions, policy=deps.policy,
                       clock=deps.clock, owner=deps.owner)


def gauges(deps: Deps) -> Gauges:
    return Gauges(sessions=deps.sessions, policy=deps.policy, clock=deps.clock)
