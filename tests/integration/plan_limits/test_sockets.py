"""Connection events turn into sockets: active and needs_reauth connections
count, revoked ones don't. Replays change nothing and the newest version of a
connection wins whatever order events arrive in."""
from __future__ import annotations

from itertools import permutations

from tests.fixtures.driver import (
    account_connected,
    account_revoked,
    needs_reauth,
    next_version,
)


def used(plan_limits, user_id: str) -> int:
    return plan_limits.quota(user_id)["used"]


def test_a_connected_account_is_a_socket_until_it_is_revoked(plan_limits):
    connected = account_connected("ana")
    plan_limits.apply(connected)
    assert used(plan_limits, "ana") == 1

    plan_limits.apply(account_revoked("ana", connected.connection_id))

    assert used(plan_limits, "ana") == 0


def test_an_account_that_needs_reauth_still_holds_its_socket(plan_limits):
    [connection_id] = plan_limits.holding("ana", 1)

    plan_limits.apply(needs_reauth("ana", connection_id))

    assert used(plan_limits, "ana") == 1


def test_a_replayed_account_connected_changes_no_count(plan_limits):
    connected = account_connected("ana")
    plan_limits.apply(connected)

    assert plan_limits.apply(connected) == ["duplicate"]
    # The same change re-sent under a new event id: its version is not newer.
    plan_limits.apply(connected.model_copy(update={"event_id": "another-id"}))

    assert used(plan_limits, "ana") == 1


def test_a_replayed_account_revoked_changes_no_count_and_cannot_be_undone_by_an_old_connect(plan_limits):
    connected = account_connected("ana")
    revoked = account_revoked("ana", connected.connection_id)
    plan_limits.apply(connected, revoked)

    assert plan_limits.apply(revoked) == ["duplicate"]
    plan_limits.apply(connected.model_copy(update={"event_id": "late-copy"}))

    assert used(plan_limits, "ana") == 0


def test_revoked_arriving_before_its_connect_leaves_the_place_free_and_the_reservation_released(plan_limits):
    reservation_id = plan_limits.reserve("ana").json["reservation_id"]
    connected = account_connected("ana", reservation_id=reservation_id, version=next_version())
    revoked = account_revoked("ana", connected.connection_id, version=next_version())

    plan_limits.apply(revoked, connected)

    assert (plan_limits.quota("ana")["used"], plan_limits.quota("ana")["reserved"]) == (0, 0)


def test_in_any_order_the_newest_state_of_each_connection_counts(plan_limits):
    for n, order in enumerate(permutations(["connected", "needs_reauth", "revoked"])):
        user_id = f"user-{n}"
        gone = {"connected": account_connected(user_id, "gone-" + user_id, version=1),
                "needs_reauth": needs_reauth(user_id, "gone-" + user_id, version=2),
                "revoked": account_revoked(user_id, "gone-" + user_id, version=3)}
        back = {"revoked": account_revoked(user_id, "back-" + user_id, version=1),
                "needs_reauth": needs_reauth(user_id, "back-" + user_id, version=2),
                "connected": account_connected(user_id, "back-" + user_id, version=3)}
        plan_limits.apply(*(gone[name] for name in order), *(back[name] for name in order))

        assert used(plan_limits, user_id) == 1, order


def test_reconnecting_an_account_that_is_already_a_socket_costs_nothing(plan_limits):
    [connection_id] = plan_limits.holding("ana", 1)
    reservation_id = plan_limits.reserve("ana", reconnect=connection_id).json["reservation_id"]

    plan_limits.apply(account_connected("ana", connection_id, reservation_id=reservation_id))

    assert (plan_limits.quota("ana")["used"], plan_limits.quota("ana")["reserved"]) == (1, 0)
