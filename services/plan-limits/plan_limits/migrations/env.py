from plan_limits.tables import metadata
from shared.db import run_alembic_env

run_alembic_env(metadata)
