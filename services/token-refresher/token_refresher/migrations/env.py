from shared.db import run_alembic_env
from token_refresher.tables import metadata

run_alembic_env(metadata)
