from shared.db import run_alembic_env

from auth_gateway.tables import metadata

run_alembic_env(metadata)
