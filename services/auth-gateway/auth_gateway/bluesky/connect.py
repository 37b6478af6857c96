"""Connecting Bluesky with an app password, start to finish (design.md, flow 2).

1. Shapes (`parse_login`): handle, app password, `service` URL, `reconnect` — a
   400 before anything is counted or called.
2. The brute-force guard counts the attempt (429 + Retry-After).
3. A reconnect must name one of the user's connections (404).
4. Locate the account: handle → DID → PDS, user-named servers through the SSRF
   guard. The connection id follows from the DID, so a reconnect that names
   another account is refused here (409) — and the socket is always reserved as
   a reconnect of that id: connecting an account that is already connected
   costs no socket, even at the plan's cap. (Locating before reserving also
   means a mistyped handle holds no socket.)
5. Reserve the socket (403 plan_limit; 503 when plan-limits can't say) and
   record the attempt (`kind = app_password`).
6. createSession. The session is kept only if it is an app-password session of
   that DID, active on its server; otherwise it is ended at once (deleteSession).
7. `outcomes.connected`: the attempt and AccountConnected — the session's JWTs,
   encrypted, never the password — in one transaction.
A refusal from step 5 on ends the attempt `failed` with its sentence and
releases the reservation; nothing else is stored.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from auth_gateway import metrics, outcomes, repository
from auth_gateway.bluesky import identity, login, rate_limit
from auth_gateway.bluesky.domain import (
    APP_PASS_PRIVILEGED,
    NETWORK,
    PRIVILEGED_NOTICE,
    BlueskyLogin,
    Session,
    check_app_password,
    normalise_handle,
    refusal_of,
)
from auth_gateway.bluesky.errors import refuse
from auth_gateway.bluesky.identity import Directory, Place
from auth_gateway.bluesky.rate_limit import LoginLimits
from auth_gateway.bluesky.xrpc import parse_service
from auth_gateway.connect import connection_to_reconnect, reserve
from auth_gateway.domain import PENDING, connection_id
from shared import connections
from shared.logs import remember_secret
from shared.providers import Account
from shared.web import ApiError

KIND = "app_password"
INTERNAL = "Something went wrong on our side, so nothing was connected. Please try again."


@dataclass(frozen=True)
class Bluesky:
    """What this connect needs beyond the gateway's other effects; bootstrap builds it from
    `POSTMATE_BLUESKY_*`: where handles resolve, the sign-in limits, the per-call timeout."""
    directory: Directory
    limits: LoginLimits
    timeout_s: float = 5.0


def parse_login(body: dict, user_id: str, address: str | None) -> BlueskyLogin:
    reconnect, service = body.get("reconnect") or None, body.get("service")
    if reconnect is not None and (not isinstance(reconnect, str) or len(reconnect) > 64):
        raise refuse("invalid_reconnect")
    return BlueskyLogin(user_id=user_id, handle=normalise_handle(body.get("handle")),
                        app_password=check_app_password(body.get("app_password")),
                        service=parse_service(service) if service not in (None, "") else None,
                        reconnect=reconnect, address=address)


def connect_bluesky(cmd: BlueskyLogin, *, bluesky: Bluesky, egress, registry, plans, store, sessions, cipher, outbox,
                    settings, clock) -> dict:
    remember_secret(cmd.app_password)  # whatever happens next, logs print it as [redacted]
    rate_limit.admit(cmd.user_id, cmd.address, limits=bluesky.limits, sessions=sessions, clock=clock)
    if cmd.reconnect:
        connection_to_reconnect(cmd.user_id, NETWORK, cmd.reconnect, store=store, sessions=sessions, clock=clock)
    place = identity.locate(cmd.handle, cmd.service, directory=bluesky.directory, egress=egress,
                            timeout_s=bluesky.timeout_s)
    cid = connection_id(cmd.user_id, NETWORK, place.did)
    if cmd.reconnect and cmd.reconnect != cid:
        raise refuse("wrong_account", handle=cmd.handle)
    reservation = reserve(plans, cmd.user_id, NETWORK, cid)
    row = _open_attempt(cmd, reservation.id, sessions=sessions, plans=plans, settings=settings, clock=clock)
    try:
        shown, session = _sign_in(row, place, cmd, bluesky=bluesky, provider=registry.get(NETWORK),
                                  sessions=sessions, cipher=cipher, outbox=outbox, clock=clock)
    except Exception as exc:
        code, message = (exc.code, exc.message) if isinstance(exc, ApiError) else ("internal_error", INTERNAL)
        outcomes.refused(row, code, message, sessions=sessions, plans=plans, clock=clock)
        raise
    answer = {"attempt_id": row.id, "status": "connected", "connection": connections.view(shown)}
    if session.scope == APP_PASS_PRIVILEGED:
        answer["notice"] = PRIVILEGED_NOTICE
    return answer


def _open_attempt(cmd: BlueskyLogin, reservation_id: str, *, sessions, plans, settings, clock):
    now, attempt_id = clock(), str(uuid.uuid4())
    try:
        with sessions.begin() as session:
            repository.add_attempt(session, id=attempt_id, user_id=cmd.user_id, network=NETWORK, kind=KIND,
                                   status=PENDING, reconnect_connection_id=cmd.reconnect,
                                   reservation_id=reservation_id, created_at=now, started_at=now,
                                   expires_at=now + timedelta(seconds=settings.attempt_ttl_s))
            row = repository.attempt(session, attempt_id)
    except Exception:
        outcomes.release(attempt_id, reservation_id, sessions=sessions, plans=plans, clock=clock)
        raise
    metrics.CONNECTS_STARTED.labels(NETWORK).inc()
    return row


def _sign_in(row, place: Place, cmd: BlueskyLogin, *, bluesky, provider, sessions, cipher, outbox,
             clock) -> tuple[dict, Session]:
    session = login.open_session(place.pds, cmd.handle, cmd.app_password, bluesky.timeout_s)
    try:
        refusal = refusal_of(session, place.did, cmd.handle, place.pds.host)
        if refusal is not None:
            raise refusal
        account = _account(session, place, login.display_name(place.pds, session), clock())
        shown = outcomes.connected(row, provider, [account], [row.reservation_id], sessions=sessions,
                                   cipher=cipher, outbox=outbox, clock=clock)
    except Exception:
        login.end_session(place.pds, session, bluesky.timeout_s)  # a session we don't keep is not left open
        raise
    return shown[0], session


def _account(session: Session, place: Place, name: str, now) -> Account:
    """The session as the token answer `outcomes.connected` expects; where the session lives (PDS, DID,
    handle) rides along in the token, and the stored credentials keep it (shared.providers.tokens)."""
    token = {"access_token": session.access_jwt, "refresh_token": session.refresh_jwt, "token_type": "bearer",
             "scope": session.scope, "pds_url": place.pds.url, "did": session.did, "handle": session.handle}
    if session.expires_at:
        token["expires_in"] = max(1, int((session.expires_at - now).total_seconds()))
    return Account(provider_account_id=session.did, handle="@" + session.handle, display_name=name, token=token)
