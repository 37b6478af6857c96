"""Reconnects and repeats through the real pipeline — gateway outbox → relay →
bus → connection-store consumer — on the embedded default and on RabbitMQ +
PostgreSQL: one account is one connection, and a token answer without a
refresh token never costs the stored one (peers' reconnect-loop bug)."""
from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from auth_gateway.bootstrap import relay
from connection_store.bootstrap import bootstrap as store_bootstrap
from connection_store.bootstrap import consumer as store_consumer
from connection_store.tables import connections
from shared.manage import declare_bus
from tests.fixtures.auth_gateway import Browser
from tests.support import running, wait_for


@pytest.fixture
def live(make_stack, backend):
    """A stack whose events really flow into connection-store."""
    stack = make_stack(backend)
    declare_bus(stack.settings)  # as `make run` does: queues and bindings exist before anything publishes
    store = store_bootstrap(stack.settings)
    with running(relay(stack.gateway).run, store_consumer(store).run):
        stack.store = store
        yield stack


def stored(stack, connection_id: str, newer_than: int = 0):
    """The store's row once it holds a version newer than `newer_than`."""
    def row():
        with stack.store.engine.connect() as conn:
            found = conn.execute(sa.select(connections).where(connections.c.id == connection_id)).one_or_none()
        return found if found is not None and found.version > newer_than else None
    return wait_for(row, timeout=20, what=f"connection {connection_id} in the store")


def stored_credentials(stack, row) -> dict:
    return stack.store.cipher.decrypt(row.credentials, row.id)


def without_forced_consent(stack, network: str) -> None:
    """As if Google skipped its consent screen (no prompt=consent): it then sends no refresh token."""
    registry = stack.gateway.registry
    provider = registry.get(network)
    registry._providers[network] = replace(provider, spec=replace(provider.spec, authorize_params={
        "access_type": "offline"}))


def test_a_reconnect_whose_token_answer_has_no_refresh_token_keeps_the_stored_one(live):
    first, _ = live.connect("youtube", account="alice")
    connection_id = live.attempt(first["attempt_id"])["connection"]["id"]
    before = stored(live, connection_id)
    kept = stored_credentials(live, before)["refresh_token"]

    without_forced_consent(live, "youtube")
    again, walk = live.connect("youtube", account="alice", reconnect=connection_id)
    assert walk.response.status_code == 200
    assert again["reservation"]["kind"] == "reconnect"

    after = stored(live, connection_id, newer_than=before.version)
    credentials = stored_credentials(live, after)
    assert credentials["access_token"] != stored_credentials(live, before)["access_token"]
    assert credentials["refresh_token"] == kept
    assert [c["id"] for c in live.connections()] == [connection_id]


def test_the_same_account_connected_twice_is_one_connection_in_the_store(live):
    live.connect("x", account="alice")
    live.connect("x", account="alice")
    [listed] = live.connections()
    first = stored(live, listed["id"])
    with live.store.engine.connect() as conn:
        rows = conn.execute(sa.select(connections.c.id, connections.c.version)).all()
    assert len(rows) == 1 and rows[0].id == listed["id"] and first.status == "active"


def test_a_reconnect_that_brings_back_another_account_changes_nothing(live):
    first, _ = live.connect("x", account="alice")
    connection_id = live.attempt(first["attempt_id"])["connection"]["id"]
    before = stored(live, connection_id)
    again = live.start("x", reconnect=connection_id)
    walk = Browser().walk(again["start_url"], account="mallory")
    assert walk.response.status_code == 409
    failure = live.attempt(again["attempt_id"])["failure"]
    assert failure["code"] == "wrong_account" and "@mallory" in failure["message"]
    assert again["reservation"]["id"] in live.plans.released
    with live.store.engine.connect() as conn:
        rows = conn.execute(sa.select(connections)).all()
    assert len(rows) == 1 and rows[0].version == before.version
    assert [c["handle"] for c in live.connections()] == ["@alice"]
