"""Meta's deauthorize and data-deletion callbacks: revoked at the platform.

When someone removes Post Mate in Facebook, Instagram or Threads settings, Meta
POSTs a `signed_request` form field to us: `<sig>.<payload>`, both base64url
without padding, sig = HMAC-SHA256 of the still-encoded payload keyed with that
network's app secret. A request we can't verify — bad signature, another
algorithm, issued too long ago or in the future — changes nothing, and so does
a replay of one already received within its hour (`meta_seen_requests`, its
SHA-256; the sweep forgets it once its window has passed). A verified one names
the person's app-scoped user id; every connection that person granted
(`meta_grants`) gets AccountRevoked: `revoked_at_provider` for a deauthorize,
`deleted_at_provider` for a data-deletion request, which also answers with the
status URL and confirmation code Meta shows the person.
"""
from __future__ import annotations

import binascii
import hashlib
import hmac
import json
import logging
import secrets
from datetime import datetime, timedelta

from auth_gateway import SERVICE, metrics, repository
from shared import providers
from shared.encoding import b64url_decode
from shared.events import AccountRevoked, version_at
from shared.web import ApiError

log = logging.getLogger(__name__)

KINDS = {"deauthorize": "revoked_at_provider", "data-deletion": "deleted_at_provider"}
MAX_AGE = timedelta(hours=1)  # Meta calls at once; an older request is a replay
MAX_SKEW = timedelta(minutes=5)


class InvalidSignedRequest(Exception):
    """Why a signed_request was refused (kept for the log, never for the caller)."""


def _signs_callbacks(network: str) -> bool:
    """Meta's networks call us with signed_request (deauthorize, data deletion)."""
    try:
        return providers.spec(network).signed_callbacks
    except KeyError:
        return False


def verify(signed_request: str, app_secret: str, now: datetime) -> dict:
    """The payload of a genuine, fresh signed_request; InvalidSignedRequest otherwise."""
    signature, dot, encoded = (signed_request or "").partition(".")
    if not dot or not signature or not encoded or not app_secret:
        raise InvalidSignedRequest("malformed")
    try:
        given = b64url_decode(signature)
    except (binascii.Error, ValueError):
        raise InvalidSignedRequest("malformed signature") from None
    expected = hmac.new(app_secret.encode(), encoded.encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(given, expected):
        raise InvalidSignedRequest("bad signature")
    try:
        payload = json.loads(b64url_decode(encoded))
    except (binascii.Error, ValueError):
        raise InvalidSignedRequest("malformed payload") from None
    if not isinstance(payload, dict) or str(payload.get("algorithm", "")).upper() != "HMAC-SHA256":
        raise InvalidSignedRequest("unexpected algorithm")
    issued_at = payload.get("issued_at")
    if not isinstance(issued_at, (int, float)) or isinstance(issued_at, bool):
        raise InvalidSignedRequest("no issued_at")
    # compared as numbers: 1e20 or NaN (json.loads accepts it) must not reach datetime
    if not (now - MAX_AGE).timestamp() <= issued_at <= (now + MAX_SKEW).timestamp():
        raise InvalidSignedRequest("stale")
    if not str(payload.get("user_id") or ""):
        raise InvalidSignedRequest("no user_id")
    return payload


def remember_grant(session, network: str, granted_by: str, connection_id: str, user_id: str, now) -> None:
    """Called with each new Meta connection: whose removal of our app ends it."""
    if not _signs_callbacks(network) or not granted_by:
        return
    repository.remember_grant(session, connection_id, network=network, platform_user_id=granted_by,
                              user_id=user_id, granted_at=now)


def receive(network: str, kind: str, signed_request: str, *, registry, sessions, outbox, settings,
            clock) -> dict:
    """Verify the callback, revoke what the person granted, answer what Meta expects."""
    if not _signs_callbacks(network) or kind not in KINDS:
        raise ApiError(404, "not_found", "There is no such callback.")
    provider = registry.get(network)
    if not provider.available:
        raise ApiError(404, "not_configured", f"{provider.spec.name} isn't set up on this server.")
    now = clock()
    try:
        payload = verify(signed_request, provider.client_secret, now)
    except InvalidSignedRequest as exc:
        metrics.META_CALLBACKS.labels(network, kind, "refused").inc()
        log.warning("refused a %s %s callback: %s", network, kind, exc)
        raise ApiError(400, "invalid_signed_request",
                       "The signed_request could not be verified, so nothing was changed.") from None
    person = str(payload["user_id"])
    with sessions.begin() as session:
        if not repository.first_sight(session, hashlib.sha256(signed_request.encode()).hexdigest(), now):
            metrics.META_CALLBACKS.labels(network, kind, "replayed").inc()
            log.warning("refused a replayed %s %s callback", network, kind)
            raise ApiError(400, "replayed_signed_request",
                           "This signed_request was already received, so nothing was changed again.")
        granted = repository.take_grants(session, network, person)
        for grant in granted:
            outbox.add(session, AccountRevoked(
                producer=SERVICE, user_id=grant.user_id, connection_id=grant.connection_id, network=network,
                version=version_at(now), occurred_at=now, reason=KINDS[kind],
                detail=f"Meta {kind} callback"))
        answer = {"revoked": len(granted)}
        if kind == "data-deletion":
            code = secrets.token_hex(8)
            repository.add_deletion(session, confirmation_code=code, network=network, connections=len(granted),
                                    requested_at=now)
            answer = {"url": f"{settings.gateway_public_url}/meta/deletions/{code}", "confirmation_code": code}
    metrics.META_CALLBACKS.labels(network, kind, "accepted").inc()
    log.info("%s %s callback: %d connection(s) revoked", network, kind, len(granted))
    return answer


def deletion_status(code: str, *, sessions) -> dict:
    with sessions() as session:
        row = repository.deletion(session, code)
    if row is None:
        raise ApiError(404, "deletion_not_found", "There is no data-deletion request with this code.")
    return {"confirmation_code": row.confirmation_code, "network": row.network, "status": "done",
            "requested_at": row.requested_at.isoformat(),
            "message": f"Post Mate disconnected {row.connections} account(s) you shared through "
                       f"{row.network.capitalize()} and deleted their access tokens."}
