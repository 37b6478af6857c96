from shared.db import run_alembic_env

from plan_limits.tables import metadata

run_alembic_env(metadata)
