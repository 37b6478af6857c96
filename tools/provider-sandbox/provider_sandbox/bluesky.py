"""Bluesky's session XRPC, as a PDS answers it (served under `{base}/bluesky/xrpc/`).

Any handle ending in a configured suffix (".sandbox") is an account. It logs in
with any app-password-shaped password (`xxxx-xxxx-xxxx-xxxx`, a-z2-7), giving
scope com.atproto.appPass, or with the main password, giving com.atproto.access.
Refresh rotates the refresh JWT; the old one stays usable for a grace window and
then returns the same successor (an idempotent retry, like the reference PDS).
Revoking (deleteSession, or the admin API for an app password) kills refresh
JWTs; access JWTs are stateless and live on until they expire, as on a real PDS.
"""
from __future__ import annotations

import re
import secrets

from flask import Blueprint, jsonify, request

from provider_sandbox import accounts, bluesky_jwt, errors, faults
from provider_sandbox.errors import SandboxError
from provider_sandbox.issuing import configured_lifetime
from provider_sandbox.state import BlueskySession, Sandbox, sandbox

blueprint = Blueprint("bluesky", __name__)
APP_PASSWORD = re.compile(r"^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$")
AUDIENCE = "did:web:provider-sandbox"
ACCESS_TTL, REFRESH_TTL = 7200, 90 * 86400


@blueprint.errorhandler(SandboxError)
def _xrpc_error(exc: SandboxError):
    sandbox().count("bluesky", "errors")
    return errors.xrpc(exc)


def _fail(name: str, message: str, status: int = 400) -> SandboxError:
    return SandboxError(name, message, status=status)


# -- accounts -------------------------------------------------------------------
def _name_of(sb: Sandbox, handle: str) -> str | None:
    """"alice.sandbox" → "alice"; None when the handle isn't a sandbox one."""
    for suffix in sb.config["bluesky_handle_suffixes"]:
        if handle.endswith(suffix) and len(handle) > len(suffix):
            return handle[: -len(suffix)]
    return None


def _account_for(sb: Sandbox, identifier: str):
    identifier = identifier.strip().lower().lstrip("@")
    if identifier.startswith("did:"):
        return sb.find_account(identifier)
    name = _name_of(sb, identifier)
    if name is None:
        return None
    account = sb.account(name)
    account.handle = account.handle or identifier
    return account


def _scope_for(sb: Sandbox, account, password: str) -> str | None:
    if password == sb.config["bluesky_main_password"]:  # checked first: a main password may look like an app one
        return "com.atproto.access"
    if APP_PASSWORD.match(password):
        return None if (account.name, password) in sb.revoked_app_passwords else "com.atproto.appPass"
    return None


def _handle(sb: Sandbox, account) -> str:
    return account.handle or account.name + sb.config["bluesky_handle_suffixes"][0]


def _did_doc(did: str, handle: str) -> dict:
    return {"@context": ["https://www.w3.org/ns/did/v1"], "id": did, "alsoKnownAs": [f"at://{handle}"],
            "verificationMethod": [],
            "service": [{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer",
                         "serviceEndpoint": request.url_root.rstrip("/") + "/bluesky"}]}


# -- tokens ---------------------------------------------------------------------
def _open(sb: Sandbox, account, family: str, scope: str, app_password: str | None) -> BlueskySession:
    now = sb.now()
    expires = now + configured_lifetime(sb, "bluesky", "refresh", REFRESH_TTL)
    jti = secrets.token_urlsafe(24)
    claims = {"scope": "com.atproto.refresh", "sub": accounts.did(account.name), "aud": AUDIENCE, "jti": jti,
              "iat": int(now), "exp": int(expires)}
    jwt = bluesky_jwt.encode(claims, sb.config["jwt_secret"], "refresh+jwt")
    session = BlueskySession(jti, jwt, family, account.name, scope, app_password, expires)
    with sb.lock:
        sb.sessions[jti] = session
    return session


def _session_body(sb: Sandbox, session: BlueskySession) -> dict:
    account = sb.accounts[session.account]
    now, did = sb.now(), accounts.did(account.name)
    access = bluesky_jwt.encode({"scope": session.scope, "sub": did, "aud": AUDIENCE, "iat": int(now),
                                 "exp": int(now + configured_lifetime(sb, "bluesky", "access", ACCESS_TTL)),
                                 "jti": secrets.token_urlsafe(16)}, sb.config["jwt_secret"], "at+jwt")
    handle = _handle(sb, account)
    return {"accessJwt": access, "refreshJwt": session.jwt, "handle": handle, "did": did,
            "didDoc": _did_doc(did, handle), "active": True}


def _bearer_claims(sb: Sandbox, typ: str) -> dict:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() != "bearer ":
        raise _fail("AuthenticationRequired", "Authentication Required", 401)
    try:
        head, claims = bluesky_jwt.decode(header[7:].strip(), sb.config["jwt_secret"])
    except bluesky_jwt.InvalidJwt:
        raise _fail("InvalidToken", "Token could not be verified") from None
    if head.get("typ") != typ:
        raise _fail("InvalidToken", "Invalid token type")
    if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= sb.now():
        raise _fail("ExpiredToken", "Token has expired")
    return claims


def _signed_in(sb: Sandbox):
    account = sb.find_account(str(_bearer_claims(sb, "at+jwt").get("sub")))
    if account is None:
        raise _fail("InvalidToken", "Token could not be verified")
    return account


# -- endpoints ------------------------------------------------------------------
@blueprint.post("/com.atproto.server.createSession")
def create_session():
    sb = sandbox()
    faults.apply("bluesky", "token")
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    for field in ("identifier", "password"):
        if not isinstance(body.get(field), str) or not body[field]:
            raise _fail("InvalidRequest", f'Input must have the property "{field}"')
    account = _account_for(sb, body["identifier"])
    scope = _scope_for(sb, account, body["password"]) if account else None
    if scope is None:
        raise _fail("AuthenticationRequired", "Invalid identifier or password", 401)
    app_password = body["password"] if scope == "com.atproto.appPass" else None
    session = _open(sb, account, sb.new_family("bluesky", account.name), scope, app_password)
    sb.count("bluesky", "token")
    return jsonify({**_session_body(sb, session), "email": f"{account.name}@sandbox.invalid",
                    "emailConfirmed": True})


@blueprint.post("/com.atproto.server.refreshSession")
def refresh_session():
    sb = sandbox()
    faults.apply("bluesky", "refresh")
    claims = _bearer_claims(sb, "refresh+jwt")
    with sb.lock:
        session = sb.sessions.get(str(claims.get("jti")))
        if session is None or session.revoked:
            raise _fail("ExpiredToken", "Token has been revoked")
        if session.successor:  # a retry with the rotated-out token: same successor, inside the grace window
            successor = sb.sessions[session.successor]
            if successor.revoked or sb.now() > (session.grace_until or 0):
                raise _fail("ExpiredToken", "Token has been revoked")
            return jsonify(_session_body(sb, successor))
        successor = _open(sb, sb.accounts[session.account], session.family, session.scope, session.app_password)
        session.successor = successor.jti
        session.grace_until = min(sb.now() + sb.config["bluesky_refresh_grace_s"], session.expires_at)
        sb.count("bluesky", "refresh", session.family)
    return jsonify(_session_body(sb, successor))


@blueprint.get("/com.atproto.server.getSession")
def get_session():
    sb = sandbox()
    faults.apply("bluesky", "identity")
    account = _signed_in(sb)
    sb.count("bluesky", "identity")
    did, handle = accounts.did(account.name), _handle(sb, account)
    return jsonify({"handle": handle, "did": did, "didDoc": _did_doc(did, handle), "active": True,
                    "email": f"{account.name}@sandbox.invalid", "emailConfirmed": True})


@blueprint.post("/com.atproto.server.deleteSession")
def delete_session():
    sb = sandbox()
    faults.apply("bluesky", "revoke")
    claims = _bearer_claims(sb, "refresh+jwt")
    with sb.lock:
        session = sb.sessions.get(str(claims.get("jti")))
        if session is not None:
            for each in sb.sessions.values():
                if each.family == session.family:
                    each.revoked = True
    sb.count("bluesky", "revoke")
    return "", 200


@blueprint.get("/com.atproto.identity.resolveHandle")
def resolve_handle():
    name = _name_of(sandbox(), (request.args.get("handle") or "").strip().lower())
    if name is None:
        raise _fail("InvalidRequest", "Unable to resolve handle")
    return jsonify({"did": accounts.did(name)})


@blueprint.get("/app.bsky.actor.getProfile")
def get_profile():
    """Enough of the AppView for SDK logins (atproto's Client.login fetches the profile)."""
    sb = sandbox()
    faults.apply("bluesky", "identity")
    _signed_in(sb)
    account = sb.find_account(request.args.get("actor", "")) or _account_for(sb, request.args.get("actor", ""))
    if account is None:
        raise _fail("InvalidRequest", "Profile not found")
    did = accounts.did(account.name)
    return jsonify({"did": did, "handle": _handle(sb, account), "displayName": accounts.display_name(account.name),
                    "followersCount": 0, "followsCount": 0, "postsCount": 0})
