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

import logging
import uuid
from datetime import timedelta

from auth_gateway import attempts, metrics, outcomes
from auth_gateway import connect as oauth_connect
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
from auth_gateway.bluesky.identity import Place
from auth_gateway.bluesky.xrpc import parse_service
from auth_gateway.domain import FAILED, OPEN, PENDING, connection_id
from auth_gateway.queries import SHOWN
from shared.logs import remember_secret
from shared.providers import Account
from shared.web import ApiError

log = logging.getLogger(__name__)
KIND = "app_password"
INTERNAL = "Something went wrong on our side, so nothing was connected. Please try again."


def parse_login(body: dict, user_id: str, address: str | None) -> BlueskyLogin:
    reconnect, service = body.get("reconnect") or None, body.get("service")
    if reconnect is not None and (not isinstance(reconnect, str) or len(reconnect) > 64):
        raise refuse("invalid_reconnect")
    return BlueskyLogin(user_id=user_id, handle=normalise_handle(body.get("handle")),
                        app_password=check_app_password(body.get("app_password")),
                        service=parse_service(service) if service not in (None, "") else None,
                        reconnect=reconnect, address=address)


def connect_bluesky(cmd: BlueskyLogin, *, bluesky, registry, plans, store, sessions, cipher, outbox, settings,
                    clock) -> dict:
    remember_secret(cmd.app_password)  # whatever happens next, logs print it as [redacted]
    rate_limit.admit(cmd.user_id, cmd.address, limits=bluesky.limits, sessions=sessions, clock=clock)
    if cmd.reconnect:
        oauth_connect._connection_to_reconnect(_as_attempt(cmd, cmd.reconnect), store=store, sessions=sessions,
                                               clock=clock)
    place = identity.locate(cmd.handle, cmd.service, directory=bluesky.directory, egress=bluesky.egress,
                            timeout_s=bluesky.timeout_s)
    cid = connection_id(cmd.user_id, NETWORK, place.did)
    if cmd.reconnect and cmd.reconnect != cid:
        raise refuse("wrong_account", handle=cmd.handle)
    reservation = oauth_connect._reserve(plans, _as_attempt(cmd, cid))
    row = _open_attempt(cmd, reservation.id, sessions=sessions, plans=plans, settings=settings, clock=clock)
    try:
        shown, session = _sign_in(row, place, cmd, bluesky=bluesky, provider=registry.get(NETWORK),
                                  sessions=sessions, cipher=cipher, outbox=outbox, clock=clock)
    except Exception as exc:
        _fail(row, exc, sessions=sessions, plans=plans, clock=clock)
        raise
    answer = {"attempt_id": row.id, "status": "connected", "connection": {k: shown.get(k) for k in SHOWN}}
    if session.scope == APP_PASS_PRIVILEGED:
        answer["notice"] = PRIVILEGED_NOTICE
    return answer


def _as_attempt(cmd: BlueskyLogin, reconnect: str) -> oauth_connect.NewAttempt:
    return oauth_connect.NewAttempt(user_id=cmd.user_id, network=NETWORK, reconnect=reconnect)


def _open_attempt(cmd: BlueskyLogin, reservation_id: str, *, sessions, plans, settings, clock):
    now, attempt_id = clock(), str(uuid.uuid4())
    try:
        with sessions.begin() as session:
            attempts.insert(session, id=attempt_id, user_id=cmd.user_id, network=NETWORK, kind=KIND, status=PENDING,
                            reconnect_connection_id=cmd.reconnect, reservation_id=reservation_id, created_at=now,
                            started_at=now, expires_at=now + timedelta(seconds=settings.attempt_ttl_s))
            row = attempts.get(session, attempt_id)
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
        account = _account(session, login.display_name(place.pds, session), clock())
        sealed_with_place = _SessionCipher(cipher, pds_url=place.pds.url, did=session.did, handle=session.handle)
        shown = outcomes.connected(row, provider, [account], [row.reservation_id], sessions=sessions,
                                   cipher=sealed_with_place, outbox=outbox, clock=clock)
    except Exception:
        login.end_session(place.pds, session, bluesky.timeout_s)  # a session we don't keep is not left open
        raise
    return shown[0], session


def _account(session: Session, name: str, now) -> Account:
    """The session as the token response `outcomes.connected` expects (access/refresh token, scope, expiry)."""
    token = {"access_token": session.access_jwt, "refresh_token": session.refresh_jwt, "token_type": "bearer",
             "scope": session.scope}
    if session.expires_at:
        token["expires_in"] = max(1, int((session.expires_at - now).total_seconds()))
    return Account(provider_account_id=session.did, handle="@" + session.handle, display_name=name, token=token)


class _SessionCipher:
    """The gateway's cipher, adding where the session lives (PDS URL, DID, handle) to the credentials
    `outcomes.connected` seals: the refresher and the publisher need them, and the token shape has no place."""

    def __init__(self, cipher, **place: str):
        self.cipher, self.place = cipher, place

    def encrypt(self, credentials: dict, connection_id: str) -> str:
        return self.cipher.encrypt({**credentials, **self.place}, connection_id)


def _fail(row, exc: Exception, *, sessions, plans, clock) -> None:
    code, message = (exc.code, exc.message) if isinstance(exc, ApiError) else ("internal_error", INTERNAL)
    try:
        with sessions.begin() as session:
            changed = attempts.transition(session, row.id, OPEN, status=FAILED, failure_code=code[:64],
                                          failure_message=message[:500], secrets=None, completed_at=clock())
        if changed:
            metrics.CONNECTS_FINISHED.labels(NETWORK, code).inc()
            outcomes.release(row.id, row.reservation_id, sessions=sessions, plans=plans, clock=clock)
    except Exception as problem:  # the sweep frees the reservation once the attempt expires
        log.warning("could not record the failed bluesky attempt %s: %s", row.id, problem.__class__.__name__)
