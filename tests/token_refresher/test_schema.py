"""The migration and tables.py describe the same schema (on both backends)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from shared.db import make_engine

from token_refresher import SERVICE
from token_refresher.tables import metadata

pytestmark = pytest.mark.integration


def test_the_migrated_database_matches_the_table_definitions(settings):
    engine = make_engine(settings.database_url(SERVICE), poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert differences == []
