"""HTTP entrypoints: thin translators from requests to handlers and back.

`dashboard` — the dashboard's internal API (service token + X-PostMate-User).
`browser` — what the user's browser opens: the start URL and the OAuth callback,
answered with a small HTML page (JSON when the client asks for it).
`meta` — Meta's server-to-server callbacks (signed, so no token) and the
data-deletion status page their answer points to.
"""
from __future__ import annotations

import secrets
import time

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request

from auth_gateway import (
    callback,
    checks,
    connect,
    disconnect,
    meta_callbacks,
    metrics,
    pages,
    queries,
)
from auth_gateway.domain import allowed_return_to, origin
from shared.web import ApiError, json_body, require_token, user_header

dashboard = Blueprint("dashboard", __name__)
browser = Blueprint("browser", __name__, template_folder="templates")
meta = Blueprint("meta", __name__)
BROWSER_COOKIE = "postmate_connect"


def _deps():
    return current_app.extensions["deps"]


@dashboard.before_request
def authenticate():
    """The dashboard's service token and the user it speaks for; every /v1 blueprint checks alike."""
    require_token(_deps().settings.dashboard_token)
    g.user_id = user_header()


def _text(body: dict, name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise ApiError(400, f"invalid_{name}", f"{name} must be a string.")
    return value or None


@dashboard.get("/v1/networks")
def list_networks():
    return _deps().call(queries.list_networks, g.user_id)


@dashboard.post("/v1/connections/<network>/attempts")
def create_attempt(network: str):
    body = json_body()
    command = connect.NewAttempt(user_id=g.user_id, network=network, return_to=_text(body, "return_to"),
                                 instance=_text(body, "instance"), reconnect=_text(body, "reconnect"))
    return _deps().call(connect.create_attempt, command), 201


@dashboard.get("/v1/attempts/<attempt_id>")
def get_attempt(attempt_id: str):
    return _deps().call(queries.attempt_view, attempt_id, g.user_id)


@dashboard.post("/v1/attempts/<attempt_id>/pages")
def choose_pages(attempt_id: str):
    _deps().call(pages.choose_pages, attempt_id, g.user_id, json_body().get("page_ids"))
    return _deps().call(queries.attempt_view, attempt_id, g.user_id)


@dashboard.get("/v1/connections")
def list_connections():
    return _deps().call(queries.list_connections, g.user_id)


@dashboard.delete("/v1/connections/<connection_id>")
def disconnect_connection(connection_id: str):
    return _deps().call(disconnect.disconnect, connection_id, g.user_id)


@dashboard.post("/v1/connections/<connection_id>/check")
def check_connection(connection_id: str):
    return _deps().call(checks.check_connection, connection_id, g.user_id)


@browser.get("/start/<attempt_id>")
def start(attempt_id: str):
    settings = _deps().settings
    url, cookie = _deps().call(connect.start_attempt, attempt_id, request.args.get("t", ""),
                               request.cookies.get(BROWSER_COOKIE))
    response = _private(redirect(url, 302))
    response.set_cookie(BROWSER_COOKIE, cookie, max_age=settings.attempt_ttl_s, httponly=True, samesite="Lax",
                        secure=settings.gateway_public_url.startswith("https://"), path="/")
    return response


@browser.get("/oauth/<network>/callback")
def oauth_callback(network: str):
    started = time.perf_counter()
    page = _deps().call(callback.complete_callback, network, request.args.to_dict(),
                        request.cookies.get(BROWSER_COOKIE))
    metrics.CALLBACK_SECONDS.labels(network).observe(time.perf_counter() - started)  # known networks only
    if _wants_json():
        return jsonify(attempt_id=page.attempt_id, outcome=page.outcome, message=page.message), page.status
    return _page(page.status, page.outcome, page.title, page.message, page.return_to, page.attempt_id)


@meta.post("/meta/<network>/<kind>")
def meta_callback(network: str, kind: str):
    """Meta's deauthorize / data-deletion callback (form field `signed_request`); JSON both ways."""
    return _deps().call(meta_callbacks.receive, network, kind, request.form.get("signed_request", ""))


@meta.get("/meta/deletions/<code>")
def meta_deletion_status(code: str):
    return _deps().call(meta_callbacks.deletion_status, code)


@browser.errorhandler(ApiError)
def _browser_error(exc: ApiError):
    if _wants_json():
        return exc.response()
    return _page(exc.status, "rejected", "Nothing was connected", exc.message, code=exc.code)


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def _page(status: int, outcome: str, title: str, message: str, return_to: str | None = None,
          attempt_id: str | None = None, code: str | None = None):
    """The page the platform's tab lands on; it tells the opener and closes itself when done."""
    allowed = return_to if allowed_return_to(return_to, _deps().settings.allowed_return_origins) else None
    nonce = secrets.token_urlsafe(16)
    script = {"finished": outcome in ("connected", "choose_pages"), "returnTo": allowed,
              "origin": origin(allowed) if allowed else None,
              "message": {"type": "postmate:connect", "attempt_id": attempt_id, "outcome": outcome}}
    html = render_template("connect_page.html", title=title, message=message, return_to=allowed, outcome=outcome,
                           code=code, nonce=nonce, script=script)
    response = _private(current_app.response_class(html, status=status, mimetype="text/html"))
    response.headers["Content-Security-Policy"] = (f"default-src 'none'; script-src 'nonce-{nonce}'; "
                                                   "style-src 'unsafe-inline'; base-uri 'none'; "
                                                   "form-action 'none'; frame-ancestors 'none'")
    return response


def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the URL carries a code or a start token
    return response
