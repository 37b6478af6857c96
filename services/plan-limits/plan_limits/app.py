"""gunicorn 'plan_limits.app:create_app()'"""
from __future__ import annotations

import sqlalchemy as sa

from shared import bus
from shared.web import create_base_app

from plan_limits import SERVICE
from plan_limits.bootstrap import Deps, bootstrap


def create_app(settings=None, deps: Deps | None = None):
    deps = deps or bootstrap(settings)

    def database():
        with deps.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    app = create_base_app(SERVICE, {"database": database, "bus": lambda: bus.ping(deps.settings)})
    app.extensions["deps"] = deps
    return app
