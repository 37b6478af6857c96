"""The events Connections publishes, each defined once.

On the wire an event is a JSON envelope (`event_id`, `type`, `schema_version`,
`occurred_at`, `producer`, `user_id`, `connection_id`, `network`, `version`)
with the typed fields under `payload`. `encode` and `decode` validate both ways
and refuse unknown types or versions, so a malformed message is never applied.

`version` orders the changes of one connection: consumers apply an event only if
it is newer than what they hold, so a late or replayed event cannot undo a newer
state. Producers set it to the change's time in microseconds (the refresher,
which reads the stored version, never goes below it).

Credentials travel as `shared.crypto` ciphertext bound to the connection id:
the broker and every consumer but the connection store see ciphertext only.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class EventError(ValueError):
    """A message that is not a valid event of a known type and version."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def version_at(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


class Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    envelope_fields: ClassVar[tuple[str, ...]] = (
        "event_id", "occurred_at", "producer", "user_id", "connection_id", "network", "version")

    event_id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = Field(default_factory=utcnow)
    producer: str
    user_id: str = Field(min_length=1, max_length=200)
    connection_id: str = Field(min_length=1, max_length=64)
    network: str = Field(min_length=1, max_length=32)
    version: int = Field(ge=0)

    @classmethod
    def payload_fields(cls) -> list[str]:
        return [name for name in cls.model_fields if name not in cls.envelope_fields]


class AccountConnected(Event):
    """A new or reconnected account, with its (encrypted) credentials."""
    type: ClassVar[str] = "AccountConnected"
    provider_account_id: str = Field(min_length=1)
    handle: str
    display_name: str = ""
    scopes: list[str] = Field(default_factory=list)
    token_expires_at: datetime | None = None
    credentials: str = Field(min_length=1, description="shared.crypto ciphertext, AAD = connection id")
    attempt_id: str | None = None
    reservation_id: str | None = None


RevokeReason = Literal["user_disconnected", "revoked_at_provider", "deleted_at_provider"]


class AccountRevoked(Event):
    """The account is gone: its credentials are wiped and its socket freed."""
    type: ClassVar[str] = "AccountRevoked"
    reason: RevokeReason
    detail: str = ""


class TokenRefreshed(Event):
    """New credentials after a refresh (rotating refresh tokens included)."""
    type: ClassVar[str] = "TokenRefreshed"
    credentials: str = Field(min_length=1)
    token_expires_at: datetime | None = None


class ConnectionNeedsReauth(Event):
    """The token can't be renewed without the user; the socket is kept."""
    type: ClassVar[str] = "ConnectionNeedsReauth"
    reason: str = Field(min_length=1, description="machine-readable, e.g. refresh_token_expired")
    message: str = Field(description="a sentence the user understands")


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls for cls in (AccountConnected, AccountRevoked, TokenRefreshed, ConnectionNeedsReauth)
}


def encode(event: Event) -> bytes:
    data = event.model_dump(mode="json")
    envelope = {name: data.pop(name) for name in Event.envelope_fields}
    envelope.update(type=event.type, schema_version=event.schema_version, payload=data)
    return json.dumps(envelope, separators=(",", ":")).encode()


def decode(body: bytes | str) -> Event:
    try:
        envelope = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EventError(f"not JSON: {exc}") from None
    if not isinstance(envelope, dict):
        raise EventError("the envelope must be a JSON object")
    cls = EVENT_TYPES.get(envelope.get("type"))
    if cls is None:
        raise EventError(f"unknown event type {envelope.get('type')!r}")
    if envelope.get("schema_version") != cls.schema_version:
        raise EventError(f"{cls.type} schema version {envelope.get('schema_version')!r} is not supported")
    payload = envelope.get("payload")
    if not isinstance(payload, dict):
        raise EventError("payload must be a JSON object")
    fields = {k: v for k, v in envelope.items() if k in Event.envelope_fields}
    try:
        return cls.model_validate({**payload, **fields})
    except ValidationError as exc:
        raise EventError(f"invalid {cls.type}: {exc.error_count()} error(s): "
                         + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None


def routing_key(event: Event) -> str:
    return event.type
