"""Asking the provider about a token: LinkedIn's introspectToken and Meta's debug_token."""
from __future__ import annotations

from flask import jsonify, request

from provider_sandbox import credentials
from provider_sandbox.errors import SandboxError, token_error
from provider_sandbox.state import sandbox


def _known(net, value):
    token, grant = sandbox().lookup(value)
    if token is None or grant.network != net.id:
        return None, None
    return token, grant


def introspect(net, instance: str = ""):
    """LinkedIn: POST client_id, client_secret, token → active, status (active | expired | revoked), …"""
    sb = sandbox()
    client = credentials.authenticate(net, instance)
    token, grant = _known(net, request.values.get("token"))
    if token is None or grant.client_id != client.id:
        return jsonify({"active": False})
    status = sb.token_status(token, grant)
    return jsonify({"active": status == "active", "client_id": grant.client_id, "status": status,
                    "authorized_at": int(grant.created_at), "created_at": int(token.issued_at),
                    "expires_at": int(token.expires_at) if token.expires_at else None,
                    "scope": ",".join(grant.scopes), "auth_type": "3L"})


def debug_token(net, instance: str = ""):
    """Meta: GET ?input_token=…&access_token=<app or user token> → {"data": {is_valid, scopes, …}}."""
    sb = sandbox()
    if not request.args.get("access_token") or not request.args.get("input_token"):
        raise SandboxError("invalid_request", "(#100) The parameters input_token and access_token are required",
                           api=True)
    token, grant = _known(net, request.args["input_token"])
    if token is None:
        return jsonify({"data": {"error": {"code": 190, "message": "Invalid OAuth access token."},
                                 "is_valid": False, "scopes": []}})
    status = sb.token_status(token, grant)
    data = {"app_id": grant.client_id, "type": "PAGE" if token.kind == "page" else "USER",
            "application": "Sandbox app", "is_valid": status == "active", "issued_at": int(token.issued_at),
            "expires_at": int(token.expires_at) if token.expires_at else 0,
            "data_access_expires_at": int(grant.created_at) + 90 * 86400, "scopes": list(grant.scopes),
            "granular_scopes": [{"scope": s, "target_ids": list(grant.pages)} for s in grant.scopes
                                if s.startswith("pages_") and grant.pages],
            "user_id": sb.accounts[grant.account].id}
    if token.page_id:
        data["profile_id"] = token.page_id
    if status != "active":
        err = token_error("meta", status, grant)
        data["error"] = {"code": 190, "message": err.description, "subcode": err.subcode}
    return jsonify({"data": data})
