"""Transactional outbox and its relay.

A producer calls `Outbox.add(session, event)` inside the transaction that makes
the change, so the change and its event commit together or not at all. The
relay publishes pending rows in order with publisher confirms and deletes them
only after the broker has confirmed: a broker outage delays events, never
loses them. A crash between confirm and delete republishes a row; consumers
dedupe by event id. Several relays may run: on PostgreSQL they split the rows
with SKIP LOCKED.
"""
from __future__ import annotations

import logging
import threading

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from shared import bus, metrics
from shared.config import Settings
from shared.db import is_postgres
from shared.events import Event, encode, utcnow

log = logging.getLogger(__name__)
COLUMNS = ("event_id", "routing_key", "body", "created_at")


class Outbox:
    def __init__(self, table: sa.Table):
        self.table = table
        # Built once: a statement built per call is cache-keyed (or compiled) per call,
        # which costs more than running it.
        self._insert = table.insert()

    def add(self, session: Session, event: Event) -> None:
        session.execute(self._insert, self.row(event))

    def row(self, event: Event) -> dict:
        return {"event_id": event.event_id, "routing_key": event.type, "body": encode(event).decode(),
                "created_at": utcnow()}

    def insert_after(self, change: sa.CTE) -> sa.Insert:
        """PostgreSQL: one event, written only if `change` (a data-modifying CTE: UPDATE …
        RETURNING) changed a row — the change and its event in ONE statement, atomic without
        a transaction around it. Parameters: `params(event)`; returns the outbox id, or no row."""
        values = sa.select(*(sa.bindparam(f"_outbox_{name}", type_=self.table.c[name].type) for name in COLUMNS))
        return (self.table.insert().from_select(list(COLUMNS), values.select_from(change))
                .returning(self.table.c.id))

    def params(self, event: Event) -> dict:
        return {f"_outbox_{name}": value for name, value in self.row(event).items()}


class Relay:
    def __init__(self, service: str, settings: Settings, engine: Engine, table: sa.Table, batch: int = 500):
        self.service = service
        self.settings = settings
        self.engine = engine
        self.table = table
        self.batch = batch
        self.topology = bus.topology(settings)

    def publish_pending(self, producer) -> int:
        """Publish one batch; returns how many rows went out."""
        query = sa.select(self.table.c.id, self.table.c.event_id, self.table.c.routing_key, self.table.c.body) \
            .order_by(self.table.c.id).limit(self.batch)
        with self.engine.begin() as conn:
            if is_postgres(conn):
                query = query.with_for_update(skip_locked=True)
            rows = conn.execute(query).all()
            for row in rows:
                bus.publish(producer, self.topology, row.routing_key, row.body.encode(), row.event_id)
            if rows:
                conn.execute(self.table.delete().where(self.table.c.id.in_([r.id for r in rows])))
        if rows:
            metrics.RELAY_PUBLISHED.labels(self.service).inc(len(rows))
        return len(rows)

    def backlog(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(self.table)).scalar_one()

    def run(self, stop: threading.Event) -> None:
        """Relay until `stop` is set, reconnecting with back-off when the broker is away."""
        delay = 0.1
        while not stop.is_set():
            try:
                with bus.connect(self.settings) as connection:
                    connection.ensure_connection(max_retries=1, timeout=5)
                    producer = connection.Producer()
                    where = connection.as_uri() if bus.is_amqp(self.settings) else "filesystem://"
                    log.info("relay connected", extra={"bus": where})
                    delay = 0.1
                    self._loop(producer, stop)
            except Exception as exc:  # broker or database away: keep the rows, try again
                metrics.RELAY_FAILURES.labels(self.service).inc()
                log.warning("relay pass failed, retrying in %.1fs: %s", delay, exc.__class__.__name__)
                stop.wait(delay)
                delay = min(delay * 2, 5.0)

    def _loop(self, producer, stop: threading.Event) -> None:
        idle_checks = 0
        while not stop.is_set():
            sent = self.publish_pending(producer)
            if sent:
                continue
            idle_checks += 1
            if idle_checks % 100 == 1:  # a cheap count now and then, not every poll
                metrics.OUTBOX_BACKLOG.labels(self.service).set(self.backlog())
            stop.wait(self.settings.relay_poll_s)
