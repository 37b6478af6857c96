"""gunicorn 'auth_gateway.app:create_app()'"""
from __future__ import annotations

from auth_gateway import SERVICE
from auth_gateway.bluesky.http import bluesky
from auth_gateway.bootstrap import Deps, bootstrap
from auth_gateway.http import browser, dashboard, meta
from shared.web import create_base_app, service_checks


def create_app(settings=None, deps: Deps | None = None):
    deps = deps or bootstrap(settings)

    app = create_base_app(SERVICE, service_checks(deps.engine, deps.settings))
    app.extensions["deps"] = deps
    app.register_blueprint(dashboard)
    app.register_blueprint(browser)
    app.register_blueprint(meta)
    app.register_blueprint(bluesky)
    return app
