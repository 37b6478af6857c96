"""Refreshing, network by network, and what each kind of failure does — through the
real store over HTTP, the real consumers and the provider sandbox; on the embedded
default and on PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest

from shared.events import TokenRefreshed

pytestmark = pytest.mark.integration


def types(events) -> list[str]:
    return [event.type for event in events]


# -- it works -----------------------------------------------------------------------------

@pytest.mark.parametrize("network", ["x", "tiktok", "pinterest", "youtube"])
def test_a_due_token_is_renewed_with_the_refresh_token_grant_and_the_store_gets_it(world, network):
    cid = world.connect(network)
    before = world.stored_credentials(cid)
    world.make_due(cid)

    assert world.run_due() == 1
    events = world.deliver()

    assert types(events) == ["TokenRefreshed"]
    assert world.refreshes(cid) == 1, "the platform saw one refresh"
    after = world.stored_credentials(cid)
    assert after["access_token"] != before["access_token"] and world.usable(cid)
    if network != "youtube":  # these rotate their refresh tokens; the store holds the new one
        assert after["refresh_token"] != before["refresh_token"]
    expires = world.stored(cid).token_expires_at
    assert expires > world.clock() + timedelta(minutes=50)
    row = world.row(cid)
    assert (row.failures, row.last_outcome, row.lease_owner) == (0, "refreshed", None)
    assert world.clock() + timedelta(minutes=25) < row.due_at < expires, "next refresh planned ahead of expiry"


def test_a_lease_batch_reads_its_credentials_from_the_store_in_one_call(world):
    cids = [world.connect(network) for network in ("x", "tiktok", "pinterest")]
    for cid in cids:
        world.make_due(cid)
    store, calls = world.refresher.refresher.store, []
    single, many = store.credentials, store.credentials_many
    store.credentials = lambda cid: calls.append(("one", cid)) or single(cid)
    store.credentials_many = lambda ids: calls.append(("batch", sorted(ids))) or many(ids)

    assert world.run_due() == 3
    assert calls == [("batch", sorted(cids))]
    assert types(world.deliver()) == ["TokenRefreshed"] * 3 and all(world.usable(cid) for cid in cids)


def test_with_the_store_away_the_work_waits_and_nothing_is_reported(world):
    cid = world.connect("x")
    world.make_due(cid)
    store = world.refresher.refresher.store
    address, store.http.base_url = store.http.base_url, "http://127.0.0.1:9"  # nothing listens there

    assert world.run_due() == 1
    assert world.refreshes(cid) == 0 and world.pending() == []
    row = world.row(cid)
    assert (row.state, row.last_outcome, row.lease_owner) == ("active", "store_unavailable", None)

    store.http.base_url = address
    world.make_due(cid)
    world.run_due()
    assert types(world.deliver()) == ["TokenRefreshed"] and world.usable(cid)


def test_a_renewal_without_a_refresh_token_keeps_the_stored_one(world):
    cid = world.connect("youtube")  # Google answers refreshes without one
    before = world.stored_credentials(cid)["refresh_token"]
    world.make_due(cid)
    world.run_due()
    world.deliver()
    assert world.stored_credentials(cid)["refresh_token"] == before
    world.make_due(cid)
    world.run_due()
    assert types(world.deliver()) == ["TokenRefreshed"] and world.refreshes(cid) == 2


@pytest.mark.parametrize("network", ["instagram", "threads"])
def test_meta_long_lived_tokens_renew_themselves_days_ahead_of_their_60_days(world, network):
    cid = world.connect(network)
    assert world.row(cid).due_at >= world.clock() + timedelta(days=49), "about ten days before the 60 run out"
    world.make_due(cid)
    world.run_due()
    assert types(world.deliver()) == ["TokenRefreshed"]
    assert world.refreshes(cid) == 1 and world.usable(cid)
    assert world.stored(cid).token_expires_at > world.clock() + timedelta(days=59)


def test_a_meta_token_younger_than_a_day_is_checked_not_refreshed(world):
    """Instagram refuses to renew a token under 24 h old: a check then is an identity call."""
    cid = world.connect("instagram")
    world.advance(hours=2)
    outcome = world.refresher.refresher.run(world.row(cid), scheduled=False)
    assert outcome.reason == "healthy" and world.refreshes(cid) == 0


def test_bluesky_sessions_are_refreshed_through_xrpc_on_a_short_cycle(world):
    cid = world.connect("bluesky")
    assert world.row(cid).due_at <= world.clock() + timedelta(minutes=15), "a short cycle, not near expiry"
    before = world.stored_credentials(cid)
    world.make_due(cid)
    world.run_due()
    assert types(world.deliver()) == ["TokenRefreshed"]
    after = world.stored_credentials(cid)
    assert after["refresh_token"] != before["refresh_token"], "both JWTs rotated and the store holds the new pair"
    assert after["pds_url"] == before["pds_url"] and after["did"] == before["did"], "where the session lives is kept"
    assert world.refreshes(cid) == 1 and world.usable(cid)
    assert world.stored(cid).token_expires_at > world.clock() + timedelta(minutes=100), "expiry read from the JWT"


@pytest.mark.parametrize("network", ["mastodon", "facebook"])
def test_tokens_that_never_expire_get_a_cheap_daily_health_check(world, network):
    cid = world.connect(network)
    assert world.row(cid).kind == "health_check"
    checks = world.sandbox.counted(network, "identity")
    world.make_due(cid)
    world.run_due()
    assert world.deliver() == [], "a healthy token changes nothing in the store"
    assert world.sandbox.counted(network, "identity") == checks + 1
    assert world.sandbox.counted(network, "refresh") == 0
    assert world.row(cid).due_at >= world.clock() + timedelta(hours=22)


# -- the store must have our last refresh before the next read ---------------------------------

def test_the_next_refresh_waits_until_the_store_has_applied_the_last_one(world):
    cid = world.connect("x")
    world.make_due(cid)
    world.run_due()  # refreshed; TokenRefreshed still in the outbox (the store hasn't got it)
    world.make_due(cid)

    world.run_due()
    assert world.refreshes(cid) == 1, "no refresh with the spent token"
    assert world.row(cid).last_outcome == "store_lagging"

    world.deliver()
    world.make_due(cid)
    world.run_due()
    world.deliver()
    assert world.refreshes(cid) == 2 and world.usable(cid)


# -- transient failures -----------------------------------------------------------------------

def test_429_with_retry_after_is_honoured(world):
    cid = world.connect("tiktok")
    world.make_due(cid)
    world.sandbox.fail("tiktok", "429", retry_after=600)

    world.run_due()
    assert world.row(cid).due_at >= world.clock() + timedelta(seconds=600)
    world.advance(seconds=590)
    assert world.run_due() == 0, "nothing is tried before Retry-After has passed"
    assert (world.sandbox.counted("tiktok", "faults"), world.refreshes(cid)) == (1, 0), "one try so far"

    world.advance(seconds=15)
    world.run_due()
    assert types(world.deliver()) == ["TokenRefreshed"] and world.refreshes(cid) == 1
    assert world.sandbox.counted("tiktok", "faults") == 1


def test_a_5xx_storm_backs_off_and_recovers_without_disconnecting(world):
    cid = world.connect("x")
    world.make_due(cid)
    world.sandbox.fail("x", "5xx", count=6)
    waits = []
    for _ in range(6):
        before = world.clock()
        world.run_due()
        waits.append(world.row(cid).due_at - before)
        world.make_due(cid)
    assert waits[-1] > waits[0] * 4, "the waits grow"
    assert all(wait >= timedelta(seconds=15) for wait in waits), "never hammering the platform"
    assert world.pending() == [], "an outage is not a revocation: nothing reported"
    assert world.stored(cid).status == "active"

    world.run_due()
    assert types(world.deliver()) == ["TokenRefreshed"]
    assert world.row(cid).failures == 0 and world.usable(cid)


def test_a_platform_that_does_not_answer_in_time_is_tried_again_later(world):
    cid = world.connect("youtube")
    world.make_due(cid)
    world.refresher.platforms.timeout_s = 0.3
    world.sandbox._admin("POST", "faults", {"network": "youtube", "endpoint": "refresh", "mode": "timeout",
                                            "delay_s": 1, "count": 1})
    world.run_due()
    row = world.row(cid)
    assert (row.last_outcome, row.failures, row.state) == ("timeout", 1, "active")
    assert world.pending() == []


def test_days_of_failure_ask_the_user_once_and_recovery_brings_the_connection_back(world):
    cid = world.connect("pinterest")
    world.make_due(cid)
    world.sandbox.fail("pinterest", "5xx", count=None)  # until healed
    started, reported = world.clock(), []
    while world.clock() < started + timedelta(days=4):
        world.run_due()
        reported += world.deliver()
        world.make_due(cid)
    assert types(reported) == ["ConnectionNeedsReauth"], "one event for the transition, not one per attempt"
    assert reported[0].reason == "refresh_failing"
    assert world.stored(cid).status == "needs_reauth"
    assert "Pinterest" in world.stored(cid).status_message

    world.sandbox.heal("pinterest")
    world.run_due()
    assert types(world.deliver()) == ["TokenRefreshed"]
    assert world.stored(cid).status == "active" and world.usable(cid)


# -- permanent failures -------------------------------------------------------------------------

@pytest.mark.parametrize("network", ["youtube", "instagram", "threads", "bluesky", "mastodon", "facebook"])
def test_revoked_at_the_platform_is_reported_once_and_the_store_marks_it_revoked(world, network):
    cid = world.connect(network)
    world.sandbox.revoke(network, world.accounts[cid][1])
    world.make_due(cid)

    world.run_due()
    events = world.deliver()
    assert types(events) == ["AccountRevoked"] and events[0].reason == "revoked_at_provider"
    assert world.stored(cid).status == "revoked" and world.stored(cid).credentials is None
    assert world.row(cid).state == "revoked"
    world.advance(days=30)
    assert world.run_due() == 0 and world.deliver() == [], "nothing more is tried or said"


@pytest.mark.parametrize("network", ["x", "tiktok", "pinterest"])
def test_a_grant_that_dies_without_saying_revoked_asks_the_user_to_reconnect(world, network):
    """X, TikTok and Pinterest answer a dead refresh token the same way whatever killed it."""
    cid = world.connect(network)
    world.sandbox.revoke(network, world.accounts[cid][1])
    world.make_due(cid)
    world.run_due()
    events = world.deliver()
    assert types(events) == ["ConnectionNeedsReauth"] and events[0].reason == "refresh_token_expired"
    assert world.stored(cid).status == "needs_reauth", "the socket is kept; the dashboard shows Reconnect"
    assert "Reconnect" in world.stored(cid).status_message


def test_a_refresh_token_spent_without_us_needs_the_user_never_a_silent_failure(world):
    cid = world.connect("tiktok")
    world.refresher.platforms.refresh_grant("tiktok", world.stored_credentials(cid), world.clock())  # answer lost
    world.make_due(cid)
    world.run_due()
    events = world.deliver()
    assert types(events) == ["ConnectionNeedsReauth"] and events[0].reason == "refresh_token_expired"
    assert world.stored(cid).status == "needs_reauth"


def test_invalid_grant_after_another_refresher_replaced_the_token_is_retried_not_reported(world):
    """Before believing invalid_grant, look again: another replica (whose lease we
    outlived) may have refreshed meanwhile and the store holds its newer token."""
    cid = world.connect("tiktok")
    world.make_due(cid)
    store = world.refresher.refresher.store
    read = store.credentials_many

    def read_then_another_replica_refreshes(connection_ids):
        batch = read(connection_ids)
        store.credentials_many = read
        seen = batch[cid]
        renewal = world.refresher.platforms.refresh_grant("tiktok", seen.credentials, world.clock())
        world._store_consumer.apply(TokenRefreshed(
            producer="token-refresher", user_id="user-1", connection_id=cid, network="tiktok",
            version=seen.version + 1, token_expires_at=renewal.expires_at,
            credentials=world.refresher.cipher.encrypt(renewal.credentials, cid)))
        return batch

    store.credentials_many = read_then_another_replica_refreshes
    world.run_due()
    assert world.pending() == [], "no ConnectionNeedsReauth for a token that was merely replaced"
    assert world.row(cid).last_outcome == "replaced"
    world.run_due()
    assert types(world.deliver()) == ["TokenRefreshed"]
    assert world.usable(cid) and world.stored(cid).status == "active"


def test_a_reconnect_landing_while_a_refresh_is_in_flight_is_not_overwritten_by_it(world):
    """The refresh read the stored grant; while the platform answered, the user reconnected
    (the store has it, this service's consumer not yet). The refresh follows the version it
    read, so the reconnect — newer — wins everywhere, and work goes on from it."""
    cid = world.connect("x")
    world.make_due(cid)
    platforms, reconnect = world.refresher.platforms, []
    grant = platforms.refresh_grant

    def answered_while_the_user_reconnects(network, credentials, now):
        renewal = grant(network, credentials, now)
        reconnect.append(world.grant("x", name=world.accounts[cid][1], cid=cid))
        world._store_consumer.apply(reconnect[0])
        world.advance(seconds=2)  # our commit comes after the reconnect
        return renewal

    platforms.refresh_grant = answered_while_the_user_reconnects
    world.run_due()
    platforms.refresh_grant = grant
    reconnected = world.refresher.cipher.decrypt(reconnect[0].credentials, cid)
    world.deliver()  # our TokenRefreshed reaches the store after the reconnect
    world.publish(reconnect[0])  # and the reconnect reaches our consumer after it

    assert world.stored_credentials(cid) == reconnected and world.stored(cid).version == reconnect[0].version
    assert world.row(cid).store_version == reconnect[0].version
    world.make_due(cid)
    assert world.run_due() == 1 and world.row(cid).last_outcome == "refreshed", "not waiting on a lost version"
    assert types(world.deliver()) == ["TokenRefreshed"] and world.usable(cid)


def test_linkedin_asks_the_user_to_reconnect_a_week_before_its_60_days_run_out(world):
    cid = world.connect("linkedin")  # no refresh token for apps outside LinkedIn's partner program
    row = world.row(cid)
    assert row.kind == "reauth_warning"
    assert timedelta(days=6) <= row.token_expires_at - row.due_at <= timedelta(days=8)
    world.make_due(cid)
    world.run_due()
    events = world.deliver()
    assert types(events) == ["ConnectionNeedsReauth"] and events[0].reason == "token_expiring"
    assert world.stored(cid).status == "needs_reauth"
    assert "every 60 days" in world.stored(cid).status_message
    assert world.sandbox.counted("linkedin", "refresh", "errors") == 0, "nothing to call"
    assert world.usable(cid), "the token still works until its end"

    world.advance(minutes=5)  # the user clicks Reconnect
    world.connect("linkedin", name=world.accounts[cid][1], cid=cid)
    assert world.row(cid).state == "active" and world.stored(cid).status == "active"


def test_events_carry_versions_that_order_after_what_the_store_holds(world):
    cid = world.connect("x")
    before = world.stored(cid).version
    world.make_due(cid)
    world.run_due()
    (event,) = world.deliver()
    assert isinstance(event, TokenRefreshed) and event.version > before
    assert world.stored(cid).version == event.version == world.row(cid).store_version
