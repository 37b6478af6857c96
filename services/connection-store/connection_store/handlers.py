"""The store's event handlers: apply each event to the connection it names, newest
version wins (a late event is a no-op); message first, effects as keywords."""
from __future__ import annotations

from sqlalchemy.orm import Session

from connection_store import repository
from shared.crypto import CredentialCipher
from shared.events import (
    AccountConnected,
    AccountRevoked,
    ConnectionNeedsReauth,
    Event,
    TokenRefreshed,
)

REVOKE_MESSAGES = {
    "user_disconnected": "You disconnected this account.",
    "revoked_at_provider": "Access was revoked on the platform; connect the account again to keep posting.",
    "deleted_at_provider": "The account was deleted or removed on the platform.",
}


def _is_stale(row, event: Event) -> bool:
    return row is not None and row.version >= event.version


def _note(session: Session, event: Event, detail: str = "") -> None:
    repository.note(session, connection_id=event.connection_id, event_id=event.event_id, event_type=event.type,
                    detail=detail, at=event.occurred_at)


def _merged_credentials(cipher: CredentialCipher, row, new_ciphertext: str, connection_id: str) -> str:
    """Keep the stored refresh token when a new token response carries none
    (a reconnect or refresh without one must not strand the connection)."""
    new = cipher.decrypt(new_ciphertext, connection_id)
    if new.get("refresh_token") or row is None or not row.credentials:
        return cipher.reencrypt(new_ciphertext, connection_id)
    old = cipher.decrypt(row.credentials, connection_id)
    if not old.get("refresh_token"):
        return cipher.reencrypt(new_ciphertext, connection_id)
    return cipher.encrypt({**new, "refresh_token": old["refresh_token"]}, connection_id)


def record_connected(event: AccountConnected, *, session: Session, cipher: CredentialCipher) -> None:
    row = repository.current(session, event.connection_id)
    if _is_stale(row, event):
        return
    values = dict(
        user_id=event.user_id, network=event.network, provider_account_id=event.provider_account_id,
        handle=event.handle, display_name=event.display_name, status="active", status_reason=None,
        status_message=None, scopes=list(event.scopes), token_expires_at=event.token_expires_at,
        credentials=_merged_credentials(cipher, row, event.credentials, event.connection_id),
        updated_at=event.occurred_at, version=event.version)
    repository.write(session, row, event.connection_id, {"connected_at": event.occurred_at, **values})
    _note(session, event, "reconnected" if row is not None else "connected")


def record_revoked(event: AccountRevoked, *, session: Session) -> None:
    row = repository.current(session, event.connection_id)
    if _is_stale(row, event):
        return
    values = dict(status="revoked", status_reason=event.reason, status_message=REVOKE_MESSAGES[event.reason],
                  credentials=None, updated_at=event.occurred_at, version=event.version)
    if event.reason == "deleted_at_provider":  # the person asked the platform to have their data deleted
        values.update(provider_account_id=None, handle="", display_name="", scopes=[])
    if row is None:  # arrived before its AccountConnected: a tombstone keeps the older event out
        values.update(user_id=event.user_id, network=event.network, scopes=[])
    repository.write(session, row, event.connection_id, values)
    _note(session, event, event.reason)


def record_refreshed(event: TokenRefreshed, *, session: Session, cipher: CredentialCipher) -> None:
    row = repository.current(session, event.connection_id)
    if row is None or _is_stale(row, event) or row.status == "revoked":
        return
    repository.write(session, row, event.connection_id, dict(
        credentials=_merged_credentials(cipher, row, event.credentials, event.connection_id),
        token_expires_at=event.token_expires_at, status="active", status_reason=None, status_message=None,
        updated_at=event.occurred_at, version=event.version))
    if row.status != "active":
        _note(session, event, "recovered")


def record_needs_reauth(event: ConnectionNeedsReauth, *, session: Session) -> None:
    row = repository.current(session, event.connection_id)
    if row is None or _is_stale(row, event) or row.status == "revoked":
        return
    repository.write(session, row, event.connection_id, dict(
        status="needs_reauth", status_reason=event.reason, status_message=event.message,
        updated_at=event.occurred_at, version=event.version))
    _note(session, event, event.reason)


# What the consumer subscribes to, and who handles it (effects bound by bootstrap.py).
EVENT_HANDLERS = {
    AccountConnected: record_connected,
    AccountRevoked: record_revoked,
    TokenRefreshed: record_refreshed,
    ConnectionNeedsReauth: record_needs_reauth,
}
