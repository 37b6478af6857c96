"""Each event defined once, validated on publish and on consume, versioned."""
import json

import pytest
from pydantic import ValidationError

from shared.events import (
    EVENT_TYPES,
    AccountConnected,
    AccountRevoked,
    ConnectionNeedsReauth,
    EventError,
    TokenRefreshed,
    decode,
    encode,
)

ENVELOPE = dict(producer="test", user_id="u1", connection_id="c1", network="x", version=1)


@pytest.mark.parametrize("event", [
    AccountConnected(**ENVELOPE, provider_account_id="42", handle="@me", credentials="v1.k.abc"),
    AccountRevoked(**ENVELOPE, reason="revoked_at_provider"),
    TokenRefreshed(**ENVELOPE, credentials="v1.k.abc"),
    ConnectionNeedsReauth(**ENVELOPE, reason="refresh_token_expired", message="Reconnect to keep posting."),
])
def test_every_event_survives_the_wire(event):
    wire = json.loads(encode(event))
    assert wire["type"] == event.type and wire["schema_version"] == 1
    assert set(wire["payload"]) == set(event.payload_fields())
    assert decode(encode(event)) == event


def test_invalid_events_are_refused_on_publish():
    with pytest.raises(ValidationError):
        AccountRevoked(**ENVELOPE, reason="bored")


@pytest.mark.parametrize("body, complaint", [
    (b"{nope", "not JSON"),
    (b"[]", "JSON object"),
    (b'{"type": "AccountExploded"}', "unknown event type"),
    (b'{"type": "AccountRevoked", "schema_version": 7, "payload": {}}', "schema version 7"),
    (b'{"type": "AccountRevoked", "schema_version": 1, "payload": {"reason": "x"}}', "invalid AccountRevoked"),
])
def test_invalid_messages_are_refused_on_consume_with_a_reason(body, complaint):
    with pytest.raises(EventError, match=complaint):
        decode(body)


def test_the_catalogue_has_the_four_events():
    assert set(EVENT_TYPES) == {"AccountConnected", "AccountRevoked", "TokenRefreshed", "ConnectionNeedsReauth"}
