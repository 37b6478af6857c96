"""Disconnect: the account leaves Post Mate at once; the platform hears of it after.

`DELETE /v1/connections/{id}` writes, in ONE transaction, AccountRevoked
(user_disconnected) to the outbox, the credentials to give back to the platform
(revocations.queue) and a `disconnections` row, then answers. From the event the
store wipes its copy and keeps an audit line, plan-limits frees the socket and
the refresher stops. The platform is told by the worker's revoker, retried while
it is away: the disconnect never waits on it.

The version is newer than anything the store holds for the connection, so the
event can't lose to an older refresh; a disconnect repeated before a reconnect
changes nothing.
"""
from __future__ import annotations

import logging

from auth_gateway import SERVICE, metrics, repository, revocations
from shared.clients.connection_store import StoreUnavailable
from shared.events import AccountRevoked, version_at
from shared.web import ApiError

log = logging.getLogger(__name__)


def disconnect(connection_id: str, user_id: str, *, store, registry, sessions, cipher, outbox, clock) -> dict:
    try:
        held = store.credentials(connection_id)
    except StoreUnavailable:
        raise ApiError(503, "store_unavailable", "We can't disconnect accounts right now; nothing was changed. "
                                                 "Please try again in a minute.") from None
    if held is None or held.user_id != user_id:  # someone else's is "not found" too
        raise ApiError(404, "connection_not_found", "There is no such connection on your account.")
    network, name = held.network, registry.get(held.network).spec.name
    now = clock()
    with sessions.begin() as session:
        done = repository.disconnected_version(session, connection_id)
        if held.status == "revoked" or (done is not None and done >= held.version):
            return _answer(connection_id, network, "already_disconnected",
                           f"This {name} account was already disconnected.")
        version = max(version_at(now), held.version + 1)
        outbox.add(session, AccountRevoked(producer=SERVICE, user_id=user_id, connection_id=connection_id,
                                           network=network, version=version, occurred_at=now,
                                           reason="user_disconnected"))
        repository.record_disconnection(session, connection_id, user_id, version, now)
        repository.forget_grant(session, connection_id)
        queued = bool(held.credentials) and revocations.revocable(network, registry)
        if queued:
            revocations.queue(session, connection_id, network, held.credentials, cipher=cipher, now=now)
    metrics.DISCONNECTS.labels(network).inc()
    log.info("connection %s on %s disconnected by its user; platform revocation %s", connection_id, network,
             "queued" if queued else "not available")
    return _answer(connection_id, network, "pending" if queued else "not_available",
                   f"Disconnected. {revocations.platform_note(network, name, queued)}")


def _answer(connection_id: str, network: str, platform_revocation: str, message: str) -> dict:
    return {"connection_id": connection_id, "network": network, "status": "revoked",
            "platform_revocation": platform_revocation, "message": message}

