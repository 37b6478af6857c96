"""`POST /v1/connections/bluesky` — the dashboard's internal API, like the rest of `/v1`
(dashboard service token + X-PostMate-User), plus `X-PostMate-Client-Address`: the
person's IP address as the dashboard saw it, for the per-address brute-force limit.

Body `{handle, app_password, service?, reconnect?}` → 201 `{attempt_id, status,
connection, notice?}`; refusals are `{error, message, help?, retryable?,
retry_after?}` with `Retry-After` on 429s (see README.md in this folder).
"""
from __future__ import annotations

import ipaddress

from flask import Blueprint, current_app, g, request
from prometheus_client import Counter

from auth_gateway.bluesky.connect import connect_bluesky, parse_login
from auth_gateway.http import authenticate
from shared.web import ApiError, json_body

bluesky = Blueprint("bluesky", __name__)
ADDRESS_HEADER = "X-PostMate-Client-Address"
REFUSALS = Counter("auth_gateway_bluesky_refusals_total",
                   "Bluesky connects refused, by error code (bounded: the codes in errors.py and the gateway's)",
                   ["error"])

# The dashboard API's own check (service token, X-PostMate-User), so both blueprints authenticate alike.
bluesky.before_request(authenticate)


@bluesky.post("/v1/connections/bluesky")
def connect():
    command = parse_login(json_body(), g.user_id, _client_address())
    return current_app.extensions["deps"].call(connect_bluesky, command), 201


@bluesky.errorhandler(ApiError)
def _refused(exc: ApiError):
    REFUSALS.labels(exc.code).inc()
    response = exc.response()
    if exc.extra.get("retry_after"):
        response.headers["Retry-After"] = str(exc.extra["retry_after"])
    response.headers["Cache-Control"] = "no-store"
    return response


def _client_address() -> str | None:
    raw = request.headers.get(ADDRESS_HEADER, "").strip()
    try:
        return str(ipaddress.ip_address(raw)) if raw else None
    except ValueError:
        return None
