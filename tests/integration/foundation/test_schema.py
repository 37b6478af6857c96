"""Each service's migrations and its tables.py describe the same schema, on both backends."""
from __future__ import annotations

import importlib

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from shared.db import make_engine

pytestmark = pytest.mark.integration

SERVICES = {"auth-gateway": "auth_gateway", "connection-store": "connection_store", "plan-limits": "plan_limits",
            "token-refresher": "token_refresher"}


@pytest.mark.parametrize("service", SERVICES)
def test_the_migrated_database_matches_the_table_definitions(settings, service):
    metadata = importlib.import_module(f"{SERVICES[service]}.tables").metadata
    engine = make_engine(settings.database_url(service), poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert differences == []
