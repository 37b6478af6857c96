"""What a caller presents, checked: client credentials at token endpoints, access tokens at APIs.

How a client authenticates is a network quirk (`Network.client_auth`):
"body" (form or, for Facebook's GET, query; TikTok names the id `client_key`),
"basic" (Pinterest: HTTP Basic only), "either" (Google, Mastodon), and
"basic_if_secret" (X: a confidential client must use Basic, a public one sends
only client_id and relies on PKCE).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import request

from provider_sandbox.errors import SandboxError, token_error
from provider_sandbox.state import Grant, Sandbox, Token, sandbox


@dataclass(frozen=True)
class Client:
    id: str
    secret: str | None
    method: str  # "basic" | "body"


def registered_clients(sb: Sandbox, net, instance: str = "") -> dict[str, str] | None:
    """client_id → secret of the clients allowed on this network; None: any client id is accepted."""
    configured = sb.config["clients"].get(net.id)
    if not net.per_instance:
        return configured
    with sb.lock:  # Mastodon: apps registered on this server, plus any configured ones
        apps = {app.client_id: app.client_secret for (where, _), app in sb.mastodon_apps.items() if where == instance}
    return {**(configured or {}), **apps}


def check_secret(sb: Sandbox, net, instance: str, client_id: str, secret: str | None, public: bool = False) -> None:
    registered = registered_clients(sb, net, instance)
    if registered is not None and client_id not in registered:
        raise SandboxError("invalid_client", f"Unknown client {client_id!r}.")
    if public:
        return
    if not secret:
        raise SandboxError("invalid_client", "Client authentication failed: client_secret is missing.")
    if registered is not None and registered[client_id] != secret:
        raise SandboxError("invalid_client", "Client authentication failed: wrong client_secret.")


def authenticate(net, instance: str = "") -> Client:
    sb = sandbox()
    basic = request.authorization if request.authorization and request.authorization.type == "basic" else None
    body_id = (request.values.get(net.client_id_param) or "").strip()
    body_secret = request.values.get("client_secret")
    if net.client_auth == "basic" and basic is None:
        raise SandboxError("invalid_client", "Client authentication failed: send client_id:client_secret "
                                             "with HTTP Basic.")
    if net.client_auth == "body" and basic is not None and not body_id:
        raise SandboxError("invalid_client", f"Client credentials go in the request ({net.client_id_param}, "
                                             "client_secret), not in an Authorization header.")
    if net.client_auth == "basic_if_secret" and body_secret:
        raise SandboxError("unauthorized_client", "Missing valid authorization header")
    if basic is not None and net.client_auth != "body":
        client = Client(basic.username or "", basic.password, "basic")
    else:
        client = Client(body_id, body_secret, "body")
    if not client.id:
        raise SandboxError("invalid_request", f"Missing required parameter: {net.client_id_param}.")
    public = net.client_auth == "basic_if_secret" and client.method == "body"
    check_secret(sb, net, instance, client.id, client.secret, public)
    return client


def presented_token(allow_query: bool = False) -> str | None:
    """The bearer token; Graph APIs also take ?access_token=."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.values.get("access_token") if allow_query else None


def live_token(net, instance: str, value: str | None, *kinds: str, api: bool = True) -> tuple[Token, Grant]:
    """The token and its grant when it belongs to this network and still works; else the network's refusal."""
    sb = sandbox()
    token, grant = sb.lookup(value, *kinds)
    if token is None or grant.network != net.id or grant.instance != instance:
        raise token_error(net.family, "unknown", api=api)
    status = sb.token_status(token, grant)
    if status != "active":
        raise token_error(net.family, status, grant, api=api)
    return token, grant
