"""The schedule: what the consumer plans from connection events, and leases that
never hand one connection to two refreshers — on SQLite and on PostgreSQL."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shared.events import (
    AccountConnected,
    AccountRevoked,
    ConnectionNeedsReauth,
    utcnow,
    version_at,
)
from token_refresher import repository as statements
from token_refresher.bootstrap import bootstrap, consumer
from token_refresher.tables import schedule

pytestmark = pytest.mark.integration


@pytest.fixture
def refresher(settings):
    return bootstrap(settings)


def connected(cid="conn-1", network="x", version=None, expires_in=timedelta(hours=2), **fields) -> AccountConnected:
    now = utcnow()
    return AccountConnected(producer="auth-gateway", user_id="user-1", connection_id=cid, network=network,
                            version=version or version_at(now), provider_account_id=f"acct-{cid}", handle="@h",
                            token_expires_at=now + expires_in if expires_in else None, credentials="v1.k.x",
                            **fields)


def envelope(cls, cid="conn-1", version=None, **fields):
    return cls(producer="auth-gateway", user_id="user-1", connection_id=cid, network="x",
               version=version or version_at(utcnow()), **fields)


def row(refresher, cid="conn-1"):
    with refresher.engine.connect() as conn:
        return conn.execute(sa.select(schedule).where(schedule.c.connection_id == cid)).one_or_none()


def test_a_connected_account_is_planned_ahead_of_its_expiry(refresher):
    event = connected(expires_in=timedelta(hours=2))
    consumer(refresher).apply(event)
    planned = row(refresher)
    assert (planned.state, planned.kind, planned.network, planned.store_version) == ("active", "refresh", "x",
                                                                                     event.version)
    assert event.token_expires_at - timedelta(minutes=17) <= planned.due_at <= event.token_expires_at - timedelta(
        minutes=15)


def test_an_older_event_arriving_late_changes_nothing(refresher):
    apply = consumer(refresher).apply
    newer = connected(version=2_000_000, expires_in=timedelta(hours=2))
    apply(newer)
    apply(connected(version=1_000_000, expires_in=timedelta(days=30)))
    apply(envelope(ConnectionNeedsReauth, version=1_500_000, reason="token_invalid", message="Reconnect."))
    assert (row(refresher).store_version, row(refresher).state) == (2_000_000, "active")
    assert row(refresher).token_expires_at == newer.token_expires_at


def test_token_refreshed_is_not_subscribed_to_only_this_service_emits_it(refresher):
    events = consumer(refresher)
    assert sorted(b.routing_key for b in events.queue.bindings) == [
        "AccountConnected", "AccountRevoked", "ConnectionNeedsReauth"]


def test_a_revoked_connection_is_never_leased_and_a_late_connect_does_not_revive_it(refresher):
    apply = consumer(refresher).apply
    apply(envelope(AccountRevoked, cid="gone", version=2_000_000, reason="user_disconnected"))
    apply(connected(cid="gone", version=1_000_000, expires_in=timedelta(seconds=1)))
    assert row(refresher, "gone").state == "revoked"
    now = utcnow() + timedelta(days=365)
    with refresher.sessions.begin() as session:
        assert statements.lease_due(session, "me", now, now + timedelta(minutes=2), 10) == []


def test_needs_reauth_stops_the_work_and_a_reconnect_resumes_it(refresher):
    apply = consumer(refresher).apply
    apply(connected(version=1_000_000))
    apply(envelope(ConnectionNeedsReauth, version=2_000_000, reason="refresh_token_expired", message="Reconnect."))
    assert (row(refresher).state, row(refresher).reason) == ("needs_reauth", "refresh_token_expired")
    apply(connected(version=3_000_000))
    assert row(refresher).state == "active" and row(refresher).reason is None


def test_concurrent_refreshers_never_lease_the_same_connection(refresher):
    apply_batch = consumer(refresher).apply_batch
    apply_batch([connected(cid=f"c{n}", expires_in=timedelta(seconds=1)) for n in range(400)])
    now = utcnow() + timedelta(hours=1)
    leased: list[list[str]] = [[] for _ in range(6)]

    def leaser(mine: list[str]) -> None:
        while True:
            with refresher.sessions.begin() as session:
                rows = statements.lease_due(session, f"r{id(mine)}", now, now + timedelta(minutes=2), 7)
            if not rows:
                return
            mine.extend(r.connection_id for r in rows)

    threads = [threading.Thread(target=leaser, args=(mine,)) for mine in leased]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    everything = [cid for mine in leased for cid in mine]
    assert len(everything) == len(set(everything)) == 400
    assert sum(1 for mine in leased if mine) > 1, "the work was shared"


def test_a_lease_that_runs_out_makes_the_connection_due_again(refresher):
    consumer(refresher).apply(connected(expires_in=timedelta(seconds=1)))
    now = utcnow() + timedelta(hours=1)
    with refresher.sessions.begin() as session:
        (taken,) = statements.lease_due(session, "crashed", now, now + timedelta(minutes=2), 10)
    with refresher.sessions.begin() as session:
        assert statements.lease_due(session, "other", now + timedelta(minutes=1), now, 10) == []
    later = now + timedelta(minutes=3)
    with refresher.sessions.begin() as session:
        (again,) = statements.lease_due(session, "other", later, later + timedelta(minutes=2), 10)
    assert again.connection_id == taken.connection_id and again.lease_owner == "other"


def test_the_due_work_query_uses_the_index(refresher):
    query = statements.due_query(utcnow(), 100)
    with refresher.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SET enable_seqscan = off"))  # an empty table: show the index is usable
            plan = " ".join(r[0] for r in conn.execute(sa.text("EXPLAIN " + _sql(query, conn))))
        else:
            plan = " ".join(str(r[-1]) for r in conn.execute(sa.text("EXPLAIN QUERY PLAN " + _sql(query, conn))))
    assert "ix_schedule_state_due" in plan, plan


def _sql(query, conn) -> str:
    return str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
