"""Inspect and replay a service's dead-letter queue.

    python -m shared.dlq list connection-store
    python -m shared.dlq replay connection-store      # back to the service's queue, attempts reset

Listing shows each parked message's id, attempts and error, never its body
(it may carry ciphertext; the error text was scrubbed when it was parked).
"""
from __future__ import annotations

import argparse
import json

from shared import bus
from shared.config import SERVICES, Settings, load_settings


def parked(settings: Settings, service: str) -> list[dict]:
    """Every parked message's headers, leaving them parked."""
    topo = bus.topology(settings)
    found = []
    with bus.connect(settings) as connection:
        channel = connection.channel()
        queue = topo.dead_letter_queue(service)(channel)
        queue.declare()
        messages = []
        while (message := queue.get(no_ack=False)) is not None:
            messages.append(message)
            headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-postmate-") and k != "x-delivery-count"}
            found.append({"message_id": message.properties.get("message_id"), **headers})
        for message in messages:
            message.requeue()
    return found


def replay(settings: Settings, service: str) -> int:
    """Move every parked message back to the service's queue with its attempts reset."""
    topo = bus.topology(settings)
    moved = 0
    with bus.connect(settings) as connection:
        producer = connection.Producer()
        queue = topo.dead_letter_queue(service)(connection.default_channel)
        queue.declare()
        while (message := queue.get(no_ack=False)) is not None:
            producer.publish(message.body, exchange="", routing_key=topo.queue_name(service),
                             delivery_mode=bus.PERSISTENT, content_type="application/json",
                             message_id=message.properties.get("message_id"), headers={"x-replayed": True},
                             retry=False)
            message.ack()
            moved += 1
    return moved


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.dlq")
    parser.add_argument("command", choices=["list", "replay"])
    parser.add_argument("service", choices=SERVICES)
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.command == "list":
        for entry in parked(settings, args.service):
            print(json.dumps(entry, default=str))
    else:
        print(f"replayed {replay(settings, args.service)} message(s) to {bus.topology(settings).queue_name(args.service)}")


if __name__ == "__main__":
    main()
