"""What the dashboard reads: networks, one attempt, the user's connections.

Read-your-writes: the store learns of a new connection through the bus a few
milliseconds after the callback's commit. So the list merges in this user's
recently connected attempts, and for each connection shows whichever is newer
(by event version): the store's row or what the callback just recorded. A
connection is listed the moment the callback page is served. Likewise a
disconnect hides the connection at once, unless a newer version (a reconnect)
has been seen since.
"""
from __future__ import annotations

from datetime import timedelta

from auth_gateway import outcomes, repository
from auth_gateway.domain import (
    CHOOSE_PAGES,
    CONNECTED,
    EXPIRED,
    OPEN,
    failure_message,
    public_status,
)
from shared import connections
from shared.clients.connection_store import StoreUnavailable
from shared.web import ApiError

RECENT = timedelta(minutes=10)  # far longer than the store ever lags


def list_networks(user_id: str, *, registry, plans) -> dict:
    quota = plans.quota(user_id)
    networks = []
    for provider in registry:
        spec = provider.spec
        entry = {"id": spec.id, "name": spec.name, "auth_kind": spec.auth_kind,
                 "scopes": [{"scope": s.name, "reason": s.reason, "promised": s.promised} for s in spec.scopes],
                 "note": spec.note or None, **_availability(provider, quota)}
        networks.append(entry)
    return {"networks": networks, "quota": quota}


def _availability(provider, quota: dict | None) -> dict:
    if not provider.available:
        return {"available": False, "reason": "not_configured",
                "message": f"Connecting {provider.spec.name} isn't set up on this Post Mate server yet."}
    if quota is None:
        return {"available": None, "reason": "plan_limits_unknown",
                "message": "We can't check your plan right now; connecting may fail until we can."}
    if _at_cap(quota):
        return {"available": False, "reason": "plan_limit",
                "message": f"You're using all {quota.get('limit')} accounts of your {quota.get('plan', '')} plan. "
                           "Upgrade to connect more, or disconnect one you no longer use.",
                "used": quota.get("used"), "limit": quota.get("limit"), "upgrade": quota.get("upgrade")}
    return {"available": True}


def _at_cap(quota: dict) -> bool:
    available = quota.get("available")
    if isinstance(available, bool):
        return not available
    if isinstance(available, (int, float)):
        return available <= 0
    limit = quota.get("limit")
    return limit is not None and (quota.get("used") or 0) + (quota.get("reserved") or 0) >= limit


def attempt_view(attempt_id: str, user_id: str, *, registry, sessions, clock) -> dict:
    """Read-only: an attempt past its end reads as expired at once; the worker's sweep records
    it and frees its socket (a read never writes)."""
    with sessions() as session:
        row = repository.attempt(session, attempt_id)
    if row is None or row.user_id != user_id:
        raise ApiError(404, "attempt_not_found", "There is no such connect attempt.")
    status, code, message = row.status, row.failure_code, row.failure_message
    if status in OPEN and clock() >= row.expires_at:
        status, code = EXPIRED, "expired"
        message = failure_message(code, registry.get(row.network).spec.name)
    view = {"attempt_id": row.id, "network": row.network, "status": public_status(status),
            "created_at": row.created_at.isoformat(), "expires_at": row.expires_at.isoformat(),
            "reconnect": row.reconnect_connection_id}
    if code:
        view["failure"] = {"code": code, "message": message, "retryable": outcomes.retryable(code)}
    if status == CHOOSE_PAGES:
        view["pages"] = (row.result or {}).get("pages", [])
    made = (row.result or {}).get("connections") if status == CONNECTED else None
    if made:
        view["connection"] = connections.view(made[0])
        view["connections"] = [connections.view(c) for c in made]
    return view


def list_connections(user_id: str, *, store, sessions, clock) -> dict:
    try:
        held = {c["id"]: c for c in store.list(user_id, include_revoked=True)}
    except StoreUnavailable:
        raise ApiError(503, "connections_unavailable", "We can't load your connections right now; "
                                                       "please try again in a minute.") from None
    with sessions() as session:
        recent = repository.recently_connected(session, user_id, clock() - RECENT)
        gone = repository.disconnected_versions(session, user_id)
    for (result,) in recent:
        for made in (result or {}).get("connections", []):
            stored = held.get(made["id"])
            if stored is None or (stored.get("version") or 0) < made["version"]:
                held[made["id"]] = made
    listed = sorted((c for c in held.values()
                     if c.get("status") != "revoked" and (c.get("version") or 0) > gone.get(c["id"], -1)),
                    key=lambda c: (c.get("connected_at") or "", c["id"]))
    return {"connections": [connections.view(c) for c in listed]}
