"""The idempotent consumer every consuming service runs.

For each message: decode and validate the event, then in one transaction record
its id in `processed_events` and run the service's handler; ack only after that
commit. Messages that arrive together are applied together, in order, in one
transaction (one commit instead of one per event); if any of them fails the
batch is rolled back and applied one by one, so only the bad one is retried. A replayed event hits the tracking row and is acked without effect;
handlers compare per-connection versions so a late event can't undo a newer
state. A message that fails is republished to the tail of the queue with a
growing delay (`x-attempts`, `x-retry-at`) so the queue keeps flowing, and after
`retry_max_attempts` it is parked in the dead-letter queue with the reason.
Retries live here, not in the broker, so they behave the same on RabbitMQ and
on the embedded transport.
"""
from __future__ import annotations

import logging
import random
import socket
import threading
import time
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from shared import bus, logs, metrics
from shared.config import Settings
from shared.events import Event, EventError, decode, utcnow

log = logging.getLogger(__name__)

Handler = Callable[..., None]  # handler(event, *, session): message first, in the batch's transaction


class Consumer:
    def __init__(self, service: str, settings: Settings, sessions: sessionmaker, processed: sa.Table,
                 handlers: dict[type[Event], Handler]):
        self.service = service
        self.settings = settings
        self.sessions = sessions
        self.processed = processed
        self.handlers = {cls.type: handler for cls, handler in handlers.items()}
        self.topology = bus.topology(settings)
        self.queue = self.topology.queue(service, sorted(self.handlers))
        self.dead_letters = self.topology.dead_letter_queue(service)
        self._pending: list = []
        self._tracking_insert: sa.Insert | None = None
        # AMQP can ack a batch with one frame; the embedded transport acks message by message.
        self._multiple_ack = bus.is_amqp(settings)

    # -- messages, applied in batches ----------------------------------------
    def on_message(self, message) -> None:
        """kombu callback: collect; the loop applies what has arrived in one transaction."""
        self._pending.append(message)

    def flush(self) -> None:
        messages, self._pending = self._pending, []
        ready = []
        for message in messages:
            headers = message.headers or {}
            if self._wait_until_due(message, headers):
                continue
            try:
                event = decode(message.body)
            except EventError as exc:
                self._fail(message, headers, f"undecodable: {exc}", "invalid")
                continue
            if event.type not in self.handlers:  # a binding an older version of the service declared
                self._done(message, event, "not_subscribed")
                continue
            ready.append((message, event))
        if not ready:
            return
        try:
            outcomes = self.apply_batch([event for _, event in ready])
        except sa.exc.OperationalError:
            raise  # the database is away: reconnect, and the unacked messages come back
        except Exception:
            # One bad message must not hold back the others: apply them one by one.
            for message, event in ready:
                self._apply_one(message, event)
            return
        if self._multiple_ack:  # one frame settles the whole batch (everything before it is settled)
            ready[-1][0].ack(multiple=True)
        for (message, event), outcome in zip(ready, outcomes):
            self._done(message, event, outcome, acked=self._multiple_ack)

    def _apply_one(self, message, event: Event) -> None:
        token = logs.event_id.set(event.event_id)
        try:
            outcome = self.apply(event)
        except sa.exc.OperationalError:
            raise
        except Exception as exc:
            log.exception("handler failed for %s", event.type)
            return self._fail(message, message.headers or {}, f"{exc.__class__.__name__}: {exc}", "error",
                              event.type)
        finally:
            logs.event_id.reset(token)
        self._done(message, event, outcome)

    def _done(self, message, event: Event, outcome: str, acked: bool = False) -> None:
        if not acked:
            message.ack()  # only ever after the commit
        metrics.CONSUMED.labels(self.service, event.type, outcome).inc()
        if outcome == "duplicate":
            log.info("event %s already applied; acknowledged without effect", event.event_id)

    def apply(self, event: Event) -> str:
        """Apply once: 'applied', or 'duplicate' when this event id was seen before
        ('not_subscribed', untracked, for a type this service has no handler for)."""
        if event.type not in self.handlers:
            return "not_subscribed"
        return self.apply_batch([event])[0]

    def apply_batch(self, events: list[Event]) -> list[str]:
        outcomes = []
        with self.sessions.begin() as session:
            fresh = self._track(session, events)
            for event in events:
                if event.event_id in fresh:
                    fresh.discard(event.event_id)  # a second copy in the same batch is a duplicate
                    self.handlers[event.type](event, session=session)
                    outcomes.append("applied")
                else:
                    outcomes.append("duplicate")
        now = utcnow()
        for event, outcome in zip(events, outcomes):
            if outcome == "applied":
                metrics.CONSUMER_LAG.labels(self.service).observe(max(0.0, (now - event.occurred_at).total_seconds()))
        return outcomes

    def _track(self, session: Session, events: list[Event]) -> set[str]:
        """Record the batch's event ids; returns those not seen before (one statement:
        SQLAlchemy sends the rows as one multi-row INSERT … RETURNING)."""
        now = utcnow()
        rows = {e.event_id: {"event_id": e.event_id, "event_type": e.type, "processed_at": now} for e in events}
        inserted = session.execute(self._tracking(session.bind.dialect.name), list(rows.values()))
        return {row.event_id for row in inserted}  # (rowcount is not reliable across drivers)

    def _tracking(self, dialect: str) -> sa.Insert:
        """Built once: building a statement costs more than running it."""
        if self._tracking_insert is None:
            insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(self.processed)
            self._tracking_insert = insert.on_conflict_do_nothing().returning(self.processed.c.event_id)
        return self._tracking_insert

    # -- retries and dead letters -------------------------------------------
    def _wait_until_due(self, message, headers) -> bool:
        """A retried message that is not due yet goes back to the tail after a short pause."""
        remaining = float(headers.get("x-retry-at", 0)) - time.time()
        if remaining <= 0:
            return False
        time.sleep(min(remaining, 0.05))
        if float(headers["x-retry-at"]) - time.time() <= 0:
            return False
        self._republish(message, self.queue.name, headers)
        message.ack()
        return True

    def _fail(self, message, headers, reason: str, outcome: str, event_type: str = "unknown") -> None:
        attempts = int(headers.get("x-attempts", 0)) + 1
        reason = logs.scrub(reason)[:500]
        if attempts >= self.settings.retry_max_attempts:
            self._republish(message, self.dead_letters.name,
                            {"x-attempts": attempts, "x-error": reason, "x-original-queue": self.queue.name})
            metrics.DEAD_LETTERS.labels(self.service).inc()
            log.error("message parked in %s after %d attempts: %s", self.dead_letters.name, attempts, reason)
        else:
            delay = self.settings.retry_base_delay_s * 2 ** (attempts - 1) * random.uniform(0.8, 1.2)
            self._republish(message, self.queue.name,
                            {"x-attempts": attempts, "x-retry-at": time.time() + delay, "x-error": reason})
            log.warning("message failed (attempt %d), retrying in %.2fs: %s", attempts, delay, reason)
        message.ack()
        metrics.CONSUMED.labels(self.service, event_type, outcome).inc()

    def _republish(self, message, queue_name: str, headers: dict) -> None:
        # The default exchange routes straight to the named queue on every transport.
        self._producer.publish(message.body, exchange="", routing_key=queue_name, delivery_mode=bus.PERSISTENT,
                               content_type="application/json", content_encoding="utf-8",
                               message_id=message.properties.get("message_id"), headers=headers, retry=False)

    # -- the loop -----------------------------------------------------------
    def _drain(self, connection) -> None:
        """Wait for a message, then take whatever else has already arrived (up to prefetch)."""
        try:
            connection.drain_events(timeout=0.25)
        except socket.timeout:
            return
        while len(self._pending) < self.settings.prefetch:
            try:
                connection.drain_events(timeout=0)
            except socket.timeout:
                return

    def run(self, stop: threading.Event) -> None:
        delay = 0.1
        while not stop.is_set():
            try:
                with bus.connect(self.settings) as connection:
                    connection.ensure_connection(max_retries=1, timeout=5)
                    bus.declare(connection, [self.queue, self.dead_letters])
                    self._producer = connection.Producer()
                    with connection.Consumer(self.queue, on_message=self.on_message,
                                             prefetch_count=self.settings.prefetch):
                        log.info("consuming %s", self.queue.name)
                        delay = 0.1
                        while not stop.is_set():
                            self._drain(connection)
                            self.flush()
            except Exception as exc:
                log.warning("consumer connection lost, retrying in %.1fs: %s", delay, exc.__class__.__name__)
                stop.wait(delay)
                delay = min(delay * 2, 5.0)
