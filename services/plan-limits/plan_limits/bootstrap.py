"""The composition root: the only place that builds engines and clients."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from shared.config import Settings, load_settings
from shared.consumer import Consumer
from shared.db import make_engine, session_factory
from shared.events import AccountConnected, AccountRevoked

from plan_limits import SERVICE
from plan_limits.tables import processed_events


@dataclass
class Deps:
    settings: Settings
    engine: Engine
    sessions: sessionmaker


def bootstrap(settings: Settings | None = None) -> Deps:
    settings = settings or load_settings()
    engine = make_engine(settings.database_url(SERVICE))
    return Deps(settings, engine, session_factory(engine))


def consumer(deps: Deps) -> Consumer:
    noop = lambda session, event: None  # noqa: E731  (skeleton: the plan-limits issue adds the handlers)
    return Consumer(SERVICE, deps.settings, deps.sessions, processed_events, {AccountConnected: noop, AccountRevoked: noop})
