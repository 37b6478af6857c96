"""The AsyncAPI document of the events, generated from shared.events.

    python -m shared.asyncapi > docs/asyncapi.json

A test regenerates it and compares with the committed file, so the document
can't drift from the code.
"""
from __future__ import annotations

import json

from shared import providers
from shared.events import EVENT_TYPES, Event

ENVELOPE_DOC = {
    "event_id": "unique id; consumers dedupe on it",
    "type": "the event type, also the routing key",
    "schema_version": "the payload's schema version; unknown versions are dead-lettered",
    "occurred_at": "when the change committed at the producer (UTC)",
    "producer": "the service that made the change",
    "user_id": "the Post Mate user",
    "connection_id": "the connection, stable across reconnects of the same account",
    "version": "orders one connection's changes: apply only if newer than what you hold",
}


def _payload_schema(cls: type[Event]) -> dict:
    schema = cls.model_json_schema()
    schema["properties"] = {k: v for k, v in schema["properties"].items() if k in cls.payload_fields()}
    schema["required"] = [k for k in schema.get("required", []) if k in cls.payload_fields()]
    schema.pop("title", None)
    return schema


def _message(cls: type[Event]) -> dict:
    envelope = Event.model_json_schema()["properties"]
    described = {**ENVELOPE_DOC, "network": " | ".join(providers.networks())}
    properties = {name: {**envelope[name], "description": described[name]} for name in Event.envelope_fields}
    properties["type"] = {"const": cls.type, "description": ENVELOPE_DOC["type"]}
    properties["schema_version"] = {"const": cls.schema_version, "description": ENVELOPE_DOC["schema_version"]}
    properties["payload"] = _payload_schema(cls)
    return {
        "name": cls.type,
        "title": cls.type,
        "summary": (cls.__doc__ or "").strip(),
        "contentType": "application/json",
        "payload": {"type": "object", "required": sorted(properties), "properties": properties},
    }


def document() -> dict:
    messages = {name: _message(cls) for name, cls in sorted(EVENT_TYPES.items())}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Post Mate Connections events",
            "version": "1.0.0",
            "description": ("One durable topic exchange `<namespace>.events` (default `postmate.events`); "
                            "the routing key is the event type. Credentials are AES-GCM ciphertext bound to "
                            "the connection id. Delivery is at least once: dedupe by event_id, order by version."),
        },
        "channels": {
            name: {"address": name, "messages": {name: {"$ref": f"#/components/messages/{name}"}},
                   "bindings": {"amqp": {"is": "routingKey", "exchange": {
                       "name": "postmate.events", "type": "topic", "durable": True, "autoDelete": False}}}}
            for name in messages
        },
        "operations": {
            f"publish{name}": {"action": "send", "channel": {"$ref": f"#/channels/{name}"}}
            for name in messages
        },
        "components": {"messages": messages},
    }


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(render(), end="")
