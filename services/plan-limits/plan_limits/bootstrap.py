"""The composition root: the only place that builds engines and clocks."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from plan_limits import SERVICE
from plan_limits.handlers import EVENT_HANDLERS
from plan_limits.tables import processed_events
from shared import binding
from shared.config import Settings, load_settings
from shared.consumer import Consumer
from shared.db import make_engine, session_factory
from shared.events import utcnow

Clock = Callable[[], datetime]


@dataclass
class Deps:
    settings: Settings
    engine: Engine
    sessions: sessionmaker
    clock: Clock  # decides when reservations expire; tests move it instead of sleeping

    @property
    def default_plan(self) -> str:
        return self.settings.default_plan

    @property
    def reservation_ttl_s(self) -> int:
        return self.settings.reservation_ttl_s

    def call(self, handler: Callable, *args, **kwargs):
        return binding.call(self, handler, *args, **kwargs)


def bootstrap(settings: Settings | None = None, clock: Clock = utcnow) -> Deps:
    settings = settings or load_settings()
    engine = make_engine(settings.database_url(SERVICE))
    return Deps(settings, engine, session_factory(engine), clock)


def consumer(deps: Deps) -> Consumer:
    handlers = {event: binding.bind(deps, handler) for event, handler in EVENT_HANDLERS.items()}
    return Consumer(SERVICE, deps.settings, deps.sessions, processed_events, handlers)
