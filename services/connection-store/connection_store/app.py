"""gunicorn 'connection_store.app:create_app()'"""
from __future__ import annotations

from connection_store import SERVICE
from connection_store.bootstrap import Deps, bootstrap
from connection_store.http import api
from shared.web import create_base_app, service_checks


def create_app(settings=None, deps: Deps | None = None):
    deps = deps or bootstrap(settings)

    app = create_base_app(SERVICE, service_checks(deps.engine, deps.settings))
    app.extensions["deps"] = deps
    app.register_blueprint(api)
    return app
