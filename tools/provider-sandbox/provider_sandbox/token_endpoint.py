"""The token endpoints: code exchange, refresh grant, and Meta's long-lived swap and self-refresh.

- Codes are single-use, expire after `code_ttl_s`, and only work for the client
  and redirect_uri they were issued to, with the PKCE verifier when a challenge
  was sent.
- Refresh: "rotate" networks (TikTok, X, Pinterest) hand out a new refresh
  token and the old one stops working (X: replaying it kills the whole chain);
  "reuse" (Google) keeps the refresh token.
- Meta has no refresh tokens: a short-lived token is swapped for a long-lived
  one, which refreshes itself once it is `min_refresh_age_s` old.
"""
from __future__ import annotations

from flask import jsonify, request

from provider_sandbox import credentials, faults, issuing, mastodon, pkce
from provider_sandbox.errors import SandboxError
from provider_sandbox.revocation import revoke_family
from provider_sandbox.state import Sandbox, sandbox


def _require(params, name: str) -> str:
    value = params.get(name)
    if not value:
        raise SandboxError("invalid_request", f"Missing required parameter: {name}.")
    return value


def token(net, instance: str = ""):
    sb, params = sandbox(), request.values
    grant_type = params.get("grant_type") or net.default_grant_type
    faults.apply(net.id, "refresh" if grant_type == "refresh_token" else "token")
    if grant_type == "authorization_code":
        return jsonify(_exchange_code(sb, net, instance, params))
    if grant_type == "refresh_token":
        return jsonify(_refresh(sb, net, instance, params))
    if grant_type and grant_type == net.exchange_grant:  # Facebook's fb_exchange_token on this same URL
        return jsonify(_long_lived(sb, net, params))
    if not grant_type:
        raise SandboxError("invalid_request", "Missing required parameter: grant_type.")
    raise SandboxError("unsupported_grant_type", f"{net.name} does not support grant_type={grant_type}.")


def _exchange_code(sb: Sandbox, net, instance: str, params) -> dict:
    client = credentials.authenticate(net, instance)
    value = _require(params, "code")
    with sb.lock:
        code = sb.codes.get(value)
        if code is None or code.used or code.expires_at <= sb.now() or code.client_id != client.id:
            raise SandboxError(*net.message("bad_code"))
        if params.get("redirect_uri", "") != code.redirect_uri:
            raise SandboxError(*net.message("redirect_mismatch"))
        if not pkce.verify(code.challenge, code.challenge_method, params.get("code_verifier"), net.pkce_encoding):
            raise SandboxError(*net.message("pkce"))
        asked = tuple((params.get("scope") or "").split())
        if net.per_instance and not mastodon.scopes_allowed(sb, instance, client.id, asked):
            raise SandboxError("invalid_scope", "The requested scope is invalid, unknown, or malformed.")
        code.used = True
        grant = sb.grants[code.grant_id]
    body = issuing.from_code(sb, net, grant, code)
    sb.count(net.id, "token")
    return body


def _refresh(sb: Sandbox, net, instance: str, params) -> dict:
    client = credentials.authenticate(net, instance)
    value = _require(params, "refresh_token")
    with sb.lock:
        old, grant = sb.lookup(value, "refresh")
        if old is None or grant.network != net.id or grant.instance != instance or grant.client_id != client.id:
            raise SandboxError(*net.message("bad_refresh"))
        if old.replaced_by and net.reuse_revokes_family:
            revoke_family(sb, old.family)
        if old.replaced_by or sb.token_status(old, grant) != "active":
            raise SandboxError(*net.message("bad_refresh"))
        access = issuing.mint(sb, net, grant, "access", old.family, seconds=issuing.lifetime(sb, net))
        new = None
        if net.refresh == "rotate":
            new = issuing.mint(sb, net, grant, "refresh", old.family, seconds=issuing.lifetime(sb, net, "refresh"))
            old.replaced_by = new.value
        sb.count(net.id, "refresh", old.family)
    return issuing.token_body(sb, net, grant, access, new, response_type="refresh_token")


def _long_lived(sb: Sandbox, net, params) -> dict:
    secret = _require(params, "client_secret")
    short, grant = credentials.live_token(net, "", params.get(net.exchange_token_param), "access", api=False)
    if net.client_id_param in params and params[net.client_id_param] != grant.client_id:
        raise SandboxError("invalid_client", "Error validating application. Invalid application ID.")
    credentials.check_secret(sb, net, "", grant.client_id, secret)
    if short.stage != "short":
        raise SandboxError("invalid_request", "Only a short-lived token can be exchanged for a long-lived one.")
    token = issuing.mint(sb, net, grant, "access", short.family, seconds=issuing.lifetime(sb, net), stage="long")
    sb.count(net.id, "exchange")
    return issuing.long_lived_body(sb, token)


def long_lived(net):
    """Instagram/Threads: GET /access_token?grant_type=ig_exchange_token&client_secret=…&access_token=SHORT."""
    if request.args.get("grant_type") != net.exchange_grant:
        raise SandboxError("unsupported_grant_type", f"grant_type must be {net.exchange_grant}.")
    faults.apply(net.id, "token")
    return jsonify(_long_lived(sandbox(), net, request.args))


def self_refresh(net):
    """Instagram/Threads: GET /refresh_access_token?grant_type=ig_refresh_token&access_token=LONG."""
    sb = sandbox()
    if request.args.get("grant_type") != net.self_refresh_grant:
        raise SandboxError("unsupported_grant_type", f"grant_type must be {net.self_refresh_grant}.")
    faults.apply(net.id, "refresh")
    old, grant = credentials.live_token(net, "", request.args.get("access_token"), "access", api=False)
    if old.stage != "long":
        raise SandboxError("invalid_request", "Only a long-lived access token can be refreshed.")
    age, minimum = sb.now() - old.issued_at, sb.config["min_refresh_age_s"]
    if age < minimum:
        raise SandboxError("invalid_request", f"The access token can be refreshed only when it is at least "
                                              f"{minimum} seconds old; it is {int(age)} seconds old.")
    if not set(net.identity_scopes[0]) <= set(grant.scopes):
        raise SandboxError("insufficient_scope", f"Refreshing needs the {net.identity_scopes[0][0]} permission.")
    token = issuing.mint(sb, net, grant, "access", old.family, seconds=issuing.lifetime(sb, net), stage="long")
    sb.count(net.id, "refresh", old.family)
    return jsonify(issuing.long_lived_body(sb, token))
