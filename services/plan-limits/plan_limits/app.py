"""gunicorn 'plan_limits.app:create_app()'"""
from __future__ import annotations

from flask import request

from plan_limits import SERVICE, metrics, repository
from plan_limits.bootstrap import Deps, bootstrap
from plan_limits.http import api
from shared import bus
from shared.web import create_base_app


def create_app(settings=None, deps: Deps | None = None):
    deps = deps or bootstrap(settings)

    def database():
        # Ready means migrated, with the default plan in it (a typo there would refuse every connect).
        with deps.sessions() as session:
            if deps.settings.default_plan not in repository.plan_names(session):
                raise DefaultPlanMissing(deps.settings.default_plan)

    app = create_base_app(SERVICE, {"database": database, "bus": lambda: bus.ping(deps.settings)})
    app.extensions["deps"] = deps
    app.register_blueprint(api)

    @app.before_request
    def _fresh_gauges():
        if request.endpoint == "ops.metrics_view":
            deps.call(metrics.refresh)

    return app


class DefaultPlanMissing(LookupError):
    """POSTMATE_DEFAULT_PLAN names no row of the plans table."""
