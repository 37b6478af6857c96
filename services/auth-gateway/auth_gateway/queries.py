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

from auth_gateway import attempts, disconnect, outcomes
from auth_gateway.adapters.connection_store import StoreUnavailable
from auth_gateway.domain import CHOOSE_PAGES, OPEN, public_status
from shared.web import ApiError

RECENT = timedelta(minutes=10)  # far longer than the store ever lags
SHOWN = ("id", "network", "provider_account_id", "handle", "display_name", "status", "status_reason",
         "status_message", "scopes", "token_expires_at", "connected_at", "updated_at")


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


def attempt_view(attempt_id: str, user_id: str, *, registry, sessions, plans, clock) -> dict:
    with sessions() as session:
        row = attempts.get(session, attempt_id)
    if row is None or row.user_id != user_id:
        raise ApiError(404, "attempt_not_found", "There is no such connect attempt.")
    if row.status in OPEN and clock() >= row.expires_at:  # expire on read; the sweep does it too
        outcomes.expired(row, registry.get(row.network), sessions=sessions, plans=plans, clock=clock)
        with sessions() as session:
            row = attempts.get(session, attempt_id)
    view = {"attempt_id": row.id, "network": row.network, "status": public_status(row.status),
            "created_at": row.created_at.isoformat(), "expires_at": row.expires_at.isoformat(),
            "reconnect": row.reconnect_connection_id}
    if row.failure_code:
        view["failure"] = {"code": row.failure_code, "message": row.failure_message,
                           "retryable": outcomes.retryable(row.failure_code)}
    if row.status == CHOOSE_PAGES:
        view["pages"] = (row.result or {}).get("pages", [])
    connections = (row.result or {}).get("connections") if row.status == "connected" else None
    if connections:
        view["connection"] = _shown(connections[0])
        view["connections"] = [_shown(c) for c in connections]
    return view


def list_connections(user_id: str, *, store, sessions, clock) -> dict:
    try:
        held = {c["id"]: c for c in store.list(user_id, include_revoked=True)}
    except StoreUnavailable:
        raise ApiError(503, "connections_unavailable", "We can't load your connections right now; "
                                                       "please try again in a minute.") from None
    with sessions() as session:
        recent = attempts.recent_connected(session, user_id, clock() - RECENT)
        gone = disconnect.hidden(session, user_id)
    for (result,) in recent:
        for made in (result or {}).get("connections", []):
            stored = held.get(made["id"])
            if stored is None or (stored.get("version") or 0) < made["version"]:
                held[made["id"]] = made
    listed = sorted((c for c in held.values()
                     if c.get("status") != "revoked" and (c.get("version") or 0) > gone.get(c["id"], -1)),
                    key=lambda c: (c.get("connected_at") or "", c["id"]))
    return {"connections": [_shown(c) for c in listed]}


def _shown(connection: dict) -> dict:
    return {name: connection.get(name) for name in SHOWN}
