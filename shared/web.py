"""What every HTTP service shares: JSON errors, request ids, service tokens, the
input rules, and the ops endpoints (/healthz, /readyz, /metrics).

Input rules, before anything reaches a handler or a database (no input may cause a
5xx): bodies over `MAX_BODY` are a 413; a path segment that no id could be (a NUL,
a lone surrogate, over `MAX_PATH_ID` characters) is a 404; a JSON body must say
`Content-Type: application/json` (415), parse, be an object, nest at most
`MAX_DEPTH` deep, and hold no NUL or lone surrogate in any string (400); a request
id is taken from `X-Request-Id` only in a short id shape; metrics label the method
from a fixed set; a 405 says `Allow`.
"""
from __future__ import annotations

import hmac
import json
import logging
import re
import time
import uuid
from typing import Any, Callable

from flask import Blueprint, Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from shared import logs, metrics

log = logging.getLogger(__name__)
MAX_BODY = 1 << 20  # 1 MiB: far above any request these APIs take
MAX_DEPTH = 32
MAX_PATH_ID = 1000  # services check their own, tighter lengths with their own sentences
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_UNSAFE_TEXT = re.compile("[\x00\ud800-\udfff]")


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
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY

    @app.before_request
    def _request_id():
        g.started = time.perf_counter()
        offered = request.headers.get("X-Request-Id", "")
        g.request_id = offered if REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        g.request_id_token = logs.request_id.set(g.request_id)

    @app.before_request
    def _plausible_path():
        for value in (request.view_args or {}).values():
            if isinstance(value, str) and (len(value) > MAX_PATH_ID or _UNSAFE_TEXT.search(value)):
                raise ApiError(404, "not_found", "There is no such item.")

    @app.after_request
    def _echo_request_id(response):
        response.headers["X-Request-Id"] = g.get("request_id", "")
        if request.endpoint not in ("ops.metrics_view", "ops.healthz"):
            method = request.method if request.method in METHODS else "OTHER"  # any client can invent one
            metrics.HTTP_REQUESTS.labels(service, method, str(response.status_code)).inc()
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
        if exc.code == 413:
            return ApiError(413, "body_too_large", f"The request body is over {MAX_BODY // 1024} KiB; "
                                                   "nothing here takes that much.").response()
        response = ApiError(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or exc.name).response()
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return response

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


def user_header(name: str = "X-PostMate-User", max_length: int = 200) -> str:
    """The user a trusted caller speaks for, as UTF-8 text: exactly one header (servers join repeated
    headers with commas, so a comma means two), no control characters, at most `max_length`."""
    values = request.headers.getlist(name)
    if len(values) > 1 or (values and "," in values[0]):
        raise ApiError(400, "user_ambiguous", f"Send exactly one {name} header, naming one user.")
    try:  # WSGI hands header bytes over as latin-1; the dashboard sends UTF-8
        user = (values[0] if values else "").encode("latin-1").decode("utf-8").strip()
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise ApiError(400, "user_invalid", f"The {name} header must be UTF-8 text.") from None
    if not user or len(user) > max_length or any(ord(c) < 32 or ord(c) == 127 for c in user):
        raise ApiError(400, "user_required", f"Say which Post Mate user this is for in the {name} header "
                                             f"(up to {max_length} characters, no control characters).")
    return user


def json_body(required: bool = False) -> dict:
    """The request's JSON object (empty when there is no body and none is `required`); see the input rules."""
    raw = request.get_data(cache=True)
    if not raw:
        if required:
            raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
        return {}
    if not request.is_json:
        raise ApiError(415, "json_required", "Send the body as JSON, with Content-Type: application/json.")
    try:
        body = json.loads(raw)
    except RecursionError:
        raise ApiError(400, "invalid_json", f"The JSON body nests deeper than {MAX_DEPTH} levels.") from None
    except ValueError:  # not JSON, or not UTF-8
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    _check_json(body, 1)
    return body


def _check_json(value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ApiError(400, "invalid_json", f"The JSON body nests deeper than {MAX_DEPTH} levels.")
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        for text in (key, item):
            if isinstance(text, str) and _UNSAFE_TEXT.search(text):
                raise ApiError(400, "invalid_text", "Text in the request may not hold NUL characters or unpaired "
                                                    "surrogates (\\u0000, \\ud800…).")
        if isinstance(item, (dict, list)):
            _check_json(item, depth + 1)
