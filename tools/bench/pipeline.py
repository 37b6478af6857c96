"""Outbox → RabbitMQ → consumer → PostgreSQL, against the raw confirmed-publish
rate of the same broker measured the same way (one confirm per message).

Figures: raw_confirmed_publish_per_s, pipeline_events_per_s, commit_to_consume_p99_ms
(at a steady 100 events/s).
"""
from __future__ import annotations

import json
import time

import sqlalchemy as sa

from auth_gateway.bootstrap import bootstrap as gateway_bootstrap
from bench.infra import percentile, process, real_system, wait_until
from connection_store.bootstrap import bootstrap as store_bootstrap
from shared import bus
from shared.events import AccountConnected, encode, utcnow, version_at

BURST = 5000
STEADY_RATE, STEADY_SECONDS = 100, 10


def _event(deps, n: int) -> AccountConnected:
    connection_id = f"bench-{n}"
    return AccountConnected(producer="bench", user_id=f"user-{n % 500}", connection_id=connection_id,
                            network="x", version=version_at(utcnow()), provider_account_id=str(n),
                            handle=f"@bench{n}", credentials=deps.cipher.encrypt({"access_token": "t" * 40},
                                                                                  connection_id))


def raw_confirmed_publish_rate(settings, bodies: list[bytes]) -> float:
    """The same event bodies, exchange, routing key and bound queues as the relay
    uses, one confirm per message as the relay waits for; no database at all."""
    topo = bus.topology(settings)
    with bus.connect(settings) as connection:
        producer = connection.Producer()
        start = time.perf_counter()
        for n, body in enumerate(bodies):
            bus.publish(producer, topo, "AccountConnected", body, f"raw-{n}")
        elapsed = time.perf_counter() - start
        channel = connection.default_channel
        for service in ("connection-store", "plan-limits"):
            channel.queue_purge(topo.queue_name(service))
    return len(bodies) / elapsed


def _processed(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM processed_events")).scalar_one()


def pipeline_rate(env, settings, gateway, store) -> float:
    events = [_event(gateway, n) for n in range(BURST)]
    with gateway.sessions.begin() as session:  # the backlog a burst of commits leaves
        for event in events:
            gateway.outbox.add(session, event)
    with process(["-m", "connection_store.worker"], env):
        time.sleep(1.0)  # consumer connected and idle before the clock starts
        with process(["-m", "auth_gateway.worker"], env):
            elapsed = wait_until(lambda: _processed(store) >= BURST, timeout=300, interval=0.05)
    return BURST / elapsed


def commit_to_consume_p99_ms(env, settings, gateway, store) -> float:
    with process(["-m", "connection_store.worker"], env), process(["-m", "auth_gateway.worker"], env):
        time.sleep(1.5)
        start, ids = time.perf_counter(), []
        for n in range(STEADY_RATE * STEADY_SECONDS):
            event = _event(gateway, 100_000 + n)
            with gateway.sessions.begin() as session:
                gateway.outbox.add(session, event)
            ids.append(event.event_id)
            time.sleep(max(0.0, start + (n + 1) / STEADY_RATE - time.perf_counter()))
        wait_until(lambda: _processed(store) >= BURST + len(ids), timeout=60, interval=0.05)
    # occurred_at is stamped just before the producer's commit; processed_at inside the consumer's.
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT event_id, processed_at FROM processed_events")).all()
    consumed = {r.event_id: r.processed_at for r in rows}
    with store.engine.connect() as conn:
        occurred = dict(conn.execute(sa.text(
            "SELECT c.id, c.updated_at FROM connections c WHERE c.id LIKE 'bench-1%'")).all())
    latencies = []
    for n, event_id in enumerate(ids):
        connection_id = f"bench-{100_000 + n}"
        if connection_id in occurred and event_id in consumed:
            latencies.append((consumed[event_id] - occurred[connection_id]).total_seconds() * 1000)
    return percentile(latencies, 99)


def run() -> dict:
    with real_system() as (env, settings):
        gateway, store = gateway_bootstrap(settings), store_bootstrap(settings)
        raw = raw_confirmed_publish_rate(settings, [encode(_event(gateway, -n - 1)) for n in range(BURST)])
        pipeline = pipeline_rate(env, settings, gateway, store)
        p99 = commit_to_consume_p99_ms(env, settings, gateway, store)
    return {"raw_confirmed_publish_per_s": round(raw, 1), "pipeline_events_per_s": round(pipeline, 1),
            "pipeline_vs_raw": round(pipeline / raw, 3), "commit_to_consume_p99_ms": round(p99, 2)}


if __name__ == "__main__":
    print(json.dumps(run()))
