"""gunicorn 'provider_sandbox.app:create_app()' (configured from POSTMATE_SANDBOX_* variables).

Tests call `create_app({...})` with a dict and never touch the environment.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
from typing import Mapping

from flask import Flask, g, request
from werkzeug.exceptions import HTTPException

from provider_sandbox import admin, bluesky, errors, routes
from provider_sandbox.config import build_config, config_from_env
from provider_sandbox.errors import SandboxError
from provider_sandbox.state import Sandbox, sandbox

log = logging.getLogger(__name__)
GRAPH_PATH = re.compile(r"^/(?:facebook|instagram)/(v\d+\.\d+)/")


def create_app(config: Mapping | None = None) -> Flask:
    """The sandbox app; `config=None` reads POSTMATE_SANDBOX_* (the WSGI entry)."""
    if config is not None and not isinstance(config, Mapping):
        # A shared.config.Settings (the system tests pass one): auto-approve and Meta's Graph version concern it.
        config = {"auto_approve": bool(getattr(config, "sandbox_auto_approve", False)),
                  "graph_version": config.graph_api_version}
    settings = build_config(config_from_env(os.environ) if config is None else config)
    settings["jwt_secret"] = settings["jwt_secret"] or secrets.token_hex(32)
    app = Flask(__name__, static_folder=None)
    app.json.sort_keys = False  # answers keep each network's field order
    app.extensions["provider_sandbox"] = Sandbox(settings)
    routes.register_networks(app, settings["graph_version"])
    app.register_blueprint(bluesky.blueprint, url_prefix="/bluesky/xrpc")
    app.register_blueprint(admin.blueprint, url_prefix="/_sandbox")
    app.add_url_rule("/healthz", "healthz", lambda: {"status": "ok"})
    app.register_error_handler(SandboxError, _sandbox_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    return app


def create_app_from_env() -> Flask:
    """The name deploy/run_local.py starts."""
    return create_app(None)


def _sandbox_error(exc: SandboxError):
    net = g.get("network")
    if net is None:
        return errors.plain(exc)
    sandbox().count(net.id, "errors")
    if net.token_error and request.endpoint == f"{net.id}.token":
        return net.token_error(exc)
    return (net.api_error if exc.api else net.oauth_error)(exc)


def _http_error(exc: HTTPException):
    """Unknown paths and wrong methods, still in the network's shape when the path names one."""
    error = SandboxError("not_found" if exc.code == 404 else "invalid_request", exc.description or exc.name,
                         status=exc.code or 400)
    net = g.get("network") or routes.network_of(request.path)
    asked = GRAPH_PATH.match(request.path)
    served = sandbox().config["graph_version"]
    if exc.code == 404 and net is not None and asked and asked.group(1) != served:
        error = SandboxError("invalid_request", f"Graph API {asked.group(1)} is not served here: this sandbox, like "
                                                f"Meta after a version's end, answers {served} only.", status=400)
    if request.path.startswith("/bluesky/"):
        return errors.xrpc(error)
    return net.oauth_error(error) if net else errors.plain(error)


def _unexpected(exc: Exception):
    log.exception("provider sandbox bug")
    return errors.plain(SandboxError("server_error", f"{type(exc).__name__} in the provider sandbox", status=500))
