"""Disconnecting a Bluesky account ends our session at its PDS (deleteSession with
the refresh JWT); the answer tells the user to delete the app password too, since
only its owner can."""
from __future__ import annotations

from connection_store.bootstrap import bootstrap as store_bootstrap
from connection_store.bootstrap import consumer as store_consumer
from tests.fixtures.bluesky import ALLOW_PRIVATE
from tests.fixtures.lifecycle import pending, revocations_due


def test_disconnect_ends_the_session_at_the_pds_and_points_at_the_app_password(make_world):
    world = make_world(**ALLOW_PRIVATE)
    connection = world.connect().json()["connection"]
    store_consumer(store_bootstrap(world.stack.settings)).apply(world.stack.events()[-1])
    assert world.open_sessions("alice") == 1

    answer = world.stack.api("DELETE", f"/v1/connections/{connection['id']}")
    assert answer.status_code == 200 and answer.json()["platform_revocation"] == "pending"
    assert "App passwords" in answer.json()["message"]

    assert revocations_due(world.stack) == 1
    assert pending(world.stack) == [] and world.stats()["revoke"] == 1
    assert world.open_sessions("alice") == 0
