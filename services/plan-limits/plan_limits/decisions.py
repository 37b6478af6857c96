"""Decisions: reserve a place for a connect, free it, sweep the expired ones.

Exactness: every decision for a user locks that user's row first, then counts
and writes in the same transaction, so concurrent requests are decided one
after the other and never see a stale count. A reservation stops counting the
moment it expires (the count compares with the clock); the sweep only removes
the dead rows.
"""
from __future__ import annotations

import uuid
from datetime import timedelta

from plan_limits import metrics, repository
from plan_limits.domain import NEW, RECONNECT, OverPlanLimit, Reservation


def reserve(user_id: str, network: str, reconnect_connection_id: str | None, *,
            sessions, clock, reservation_ttl_s: int, default_plan: str) -> Reservation:
    now = clock()
    with sessions.begin() as session:
        plan = repository.lock_user(session, user_id, default_plan)
        # Only one of the user's own sockets can be reconnected for free; anything
        # else (unknown, revoked, someone else's) would add a socket: a new connect.
        reconnect = bool(reconnect_connection_id) and \
            repository.holds_socket(session, user_id, reconnect_connection_id)
        if not reconnect and plan.socket_limit is not None:  # unlimited: nothing to count
            quota = repository.quota(session, user_id, plan, now)
            if not quota.available:
                metrics.DECISIONS.labels(plan.name, "denied").inc()
                raise OverPlanLimit(quota)
        reservation = Reservation(str(uuid.uuid4()), user_id, network, RECONNECT if reconnect else NEW,
                                  reconnect_connection_id if reconnect else None,
                                  now + timedelta(seconds=reservation_ttl_s))
        repository.add_reservation(session, reservation, now)
    metrics.DECISIONS.labels(plan.name, "reconnect" if reconnect else "approved").inc()
    return reservation


def release(reservation_id: str, *, sessions, clock) -> None:
    """Free a reservation whose attempt failed or expired; releasing twice is fine."""
    with sessions.begin() as session:
        expires_at = repository.free_reservation(session, reservation_id)
    if expires_at is not None and expires_at <= clock():
        metrics.RESERVATIONS_EXPIRED.inc()


def sweep_expired(*, sessions, clock) -> int:
    with sessions.begin() as session:
        swept = repository.free_expired(session, clock())
    metrics.RESERVATIONS_EXPIRED.inc(swept)
    return swept
