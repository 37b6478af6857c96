"""plan-limits on the parametrised backend (embedded SQLite, or the machine's
PostgreSQL and RabbitMQ), with its own freshly migrated database."""
from __future__ import annotations

import pytest

from plan_limits.bootstrap import bootstrap
from shared.db import migrate
from shared.manage import migrations_dir
from tests.plan_limits.driver import Clock, PlanLimits


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_plan_limits(make_settings, backend, clock):
    """plan-limits with POSTMATE_* overrides, e.g. POSTMATE_RESERVATION_TTL_S="1"."""
    built: list[PlanLimits] = []

    def build(**env: str) -> PlanLimits:
        settings = make_settings(backend, **env)
        migrate(migrations_dir("plan-limits"), settings.database_url("plan-limits"))
        built.append(PlanLimits(bootstrap(settings, clock=clock)))
        return built[-1]

    yield build
    for service in built:
        service.deps.engine.dispose()


@pytest.fixture
def plan_limits(make_plan_limits) -> PlanLimits:
    return make_plan_limits()
