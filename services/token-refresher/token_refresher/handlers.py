"""The refresher's consumer: connection events → its schedule, newest version wins.

Each handler runs in the consumer's transaction (shared.consumer.Consumer: tracked,
idempotent, batched). The row is read FOR UPDATE on PostgreSQL so a refresher
recording an outcome and this consumer can't overwrite each other's version.
Our own AccountRevoked and ConnectionNeedsReauth come back too; their change was
written in the transaction that emitted them, so they are acknowledged without a
read. TokenRefreshed is not subscribed to at all: only this service emits it (and
writes its change with it), and it is the one event of every refresh.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable

from sqlalchemy.orm import Session

from shared.events import AccountConnected, AccountRevoked, ConnectionNeedsReauth, Event
from token_refresher import SERVICE, metrics, repository
from token_refresher.domain import ACTIVE, NEEDS_REAUTH, REVOKED
from token_refresher.policy import REFRESH, Policy, plan

log = logging.getLogger(__name__)


def _ours(event: Event) -> bool:
    """Our own events come back from the bus: their change was written with them."""
    return event.producer == SERVICE


def _newer(row, event: Event) -> bool:
    return row is None or event.version > row.store_version


def _write(session: Session, row, event: Event, values: dict, now: datetime) -> None:
    values = {**values, "store_version": event.version, "updated_at": now}
    if row is None:
        repository.insert(session, {"connection_id": event.connection_id, "user_id": event.user_id,
                                  "network": event.network, **values})
    else:
        repository.update(session, event.connection_id, values)


def _planned(policy: Policy, event: Event, expires_at: datetime | None, now: datetime) -> dict:
    """A fresh token: plan its next work; the failure history starts over."""
    kind, when = plan(policy, event.connection_id, event.network, expires_at=expires_at,
                      issued_at=event.occurred_at, now=now)
    return dict(state=ACTIVE, reported=ACTIVE, reason=None, kind=kind, token_expires_at=expires_at,
                issued_at=event.occurred_at, planned_at=when, due_at=when, failures=0, first_failure_at=None,
                last_error=None, awaiting_version=None)


def on_connected(event: AccountConnected, *, session: Session, policy: Policy, clock: Callable) -> None:
    """A new or reconnected account (a reconnect brings a needs_reauth connection back)."""
    row = repository.current(session, event.connection_id, lock=True)
    if _newer(row, event):
        _write(session, row, event, _planned(policy, event, event.token_expires_at, clock()), clock())


def on_revoked(event: AccountRevoked, *, session: Session, clock: Callable) -> None:
    """Gone: nothing more to do for it. An unknown connection gets a tombstone so an
    older AccountConnected arriving late can't bring it back."""
    if _ours(event):
        return
    row = repository.current(session, event.connection_id, lock=True)
    if not _newer(row, event):
        return
    values = dict(state=REVOKED, reported=REVOKED, reason=event.reason)
    if row is None:
        values.update(kind=REFRESH, issued_at=event.occurred_at, planned_at=event.occurred_at,
                      due_at=event.occurred_at)
    _write(session, row, event, values, clock())
    metrics.REVOCATIONS.labels(event.network, event.reason).inc()


def on_needs_reauth(event: ConnectionNeedsReauth, *, session: Session, clock: Callable) -> None:
    if _ours(event):
        return
    row = repository.current(session, event.connection_id, lock=True)
    if row is not None and _newer(row, event) and row.state != REVOKED:
        _write(session, row, event, dict(state=NEEDS_REAUTH, reported=NEEDS_REAUTH, reason=event.reason[:64]),
               clock())


# What the consumer subscribes to, and who handles it (effects bound by bootstrap.py).
EVENT_HANDLERS = {
    AccountConnected: on_connected,
    AccountRevoked: on_revoked,
    ConnectionNeedsReauth: on_needs_reauth,
}
