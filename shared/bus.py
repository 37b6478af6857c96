"""The message bus: naming rules and declarations, written once.

One durable topic exchange, ``<namespace>.events``; the routing key is the event
type. Each consuming service has one queue, ``<namespace>.<service>``, bound to
the event types it handles, and a dead-letter queue ``<namespace>.<service>.dlq``
that ops can inspect and replay (``python -m shared.dlq``). On RabbitMQ the
queues are quorum queues and publishing waits for publisher confirms; embedded,
the same code runs over kombu's filesystem transport, which routes a topic
exchange between separate processes through its control folder.
"""
from __future__ import annotations

from dataclasses import dataclass

from kombu import Connection, Exchange, Queue

from shared import filebus
from shared.config import Settings

PERSISTENT = 2


@dataclass(frozen=True)
class Topology:
    namespace: str
    quorum: bool

    @property
    def exchange(self) -> Exchange:
        return Exchange(f"{self.namespace}.events", type="topic", durable=True)

    def queue_name(self, service: str) -> str:
        return f"{self.namespace}.{service}"

    def _arguments(self) -> dict | None:
        return {"x-queue-type": "quorum"} if self.quorum else None

    def queue(self, service: str, event_types: list[str]) -> Queue:
        from kombu import binding
        return Queue(self.queue_name(service), exchange=self.exchange, durable=True,
                     bindings=[binding(self.exchange, routing_key=t) for t in event_types],
                     queue_arguments=self._arguments())

    def dead_letter_queue(self, service: str) -> Queue:
        # Bound to nothing: only our consumer code parks messages here.
        return Queue(f"{self.queue_name(service)}.dlq", durable=True, queue_arguments=self._arguments())


def topology(settings: Settings) -> Topology:
    return Topology(namespace=settings.bus_namespace, quorum=is_amqp(settings))


def is_amqp(settings: Settings) -> bool:
    return settings.effective_bus_url.startswith(("amqp://", "amqps://", "pyamqp://"))


def connect(settings: Settings) -> Connection:
    if is_amqp(settings):
        return Connection(settings.effective_bus_url, heartbeat=30,
                          transport_options={"confirm_publish": True}, connect_timeout=5)
    folder = settings.bus_folder
    for part in ("data", "control"):
        (folder / part).mkdir(parents=True, exist_ok=True)
    # The folder transport has no host; naming one spares kombu's "No hostname was supplied" warning.
    return Connection("localhost", transport=filebus.Transport, transport_options={
        "data_folder_in": str(folder / "data"),
        "data_folder_out": str(folder / "data"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
        "polling_interval": 0.005,
    })


def declare(connection: Connection, queues: list[Queue]) -> None:
    channel = connection.default_channel
    for queue in queues:
        queue.bind(channel).declare()


def publish(producer, topo: Topology, routing_key: str, body: bytes, message_id: str, headers=None) -> None:
    """Publish one persistent message; with confirms on, returns once the broker has it."""
    producer.publish(body, exchange=topo.exchange, routing_key=routing_key, delivery_mode=PERSISTENT,
                     content_type="application/json", content_encoding="utf-8",
                     message_id=message_id, headers=headers or {}, retry=False)


def ping(settings: Settings) -> None:
    """Raise if the broker can't be reached (used by /readyz)."""
    with connect(settings) as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
