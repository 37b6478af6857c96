"""/api/…: the browser's only door to the gateway, an allow-list of its dashboard API.

Each route names the one gateway call it makes; ids in the path must look like
ids, so nothing the browser sends can steer the token to another gateway route.
Unsafe methods must be same-origin and say `Content-Type: application/json`
(a cross-site form or fetch can't send that without a CORS preflight, which we
never grant), so another site can't act through a user's cookie.
"""
from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify, request

from panel.demand import InvalidName
from panel.gateway import Answer
from panel.users import current_user
from shared import connections
from shared.web import ApiError, json_body

api = Blueprint("api", __name__, url_prefix="/api")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def _panel():
    return current_app.extensions["panel"]


@api.before_request
def _same_origin_json():
    if request.method not in UNSAFE:
        return
    origin = request.headers.get("Origin")
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none") or \
            (origin and origin.rstrip("/") != request.host_url.rstrip("/")):
        raise ApiError(403, "cross_site", "This request must come from the Connections page itself.")
    if not request.is_json:
        raise ApiError(415, "json_required", "Send JSON (Content-Type: application/json).")


def _id(value: str) -> str:
    if not _ID.match(value):
        raise ApiError(404, "not_found", "There is no such item.")
    return value


def _forward(method: str, path: str, body: dict | None = None, shape=None):
    """The gateway's answer, as it gave it (or reshaped by `shape` when it succeeded)."""
    answer: Answer = _panel().gateway.call(method, path, current_user(), body, client_address=request.remote_addr)
    ok = 200 <= answer.status < 300 and isinstance(answer.body, dict)
    response = jsonify(shape(answer.body) if shape and ok else answer.body)
    response.status_code = answer.status
    if answer.retry_after:
        response.headers["Retry-After"] = answer.retry_after
    return response


def _pick(body: dict, *names: str) -> dict:
    return {name: body[name] for name in names if isinstance(body.get(name), (str, list)) and body[name]}


@api.get("/networks")
def networks():
    return _forward("GET", "/v1/networks")


@api.get("/connections")
def list_connections():
    # the browser gets the connection's public view and nothing else (shared.connections)
    return _forward("GET", "/v1/connections",
                    shape=lambda body: {"connections": [connections.view(c) for c in body.get("connections") or []]})


@api.post("/connections/<network>/attempts")
def start_attempt(network: str):
    body = _pick(json_body(), "instance", "reconnect")
    return_to = _panel().return_to(request.host_url)
    if return_to:
        body["return_to"] = return_to
    return _forward("POST", f"/v1/connections/{_id(network)}/attempts", body)


@api.get("/attempts/<attempt_id>")
def attempt(attempt_id: str):
    return _forward("GET", f"/v1/attempts/{_id(attempt_id)}")


@api.post("/attempts/<attempt_id>/pages")
def choose_pages(attempt_id: str):
    return _forward("POST", f"/v1/attempts/{_id(attempt_id)}/pages", _pick(json_body(), "page_ids"))


@api.post("/connections/bluesky")
def connect_bluesky():
    body = _pick(json_body(), "handle", "app_password", "service", "reconnect")
    return _forward("POST", "/v1/connections/bluesky", body)


@api.delete("/connections/<connection_id>")
def disconnect(connection_id: str):
    return _forward("DELETE", f"/v1/connections/{_id(connection_id)}")


@api.post("/connections/<connection_id>/check")
def check(connection_id: str):
    return _forward("POST", f"/v1/connections/{_id(connection_id)}/check")


@api.post("/network-requests")
def request_network():
    try:
        outcome = _panel().demand.record(current_user(), str(json_body().get("name") or ""))
    except InvalidName as exc:
        raise ApiError(400, "invalid_name", str(exc)) from None
    if outcome.supported:
        return {"supported": True, "network": outcome.key,
                "message": "Post Mate already connects that network: pick it in the Connect list."}
    return {"supported": False, "counted": outcome.counted,
            "message": "Thanks, we've noted it. We count every request when we choose what to build next."
            if outcome.counted else "Thanks, you've already told us about that one; it's counted."}, 201
