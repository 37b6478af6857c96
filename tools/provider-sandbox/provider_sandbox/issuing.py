"""Minting tokens for a grant, and the token answer each network gives.

Lifetimes come from the network's table entry unless config `expires_in`
overrides them: key "<network>" for the access token (Meta: the long-lived one),
"<network>.short" for Meta's short-lived token, "<network>.refresh" for refresh
tokens. None means the token never expires.
"""
from __future__ import annotations

import secrets

from provider_sandbox.state import Code, Grant, Sandbox, Token


def configured_lifetime(sb: Sandbox, network: str, kind: str, default: int | None) -> int | None:
    key = network if kind == "access" else f"{network}.{kind}"
    return sb.config["expires_in"].get(key, default)


def lifetime(sb: Sandbox, net, kind: str = "access") -> int | None:
    return configured_lifetime(sb, net.id, kind, net.lifetimes.get(kind))


def remaining(sb: Sandbox, token: Token | None) -> int | None:
    if token is None or token.expires_at is None:
        return None
    return max(0, round(token.expires_at - sb.now()))


def mint(sb: Sandbox, net, grant: Grant, kind: str, family: str, *, seconds: int | None, stage: str = "",
         page_id: str | None = None) -> Token:
    prefix = net.token_prefixes[1 if kind == "refresh" else 0]
    now = sb.now()
    token = Token(prefix + secrets.token_urlsafe(32), kind, grant.id, family, now,
                  None if seconds is None else now + seconds, stage, page_id)
    with sb.lock:
        sb.tokens[token.value] = token
    return token


def from_code(sb: Sandbox, net, grant: Grant, code: Code) -> dict:
    """What the code exchange answers: Meta's short-lived token, or an access (+ refresh) token."""
    family = sb.new_family(net.id, grant.account)
    if net.family == "meta":
        access = mint(sb, net, grant, "access", family, seconds=lifetime(sb, net, "short"), stage="short")
    else:
        access = mint(sb, net, grant, "access", family, seconds=lifetime(sb, net))
    refresh = None
    if net.issues_refresh(grant, code):
        refresh = mint(sb, net, grant, "refresh", family, seconds=lifetime(sb, net, "refresh"))
    return token_body(sb, net, grant, access, refresh, response_type="authorization_code")


def token_body(sb: Sandbox, net, grant: Grant, access: Token, refresh: Token | None = None,
               response_type: str = "authorization_code") -> dict:
    account_id = sb.accounts[grant.account].id
    values = {
        "access_token": access.value, "token_type": net.token_type, "expires_in": remaining(sb, access),
        "refresh_token": refresh.value if refresh else None,
        "refresh_expires_in": remaining(sb, refresh), "refresh_token_expires_in": remaining(sb, refresh),
        "scope": net.scope_separator.join(grant.scopes), "user_id": int(account_id),
        "permissions": ",".join(grant.scopes), "open_id": account_id, "created_at": int(access.issued_at),
        "response_type": response_type,
    }
    body = {key: values[key] for key in net.token_fields if values.get(key) is not None}
    return net.token_shape(body, sb.config) if net.token_shape else body


def long_lived_body(sb: Sandbox, token: Token) -> dict:
    """Meta's long-lived and refreshed tokens: {access_token, token_type, expires_in}."""
    return {"access_token": token.value, "token_type": "bearer", "expires_in": remaining(sb, token)}
