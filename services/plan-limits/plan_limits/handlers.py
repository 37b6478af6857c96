"""What connection events do to sockets: the newest version of a connection wins.

AccountConnected turns the attempt's reservation into a socket: the socket row is
written and the reservation deleted in one transaction, so the place is never
counted twice nor left free in between. Reconnecting a connection that is
already a socket only frees the reservation. Replays are dropped by the
consumer (event ids); versions keep a late event from undoing a newer state.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from plan_limits import repository
from shared.events import AccountConnected, AccountRevoked, ConnectionNeedsReauth, Event


def _is_newer(row, event: Event) -> bool:
    return row is None or event.version > row.version


def _record(session: Session, row, event: Event, status: str) -> None:
    repository.write_socket(session, row, event.connection_id, dict(
        user_id=event.user_id, network=event.network, status=status, version=event.version,
        updated_at=event.occurred_at))


def record_connected(event: AccountConnected, *, session: Session) -> None:
    row = repository.socket(session, event.connection_id)
    if _is_newer(row, event):
        _record(session, row, event, "active")
    if event.reservation_id:  # the attempt is over, whichever version won
        repository.free_reservation(session, event.reservation_id)


def record_revoked(event: AccountRevoked, *, session: Session) -> None:
    row = repository.socket(session, event.connection_id)
    if _is_newer(row, event):  # with no row yet: a tombstone that keeps the older AccountConnected out
        _record(session, row, event, "revoked")


def record_needs_reauth(event: ConnectionNeedsReauth, *, session: Session) -> None:
    row = repository.socket(session, event.connection_id)
    if _is_newer(row, event) and (row is None or row.status != "revoked"):
        _record(session, row, event, "needs_reauth")  # still a socket


EVENT_HANDLERS = {
    AccountConnected: record_connected,
    AccountRevoked: record_revoked,
    ConnectionNeedsReauth: record_needs_reauth,
}
