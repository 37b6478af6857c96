"""Through the real bus: a producer's outbox, its relay, the broker and
plan-limits' consumer, with the quota read over HTTP as the gateway reads it."""
from __future__ import annotations

import sqlalchemy as sa
from prometheus_client import REGISTRY

from shared import bus
from shared.db import make_engine, outbox_table, session_factory
from shared.outbox import Outbox, Relay
from tests.fixtures.driver import account_connected, account_revoked
from tests.support import running, wait_for


class Producer:
    """Stands in for the gateway: an outbox in a database of its own, and its relay."""

    def __init__(self, settings):
        metadata = sa.MetaData()
        self.table = outbox_table(metadata)
        self.engine = make_engine(settings.database_url("auth-gateway"))
        metadata.create_all(self.engine)
        self.sessions, self.outbox = session_factory(self.engine), Outbox(self.table)
        self.relay = Relay("auth-gateway", settings, self.engine, self.table)

    def commit(self, *events) -> None:
        with self.sessions.begin() as session:
            for event in events:
                self.outbox.add(session, event)


def test_connects_and_revocations_published_on_the_bus_change_the_quota(plan_limits):
    producer = Producer(plan_limits.settings)
    with bus.connect(plan_limits.settings) as connection:  # the queue exists before anything is published
        bus.declare(connection, [plan_limits.consumer.queue, plan_limits.consumer.dead_letters])
    reservation_id = plan_limits.reserve("ana").json["reservation_id"]
    first, second = account_connected("ana", reservation_id=reservation_id), account_connected("ana")

    with running(producer.relay.run, plan_limits.consumer.run):
        producer.commit(first, second)
        wait_for(lambda: plan_limits.quota("ana")["used"] == 2, what="both sockets to be counted")
        assert plan_limits.quota("ana")["reserved"] == 0

        duplicates = _duplicates()
        producer.commit(account_revoked("ana", first.connection_id), first)  # the replay comes too late
        wait_for(lambda: _duplicates() == duplicates + 1, what="the replay to be acknowledged without effect")

    assert plan_limits.quota("ana")["used"] == 1
    producer.engine.dispose()


def _duplicates() -> float:
    return REGISTRY.get_sample_value("postmate_consumer_messages_total", {
        "service": "plan-limits", "event_type": "AccountConnected", "outcome": "duplicate"}) or 0.0
