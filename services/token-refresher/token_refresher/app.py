"""gunicorn 'token_refresher.app:create_app()'"""
from __future__ import annotations

import sqlalchemy as sa

from shared import bus
from shared.web import create_base_app

from token_refresher import SERVICE
from token_refresher.bootstrap import Deps, bootstrap
from token_refresher.http import api


def create_app(settings=None, deps: Deps | None = None):
    deps = deps or bootstrap(settings)

    def database():
        with deps.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    app = create_base_app(SERVICE, {"database": database, "bus": lambda: bus.ping(deps.settings)})
    app.extensions["deps"] = deps
    app.register_blueprint(api)
    return app
