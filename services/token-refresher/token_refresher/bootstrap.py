"""The composition root: the only place that builds engines, ciphers and clients."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from shared.config import Settings, load_settings
from shared.crypto import CredentialCipher
from shared.db import make_engine, session_factory
from shared.outbox import Outbox, Relay

from token_refresher import SERVICE
from token_refresher.tables import outbox


@dataclass
class Deps:
    settings: Settings
    engine: Engine
    sessions: sessionmaker
    cipher: CredentialCipher
    outbox: Outbox


def bootstrap(settings: Settings | None = None) -> Deps:
    settings = settings or load_settings()
    engine = make_engine(settings.database_url(SERVICE))
    return Deps(settings, engine, session_factory(engine), CredentialCipher(settings.credential_keys), Outbox(outbox))


def relay(deps: Deps) -> Relay:
    return Relay(SERVICE, deps.settings, deps.engine, outbox)
