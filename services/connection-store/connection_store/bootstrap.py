"""The composition root: the only place that builds engines and ciphers, and binds
the event handlers to them (shared.binding)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from connection_store import SERVICE
from connection_store.handlers import EVENT_HANDLERS
from connection_store.tables import processed_events
from shared import binding
from shared.config import Settings, load_settings
from shared.consumer import Consumer
from shared.crypto import CredentialCipher
from shared.db import make_engine, session_factory


@dataclass
class Deps:
    settings: Settings
    engine: Engine
    sessions: sessionmaker
    cipher: CredentialCipher

    def call(self, handler: Callable, *args, **kwargs):
        return binding.call(self, handler, *args, **kwargs)


def bootstrap(settings: Settings | None = None) -> Deps:
    settings = settings or load_settings()
    engine = make_engine(settings.database_url(SERVICE))
    return Deps(settings, engine, session_factory(engine), CredentialCipher(settings.credential_keys))


def consumer(deps: Deps) -> Consumer:
    handlers = {event: binding.bind(deps, handler) for event, handler in EVENT_HANDLERS.items()}
    return Consumer(SERVICE, deps.settings, deps.sessions, processed_events, handlers)
