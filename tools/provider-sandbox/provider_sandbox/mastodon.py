"""Mastodon: an app registers itself on each server before any OAuth, and asks only for scopes it registered.

Any instance name works (`/mastodon/<instance>/…`); registrations are kept per
instance, so credentials from one server are unknown on another.
"""
from __future__ import annotations

import secrets

from flask import jsonify, request

from provider_sandbox.errors import SandboxError
from provider_sandbox.state import MastodonApp, Sandbox, sandbox


def register_app(net, instance: str):
    """POST /api/v1/apps (form or JSON): client_name, redirect_uris, scopes, website."""
    data = request.get_json(silent=True) if request.is_json else request.form
    data = data if isinstance(data, dict) else {}
    name = str(data.get("client_name") or "").strip()
    uris, scopes = _words(data.get("redirect_uris")), _words(data.get("scopes") or "read")
    if not name:
        raise SandboxError("invalid_request", "Validation failed: Application name can't be blank", status=422,
                           api=True)
    if not uris or not all(u.startswith(("http://", "https://")) or u == "urn:ietf:wg:oauth:2.0:oob" for u in uris):
        raise SandboxError("invalid_request", "Validation failed: Redirect URI must be an absolute URI.",
                           status=422, api=True)
    app = MastodonApp(instance, secrets.token_urlsafe(32), secrets.token_urlsafe(32), name, uris, scopes)
    sb = sandbox()
    with sb.lock:
        sb.mastodon_apps[(instance, app.client_id)] = app
    sb.count(net.id, "apps")
    return jsonify({"id": str(len(sb.mastodon_apps)), "name": name, "website": data.get("website") or None,
                    "scopes": list(scopes), "redirect_uri": "\n".join(uris), "redirect_uris": list(uris),
                    "client_id": app.client_id, "client_secret": app.client_secret, "client_secret_expires_at": 0,
                    "vapid_key": "sandbox-vapid-key"})


def _words(value) -> tuple[str, ...]:
    """A space-separated string, or (JSON) a list of strings."""
    items = value if isinstance(value, list) else str(value or "").split()
    return tuple(str(item) for item in items)


def _app(sb: Sandbox, instance: str, client_id: str) -> MastodonApp | None:
    with sb.lock:
        return sb.mastodon_apps.get((instance, client_id))


def redirect_allowed(sb: Sandbox, instance: str, client_id: str, redirect_uri: str) -> bool:
    app = _app(sb, instance, client_id)
    return app is None or redirect_uri in app.redirect_uris  # configured clients register no URIs


def scopes_allowed(sb: Sandbox, instance: str, client_id: str, scopes) -> bool:
    """Each scope, or its parent ("read" covers "read:accounts"), must have been registered."""
    app = _app(sb, instance, client_id)
    return app is None or all(s in app.scopes or s.split(":")[0] in app.scopes for s in scopes)
