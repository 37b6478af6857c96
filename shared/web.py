"""What every HTTP service shares: JSON errors, request ids, service tokens,
and the ops endpoints (/healthz, /readyz, /metrics)."""
from __future__ import annotations

import hmac
import logging
import time
import uuid
from typing import Callable

from flask import Blueprint, Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from shared import logs, metrics

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error a person understands: HTTP status, machine code, sentence."""

    def __init__(self, status: int, code: str, message: str, **extra):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def response(self):
        body = {"error": self.code, "message": self.message, **self.extra}
        response = jsonify(body)
        response.status_code = self.status
        return response


def create_base_app(service: str, checks: dict[str, Callable[[], None]]) -> Flask:
    """A Flask app with request ids, JSON errors and ops endpoints.

    `checks` are what /readyz runs (e.g. database, bus); each raises when not ready.
    """
    app = Flask(service)
    app.config["SERVICE"] = service

    @app.before_request
    def _request_id():
        g.started = time.perf_counter()
        g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
        g.request_id_token = logs.request_id.set(g.request_id)

    @app.after_request
    def _echo_request_id(response):
        response.headers["X-Request-Id"] = g.get("request_id", "")
        if request.endpoint not in ("ops.metrics_view", "ops.healthz"):
            metrics.HTTP_REQUESTS.labels(service, request.method, str(response.status_code)).inc()
            metrics.HTTP_LATENCY.labels(service).observe(time.perf_counter() - g.get("started", time.perf_counter()))
        return response

    @app.teardown_request
    def _reset(_exc):
        if "request_id_token" in g:
            logs.request_id.reset(g.request_id_token)

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return exc.response()

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return ApiError(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or exc.name).response()

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return ApiError(500, "internal_error", "Something went wrong on our side; please try again.").response()

    app.register_blueprint(ops_blueprint(checks))
    return app


def service_checks(engine, settings) -> dict[str, Callable[[], None]]:
    """The readiness checks of a service with a database and the bus."""
    import sqlalchemy as sa

    from shared import bus

    def database():
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    return {"database": database, "bus": lambda: bus.ping(settings)}


def ops_blueprint(checks: dict[str, Callable[[], None]]) -> Blueprint:
    ops = Blueprint("ops", __name__)

    @ops.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @ops.get("/readyz")
    def readyz():
        results, ready = {}, True
        for name, check in checks.items():
            try:
                check()
                results[name] = "ok"
            except Exception as exc:
                ready = False
                results[name] = f"unavailable: {exc.__class__.__name__}"
        return jsonify(status="ready" if ready else "not_ready", checks=results), 200 if ready else 503

    @ops.get("/metrics")
    def metrics_view():
        return Response(metrics.render(), mimetype="text/plain; version=0.0.4")

    return ops


def require_token(*expected: str) -> None:
    """Check `Authorization: Bearer <token>` against the accepted service tokens."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthorized", "A service token is required (Authorization: Bearer …).")
    if not any(hmac.compare_digest(token.encode(), e.encode()) for e in expected if e):
        raise ApiError(403, "forbidden", "This service token is not accepted here.")


def json_body() -> dict:
    if not request.data:
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    return body
