"""Disconnect: DELETE /v1/connections/{id} takes the account out of Post Mate at
once — AccountRevoked(user_disconnected), the store wipes the credentials and
keeps an audit line, plan-limits frees the socket — and the platform is told in
the background, again and again while it is down, never holding the user up."""
from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from auth_gateway import revocations
from auth_gateway.adapters.oauth import OAuthClient, ProviderError
from shared.providers.registry import Registry
from tests.fixtures.lifecycle import (  # noqa: F401
    connect,
    disconnect,
    pending,
    quick,
    quota,
    revocations_due,
    revokes,
    store_get,
    stored,
    system,
    works_at_platform,
)
from tests.support import wait_for


def test_disconnect_takes_the_account_out_at_once_and_frees_the_socket(system):
    connection_id, credentials = connect(system)
    wait_for(lambda: quota(system)["used"] == 1, what="plan-limits to count the socket")

    answer = disconnect(system, connection_id)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "revoked" and body["platform_revocation"] == "pending"
    assert "X" in body["message"] and credentials["access_token"] not in answer.text
    assert system.connections() == [], "the list hides it before the store has caught up"
    wait_for(lambda: (stored(system, connection_id) or {}).get("status") == "revoked", what="the store to revoke")
    assert stored(system, connection_id)["credentials"] is None, "the store wiped them"
    audit = store_get(system, f"/v1/connections/{connection_id}").json()
    assert audit["status_reason"] == "user_disconnected" and audit["status_message"] == "You disconnected this account."
    wait_for(lambda: quota(system)["used"] == 0, what="plan-limits to free the socket")

    assert revocations_due(system) == 1
    assert revokes(system, "x") == 2 and pending(system) == []  # the refresh token, then the access token
    assert not works_at_platform(system, "x", credentials)


def test_disconnect_while_the_platform_is_down_disconnects_now_and_revokes_later(system):
    connection_id, credentials = connect(system)
    system.fault("x", "5xx", endpoint="revoke")

    answer = disconnect(system, connection_id)
    assert answer.status_code == 200 and answer.json()["platform_revocation"] == "pending"
    wait_for(lambda: (stored(system, connection_id) or {}).get("status") == "revoked", what="the store to revoke")
    wait_for(lambda: quota(system)["used"] == 0, what="plan-limits to free the socket")

    assert revocations_due(system) == 1  # tried, and the platform answered 503
    [row] = pending(system)
    assert row.attempts == 1 and row.last_error == "platform_unavailable"
    assert pending_gauge("x") == 1, "ops see the backlog"
    assert row.next_attempt_at > system.clock() and revokes(system, "x") == 0
    assert works_at_platform(system, "x", credentials), "nothing was revoked yet"
    assert revocations_due(system) == 0, "not before its back-off is over"

    system.fault("x", "none", endpoint="revoke")  # the platform is back
    system.clock.advance(revocations.RETRY_CAP.total_seconds())
    assert revocations_due(system) == 1
    assert pending(system) == [] and revokes(system, "x") == 2 and pending_gauge("x") == 0
    assert not works_at_platform(system, "x", credentials)


def pending_gauge(network: str) -> float | None:
    return REGISTRY.get_sample_value("auth_gateway_platform_revocations_pending", {"network": network})


def test_a_platform_down_for_days_is_given_up_on_and_the_account_stays_disconnected(quick):
    connection_id, credentials = connect(quick)
    quick.fault("x", "5xx", endpoint="revoke")
    disconnect(quick, connection_id)
    for _ in range(revocations.MAX_ATTEMPTS):
        assert revocations_due(quick) == 1
        quick.clock.advance(revocations.RETRY_CAP.total_seconds())
    assert pending(quick) == [] and revocations_due(quick) == 0
    assert quick.connections() == []


def test_back_off_grows_with_jitter_up_to_a_cap():
    waits = [revocations.backoff(n) for n in range(1, 30) for _ in range(20)]
    assert all(revocations.RETRY_BASE / 2 <= w <= revocations.RETRY_CAP for w in waits)
    assert len(set(waits)) > 100, "jittered, so retries of many rows don't arrive together"
    assert max(revocations.backoff(1) for _ in range(50)) <= revocations.RETRY_BASE


@pytest.mark.parametrize("network", ["tiktok", "youtube", "mastodon"])
def test_each_network_with_a_revoke_endpoint_is_told(quick, network):
    connection_id, credentials = connect(quick, network)
    assert disconnect(quick, connection_id).json()["platform_revocation"] == "pending"
    assert revocations_due(quick) == 1
    assert pending(quick) == [] and revokes(quick, network) >= 1
    assert not works_at_platform(quick, network, credentials)


@pytest.mark.parametrize("network", ["instagram", "linkedin", "facebook"])
def test_networks_without_a_revoke_endpoint_disconnect_and_say_how_to_finish_there(quick, network):
    connection_id, credentials = connect(quick, network)
    answer = disconnect(quick, connection_id)
    assert answer.status_code == 200 and answer.json()["platform_revocation"] == "not_available"
    assert "settings" in answer.json()["message"]
    assert pending(quick) == [] and quick.connections() == []
    assert [e.reason for e in quick.events() if e.type == "AccountRevoked"] == ["user_disconnected"]


def test_someone_elses_connection_or_an_unknown_one_is_not_found_and_nothing_happens(quick):
    connection_id, _ = connect(quick)
    for user, path in (("someone-else", connection_id), ("user-1", "no-such-connection")):
        answer = disconnect(quick, path, user=user)
        assert answer.status_code == 404 and answer.json()["error"] == "connection_not_found"
    assert [e.type for e in quick.events()] == ["AccountConnected"]
    assert [c["id"] for c in quick.connections()] == [connection_id]


def test_a_second_disconnect_changes_nothing(quick):
    connection_id, _ = connect(quick)
    assert disconnect(quick, connection_id).json()["platform_revocation"] == "pending"
    again = disconnect(quick, connection_id)
    assert again.status_code == 200 and again.json()["platform_revocation"] == "already_disconnected"
    assert len([e for e in quick.events() if e.type == "AccountRevoked"]) == 1 and len(pending(quick)) == 1


def test_a_reconnect_after_a_disconnect_is_listed_again(quick):
    connection_id, _ = connect(quick)
    disconnect(quick, connection_id)
    quick.store_consumer.apply(quick.events()[-1])
    assert quick.connections() == []
    again, _ = connect(quick)
    assert again == connection_id and [c["id"] for c in quick.connections()] == [connection_id]
    assert disconnect(quick, connection_id).json()["platform_revocation"] == "pending", "and can go again"


def test_the_store_being_away_refuses_the_disconnect_rather_than_half_doing_it(quick):
    connection_id, _ = connect(quick)
    quick.gateway.store.http.base_url = "http://127.0.0.1:9"  # nothing listens there
    answer = disconnect(quick, connection_id)
    assert answer.status_code == 503 and "nothing was changed" in answer.json()["message"]
    assert [e.type for e in quick.events()] == ["AccountConnected"] and pending(quick) == []


def test_the_tokens_to_revoke_rest_encrypted_and_are_never_logged(quick, captured_logs):
    connection_id, credentials = connect(quick)
    quick.fault("x", "5xx", endpoint="revoke", count=1)
    disconnect(quick, connection_id)
    [row] = pending(quick)
    for secret in (credentials["access_token"], credentials["refresh_token"]):
        assert secret not in row.credentials
    revocations_due(quick)
    quick.clock.advance(revocations.RETRY_CAP.total_seconds())
    revocations_due(quick)
    assert pending(quick) == []
    logged = captured_logs.getvalue()
    assert "platform revocation" in logged
    for secret in (credentials["access_token"], credentials["refresh_token"]):
        assert secret not in logged


def test_tiktok_is_sent_the_access_token_its_revoke_endpoint_takes(quick):
    """developers.tiktok.com/doc/oauth-user-access-token-management: /v2/oauth/revoke/ takes the user access token
    (the sandbox refuses a refresh token there, as we used to send first and retry for three days)."""
    connection_id, credentials = connect(quick, "tiktok")
    disconnect(quick, connection_id)
    assert revocations_due(quick) == 1
    assert pending(quick) == [] and revokes(quick, "tiktok") == 1
    assert not works_at_platform(quick, "tiktok", credentials)
    with pytest.raises(ProviderError):  # the whole grant ended, its refresh token with it
        OAuthClient(Registry(quick.settings).get("tiktok")).refresh(credentials["refresh_token"])


def test_an_ended_tiktok_access_token_is_renewed_before_it_is_revoked(quick):
    connection_id, credentials = connect(quick, "tiktok")
    disconnect(quick, connection_id)
    three_hours = 3 * 3600  # TikTok's access tokens live 2 hours
    quick.sandbox("POST", "clock", advance_s=three_hours)
    quick.clock.advance(seconds=three_hours)
    refreshes = quick.sandbox("GET", "stats")["networks"]["tiktok"]["refresh"]
    assert revocations_due(quick) == 1
    assert pending(quick) == [] and revokes(quick, "tiktok") == 1
    assert quick.sandbox("GET", "stats")["networks"]["tiktok"]["refresh"] == refreshes + 1
    with pytest.raises(ProviderError):
        OAuthClient(Registry(quick.settings).get("tiktok")).refresh(credentials["refresh_token"])


def test_an_ended_tiktok_grant_that_no_longer_renews_is_done_not_retried_for_days(quick):
    connection_id, _ = connect(quick, "tiktok")
    disconnect(quick, connection_id)
    quick.sandbox("POST", "revoke", network="tiktok", account="alice")  # the person removed us at TikTok meanwhile
    quick.sandbox("POST", "clock", advance_s=3 * 3600)
    quick.clock.advance(hours=3)
    assert revocations_due(quick) == 1
    assert pending(quick) == []  # nothing left to give back: no retries
