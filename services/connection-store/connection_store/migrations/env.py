from shared.db import run_alembic_env

from connection_store.tables import metadata

run_alembic_env(metadata)
