"""Bluesky's rules, free of I/O: what a handle and an app password look like, and
what a session's access-token scope says about the password that made it.

The reference PDS writes the kind of password into the access JWT's `scope`:
`com.atproto.appPass` (app password), `com.atproto.appPassPrivileged` (an app
password that may also read direct messages), `com.atproto.access` (the main
password). We read the claim without verifying the signature: the token comes
straight from the server we asked, and the claim only decides whether we keep it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from auth_gateway.bluesky.errors import refuse
from shared.encoding import unverified_claims

NETWORK = "bluesky"
HANDLE = re.compile(r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
APP_PASSWORD = re.compile(r"^[a-z2-7]{4}(-[a-z2-7]{4}){3}$")  # base32, as createAppPassword draws it
DID = re.compile(r"^did:(plc:[a-z2-7]{24}|web:[a-z0-9.-]+(%3[aA][0-9]{1,5})?)$")

APP_PASS, APP_PASS_PRIVILEGED, MAIN = "com.atproto.appPass", "com.atproto.appPassPrivileged", "com.atproto.access"
PRIVILEGED_NOTICE = ("This app password is privileged: it would also let apps read your direct messages. Post Mate "
                     "never reads them, but a regular app password is enough; you can swap it any time at "
                     "bsky.app/settings/app-passwords.")


@dataclass(frozen=True)
class BlueskyLogin:
    """One request to connect: validated shapes, the password kept out of every repr."""
    user_id: str
    handle: str
    app_password: str = field(repr=False)
    service: str | None = None  # the PDS the user named (already parsed, not yet vetted)
    reconnect: str | None = None
    address: str | None = None  # the person's IP address, as the dashboard saw it


@dataclass(frozen=True)
class Session:
    """What createSession answered."""
    did: str
    handle: str
    active: bool
    status: str | None
    access_jwt: str = field(repr=False)
    refresh_jwt: str = field(repr=False)

    @property
    def scope(self) -> str:
        return str(jwt_claims(self.access_jwt).get("scope") or "")

    @property
    def expires_at(self) -> datetime | None:
        exp = jwt_claims(self.access_jwt).get("exp")
        return datetime.fromtimestamp(exp, timezone.utc) if isinstance(exp, (int, float)) else None


def normalise_handle(raw) -> str:
    """"@Alice.bsky.social " → "alice.bsky.social"; anything else is refused (and never echoed)."""
    handle = raw.strip().lstrip("@").lower() if isinstance(raw, str) else ""
    if not HANDLE.match(handle):
        raise refuse("invalid_handle")
    return handle


def check_app_password(raw) -> str:
    password = raw.strip() if isinstance(raw, str) else ""
    if not APP_PASSWORD.match(password):
        raise refuse("invalid_app_password")
    return password


def check_did(did) -> str:
    if not isinstance(did, str) or not DID.match(did):
        raise ValueError("not a did:plc or did:web identifier")
    return did


def refusal_of(session: Session, expected_did: str, handle: str, host: str):
    """Why this session must not be kept (an ApiError), or None when it is an app-password session of the
    account we resolved, active on its server."""
    if session.did != expected_did:
        return refuse("identity_mismatch", host=host, handle=handle)
    if session.scope == MAIN:
        return refuse("main_password")
    if session.scope not in (APP_PASS, APP_PASS_PRIVILEGED):
        return refuse("not_an_app_password")
    if not session.active:
        code = "account_deactivated" if session.status == "deactivated" else "account_taken_down"
        return refuse(code, handle=handle)
    return None


jwt_claims = unverified_claims
