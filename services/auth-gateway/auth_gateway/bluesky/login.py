"""The atproto session: sign in once with the app password, keep the session.

`open_session` is createSession at the account's PDS (the SDK's raw XRPC call,
so no profile fetch and no automatic refresh: the refresher keeps the session
alive from then on). Bluesky allows about 30 sign-ins per 5 minutes per account,
so nothing here is meant to run per action. `end_session` is deleteSession,
for sessions we refuse to keep. `display_name` asks for the profile; a PDS
without an AppView (self-hosted, offline) can't answer, and the handle is used.
"""
from __future__ import annotations

import logging

import httpx
from atproto_client import exceptions as xrpc

from auth_gateway.bluesky.domain import Session
from auth_gateway.bluesky.errors import from_xrpc
from auth_gateway.bluesky.xrpc import xrpc_client
from shared.logs import remember_secret
from shared.providers.egress import Target

log = logging.getLogger(__name__)
PROFILE_TIMEOUT_S = 3.0  # a name is nice to have, never worth a slow connect


def open_session(pds: Target, handle: str, app_password: str, timeout_s: float) -> Session:
    try:
        with xrpc_client(pds, timeout_s) as client:
            answer = client.com.atproto.server.create_session({"identifier": handle, "password": app_password})
    except (xrpc.AtProtocolError, httpx.HTTPError) as exc:
        log.info("bluesky sign-in for %s at %s refused: %s", handle, pds.host, exc.__class__.__name__)
        raise from_xrpc(exc, host=pds.host, handle=handle) from None
    remember_secret(answer.access_jwt, answer.refresh_jwt)
    return Session(did=answer.did, handle=answer.handle, active=answer.active is not False, status=answer.status,
                   access_jwt=answer.access_jwt, refresh_jwt=answer.refresh_jwt)


def end_session(pds: Target, session: Session, timeout_s: float) -> bool:
    """deleteSession (with the refresh JWT, as the lexicon wants). False when it could not be done."""
    try:
        with xrpc_client(pds, timeout_s) as client:
            client.com.atproto.server.delete_session(headers={"Authorization": f"Bearer {session.refresh_jwt}"})
        return True
    except Exception as exc:  # best effort, never the reason a refusal turns into a 500
        log.warning("could not end a refused bluesky session of %s at %s: %s", session.did, pds.host,
                    exc.__class__.__name__)
        return False


def display_name(pds: Target, session: Session) -> str:
    try:
        with xrpc_client(pds, PROFILE_TIMEOUT_S) as client:
            profile = client.app.bsky.actor.get_profile(
                {"actor": session.did}, headers={"Authorization": f"Bearer {session.access_jwt}"})
    except Exception as exc:  # any failure: the handle will do
        log.info("no bluesky profile for %s (%s); showing the handle", session.did, exc.__class__.__name__)
        return session.handle
    return (profile.display_name or "").strip()[:200] or session.handle
