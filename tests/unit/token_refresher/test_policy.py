"""When each network's tokens are renewed, and what a platform's refusal means —
pure rules, no I/O."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from shared.providers import tokens
from token_refresher.answers import classify, retry_after
from token_refresher.domain import (
    GONE,
    MISCONFIGURED,
    REAUTH,
    TRANSIENT,
)
from token_refresher.policy import Policy, backoff, plan

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
POLICY = Policy()


def planned(network, expires_in, issued_ago=timedelta(0), cid="c-1"):
    issued = NOW - issued_ago
    return plan(POLICY, cid, network, expires_at=issued + expires_in if expires_in else None, issued_at=issued,
                now=NOW)


# -- when -------------------------------------------------------------------------------------

@pytest.mark.parametrize("network, life, lead", [
    ("youtube", timedelta(hours=1), timedelta(minutes=10)),
    ("x", timedelta(hours=2), timedelta(minutes=15)),
    ("tiktok", timedelta(hours=24), timedelta(minutes=20)),
    ("pinterest", timedelta(days=30), timedelta(days=3)),
])
def test_tokens_with_a_refresh_token_are_renewed_their_lead_time_before_expiry(network, life, lead):
    kind, when = planned(network, life)
    assert kind == "refresh"
    assert NOW + life - lead * 1.1 <= when <= NOW + life - lead


def test_a_token_is_renewed_half_way_through_its_life_at_the_latest():
    _, when = planned("pinterest", timedelta(hours=2))  # a lead of 3 days can't apply
    assert NOW + timedelta(minutes=54) <= when <= NOW + timedelta(hours=1)


def test_connections_issued_together_are_spread_out():
    times = {planned("x", timedelta(hours=2), cid=f"c-{n}")[1] for n in range(50)}
    assert len(times) > 40


@pytest.mark.parametrize("network", ["instagram", "threads"])
def test_meta_long_lived_tokens_are_renewed_ten_days_ahead_but_never_before_they_are_a_day_old(network):
    kind, when = planned(network, timedelta(days=60))
    assert kind == "refresh" and NOW + timedelta(days=49) <= when <= NOW + timedelta(days=50)
    _, young = planned(network, timedelta(hours=30))  # a short-lived one: half-way would be too young
    assert young >= NOW + timedelta(hours=25)


@pytest.mark.parametrize("network", ["facebook", "mastodon"])
def test_tokens_that_never_expire_get_a_health_check_about_daily(network):
    kind, when = planned(network, None)
    assert kind == "health_check" and NOW + timedelta(hours=23) <= when <= NOW + timedelta(hours=24)


def test_linkedin_asks_for_a_reconnect_a_week_before_its_60_days_end():
    kind, when = planned("linkedin", timedelta(days=60))
    assert kind == "reauth_warning" and NOW + timedelta(days=52) <= when <= NOW + timedelta(days=53)


def test_bluesky_sessions_are_refreshed_on_a_short_cycle_whatever_the_expiry():
    kind, when = planned("bluesky", timedelta(hours=2))
    assert kind == "refresh" and when == NOW + timedelta(minutes=15)


def test_a_token_without_a_stated_end_gets_a_keepalive_before_google_drops_it_for_disuse():
    kind, when = planned("youtube", None)
    assert kind == "keepalive" and when <= NOW + timedelta(days=180)


# -- back-off -----------------------------------------------------------------------------------

def test_backoff_grows_with_jitter_up_to_a_cap():
    rng = random.Random(7)
    delays = [backoff(POLICY, n, None, rng) for n in range(1, 12)]
    assert timedelta(seconds=15) <= delays[0] <= timedelta(seconds=30)
    assert delays[4] > delays[0] * 4
    assert max(delays) <= POLICY.backoff_max


def test_retry_after_is_a_floor_for_the_backoff():
    assert backoff(POLICY, 1, 900) >= timedelta(seconds=900)


def test_retry_after_is_read_as_seconds_or_an_http_date():
    assert retry_after("120") == 120
    now = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
    assert retry_after("Sat, 28 Nov 2026 12:01:00 GMT", now) == 60
    assert retry_after("soon") is None


# -- what a refusal means -------------------------------------------------------------------------

@pytest.mark.parametrize("status, body, never_expires, kind", [
    (503, None, False, TRANSIENT),
    (429, {"error": "rate_limit"}, False, TRANSIENT),
    (400, {"error": {"code": 4, "message": "Application request limit reached"}}, False, TRANSIENT),
    (400, {"error": {"code": 2, "message": "Service temporarily unavailable"}}, False, TRANSIENT),
    (400, {"error": "temporarily_unavailable"}, False, TRANSIENT),
    (400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}, False, GONE),
    (400, {"error": "invalid_grant", "error_description": "Refresh token is invalid or expired."}, False, REAUTH),
    (400, {"error": "invalid_request", "error_description": "Value passed for the token was invalid."}, False,
     REAUTH),
    (400, {"error": {"code": 190, "error_subcode": 458, "message": "not authorized application"}}, False, GONE),
    (400, {"error": {"code": 190, "error_subcode": 460, "message": "password changed"}}, False, REAUTH),
    (400, {"error": {"code": 190, "error_subcode": 463, "message": "Session has expired"}}, False, REAUTH),
    (400, {"error": {"code": 200, "message": "Permissions error"}}, False, REAUTH),
    (400, {"error": "ExpiredToken", "message": "Token has been revoked"}, False, GONE),
    (400, {"error": "ExpiredToken", "message": "Token has expired"}, False, REAUTH),
    (400, {"error": "InvalidToken", "message": "Token could not be verified"}, False, REAUTH),
    (401, {"error": "The access token is invalid"}, True, GONE),  # Mastodon: tokens never expire
    (401, None, False, REAUTH),
    (401, {"error": "invalid_client"}, False, MISCONFIGURED),
    (400, {"code": 283, "message": "The authorization grant is invalid"}, False, REAUTH),  # Pinterest
    (429, {"code": 8, "message": "Too many requests"}, False, TRANSIENT),
    (401, {"code": 2, "message": "Authentication failed."}, False, MISCONFIGURED),
    (400, {"error": "unsupported_grant_type"}, False, MISCONFIGURED),
    (404, None, False, MISCONFIGURED),
])
def test_only_the_platforms_own_words_end_a_connection(status, body, never_expires, kind):
    assert classify(status, {}, body, never_expires=never_expires).kind == kind


def test_a_refusal_keeps_retry_after_and_never_a_token():
    error = classify(429, {"Retry-After": "30"}, {"error": "slow down", "access_token": "at-secret-value-1"})
    assert error.retry_after_s == 30
    assert "at-secret-value-1" not in str(error)


def test_a_renewal_without_a_refresh_token_keeps_the_old_one_and_the_account_ids():
    old = {"access_token": "a1", "refresh_token": "r1", "expires_at": 1, "instance": "social.example"}
    new = tokens.merge(old, {"access_token": "a2", "refresh_token": None})
    assert new == {"access_token": "a2", "refresh_token": "r1", "instance": "social.example"}


def test_settings_override_the_defaults():
    settings = SimpleNamespace(refresher_bluesky_cycle_s=300, refresher_concurrency="4",
                               providers={"x": {"refresh_lead_s": "600"}, "youtube": {"client_id": "id"}})
    policy = Policy.from_settings(settings)
    assert policy.bluesky_cycle == timedelta(minutes=5) and policy.concurrency == 4
    assert policy.network("x").lead == timedelta(minutes=10) and policy.network("x").rotates
    assert policy.network("youtube") == POLICY.network("youtube")
    assert Policy.from_settings(SimpleNamespace()) == POLICY
