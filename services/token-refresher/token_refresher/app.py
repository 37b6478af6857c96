"""gunicorn 'token_refresher.app:create_app()'"""
from __future__ import annotations

from shared.web import create_base_app, service_checks
from token_refresher import SERVICE
from token_refresher.bootstrap import Deps, bootstrap
from token_refresher.http import api


def create_app(settings=None, deps: Deps | None = None):
    deps = deps or bootstrap(settings)

    app = create_base_app(SERVICE, service_checks(deps.engine, deps.settings))
    app.extensions["deps"] = deps
    app.register_blueprint(api)
    return app
