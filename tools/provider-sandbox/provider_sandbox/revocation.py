"""Taking access away: each network's revoke endpoint, and the admin's "this account revoked us".

Revoking through an endpoint ends the token's whole grant (Google documents
this; for the others one grant holds one connection anyway). Afterwards every
token of the grant answers the network's permanent error.
"""
from __future__ import annotations

from flask import request

from provider_sandbox import credentials, faults
from provider_sandbox.errors import SandboxError
from provider_sandbox.state import Grant, Sandbox, sandbox


def revoke_grant(sb: Sandbox, grant: Grant, reason: str = "revoked") -> int:
    """Mark the grant and all its tokens revoked; answers how many tokens died."""
    with sb.lock:
        grant.revoked_reason = grant.revoked_reason or reason
        dead = [t for t in sb.tokens.values() if t.grant_id == grant.id and not t.revoked]
        for token in dead:
            token.revoked = True
        return len(dead)


def revoke_family(sb: Sandbox, family: str) -> None:
    with sb.lock:
        for token in sb.tokens.values():
            if token.family == family:
                token.revoked = True


def revoke_account(sb: Sandbox, network: str, account: str, reason: str = "revoked",
                   app_password: str | None = None) -> dict[str, int]:
    """Everything `account` granted on `network` (Bluesky: its sessions, and the app passwords used)."""
    with sb.lock:
        if network == "bluesky":
            return _revoke_bluesky(sb, account, app_password)
        grants = [g for g in sb.grants.values() if g.network == network and g.account == account]
        tokens = sum(revoke_grant(sb, grant, reason) for grant in grants)
        return {"grants": len(grants), "tokens": tokens}


def _revoke_bluesky(sb: Sandbox, account: str, app_password: str | None) -> dict[str, int]:
    # Deleting an app password kills its refresh tokens; access JWTs are stateless and live on until exp.
    sessions = [s for s in sb.sessions.values() if s.account == account and not s.revoked
                and (app_password is None or s.app_password == app_password)]
    for session in sessions:
        session.revoked = True
        if session.app_password:
            sb.revoked_app_passwords.add((account, session.app_password))
    if app_password:
        sb.revoked_app_passwords.add((account, app_password))
    return {"sessions": len(sessions)}


def revoke(net, instance: str = ""):
    """The network's revoke endpoint: POST token=… (with client credentials where the network wants them)."""
    sb = sandbox()
    faults.apply(net.id, "revoke")
    client = credentials.authenticate(net, instance) if net.revoke_needs_client else None
    value = request.values.get("token")
    if not value:
        raise SandboxError("invalid_request", "Missing required parameter: token.")
    token, grant = sb.lookup(value)
    mine = token is not None and grant.network == net.id and grant.instance == instance and \
        (client is None or grant.client_id == client.id)
    if mine and token.kind not in net.revoke_kinds:  # TikTok: a refresh token revokes nothing
        raise SandboxError("invalid_request", "The access token is invalid or not found in the request.")
    if mine and net.revoke_needs_live and token.expires_at is not None and token.expires_at <= sb.now():
        raise SandboxError("invalid_token", "The access token is invalid or not found in the request.", status=401)
    if mine and not grant.revoked_reason:
        revoke_grant(sb, grant)
    elif net.revoke_unknown_is_error:
        raise SandboxError("invalid_token", "Token expired or revoked", status=400)
    sb.count(net.id, "revoke")
    return (net.revoke_answer, 200) if net.revoke_answer is not None else ("", 200)
