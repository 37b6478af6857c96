"""Every way a Bluesky connect is refused: the status, a sentence a person understands,
nothing stored, and any socket reservation given back (provider sandbox, fast tier)."""
from __future__ import annotations

import pytest
import requests

from tests.fixtures.bluesky import ALLOW_PRIVATE, APP_PASSWORD
from tests.support import free_port

PUBLIC = "93.184.215.14"  # what the test DNS answers for a "public" name; never connected to


@pytest.mark.parametrize("body,status,code,words", [
    ({"handle": "alice"}, 400, "invalid_handle", "like alice.bsky.social"),
    ({"handle": ""}, 400, "invalid_handle", "isn't a Bluesky handle"),
    ({"handle": "al ice.sandbox"}, 400, "invalid_handle", "isn't a Bluesky handle"),
    ({"app_password": "main-password"}, 400, "invalid_app_password", "never your main password"),
    ({"app_password": "ABCD-EFGH-IJ23-KL45"}, 400, "invalid_app_password", "bsky.app/settings/app-passwords"),
    ({"app_password": "abcd-efgh-ij23-kl4"}, 400, "invalid_app_password", "xxxx-xxxx-xxxx-xxxx"),
    ({"app_password": "abcd-efgh-ij01-kl45"}, 400, "invalid_app_password", "App Passwords"),  # 0 and 1: not base32
    ({"app_password": None}, 400, "invalid_app_password", "name it \"Post Mate\""),
    ({"service": "https://pds.example.com/xrpc"}, 400, "invalid_service", "https://pds.example.com (no path)"),
    ({"service": "https://user:pw@pds.example.com"}, 400, "invalid_service", "no path"),
    ({"service": "ftp://pds.example.com"}, 400, "invalid_service", "no path"),
    ({"reconnect": 7}, 400, "invalid_reconnect", "id of the connection"),
])
def test_malformed_requests_are_refused_before_anything_is_counted_or_called(world, body, status, code, words):
    answer = world.connect(**body)
    assert (answer.status_code, answer.json()["error"]) == (status, code)
    assert words in answer.json()["message"]
    assert world.stats()["token"] == 0 and world.resolver.asked == []
    world.assert_nothing_stored()
    assert world.attempts() == []


def test_the_app_password_steps_come_with_a_malformed_password(world):
    body = world.connect(app_password="my-main-password").json()
    assert body["help"] == {"url": "https://bsky.app/settings/app-passwords", "steps": [
        "In Bluesky, open Settings → Privacy and security.", "Choose App Passwords.",
        "Choose Add App Password and name it \"Post Mate\".",
        "Copy the password it shows (it looks like xxxx-xxxx-xxxx-xxxx) and paste it here."]}


def test_a_password_typed_into_the_handle_field_is_not_echoed(world):
    answer = world.connect(handle=APP_PASSWORD)
    assert answer.status_code == 400 and APP_PASSWORD not in answer.text


@pytest.mark.parametrize("service,dns,code,words", [
    ("http://pds.example.com", {}, "service_not_https", "over https"),
    ("https://127.0.0.1", {}, "service_not_public", "127.0.0.1 is not a public internet address"),
    ("https://[::1]:8443", {}, "service_not_public", "not a public internet address"),
    ("https://169.254.169.254", {}, "service_not_public", "private, local or reserved"),
    ("https://[::ffff:10.0.0.1]", {}, "service_not_public", "not a public internet address"),
    ("https://0.0.0.0", {}, "service_not_public", "not a public internet address"),
    ("https://pds.internal.example", {"pds.internal.example": ["10.1.2.3"]}, "service_not_public",
     "pds.internal.example is not a public internet address"),
    ("https://pds.sneaky.example", {"pds.sneaky.example": [PUBLIC, "fd00::5"]}, "service_not_public",
     "pds.sneaky.example is not a public"),  # one private answer is enough to refuse
    ("https://pds.multicast.example", {"pds.multicast.example": ["239.1.1.1"]}, "service_not_public", "public"),
    ("https://pds.nowhere.example", {}, "service_not_found", "couldn't find a server called pds.nowhere.example"),
])
def test_a_service_that_is_not_public_https_is_refused_with_a_400(world, service, dns, code, words):
    world.resolver.names.update(dns)
    answer = world.connect(service=service)
    assert (answer.status_code, answer.json()["error"]) == (400, code)
    assert words in answer.json()["message"]
    assert world.stats()["token"] == 0
    world.assert_nothing_stored()


def test_sign_ins_are_limited_per_user_with_retry_after(make_world):
    world = make_world(POSTMATE_BLUESKY_LOGINS_PER_USER="2", POSTMATE_BLUESKY_LOGIN_WINDOW_S="600")
    assert world.connect().status_code == 201
    assert world.connect().status_code == 201
    third = world.connect()
    assert third.status_code == 429 and third.json()["error"] == "too_many_attempts"
    assert 590 <= int(third.headers["Retry-After"]) <= 600 and third.json()["retry_after"] >= 590
    assert "Too many Bluesky sign-in attempts. Please wait 10 minutes" in third.json()["message"]
    assert world.stats()["token"] == 2, "the refused attempt never reached Bluesky"
    assert world.connect(user="user-2").status_code == 201, "another user has a window of their own"


def test_sign_ins_are_limited_per_client_address(make_world):
    world = make_world(POSTMATE_BLUESKY_LOGINS_PER_ADDRESS="2")
    for user in ("u1", "u2"):
        assert world.connect(user=user, address="203.0.113.9").status_code == 201
    refused = world.connect(user="u3", address="203.0.113.9")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert world.stats()["token"] == 2, "the refused attempt never reached Bluesky"
    assert world.connect(user="u3", address="203.0.113.10").status_code == 201


def test_malformed_attempts_do_not_use_up_the_limit(make_world):
    world = make_world(POSTMATE_BLUESKY_LOGINS_PER_USER="1")
    for _ in range(3):
        assert world.connect(app_password="wrong").status_code == 400
    assert world.connect().status_code == 201


def test_a_handle_bluesky_does_not_know_is_a_400_with_nothing_reserved(world):
    answer = world.connect("nobody.example.com")
    assert answer.status_code == 400 and answer.json()["error"] == "handle_not_found"
    assert "We couldn't find a Bluesky account called @nobody.example.com" in answer.json()["message"]
    world.assert_nothing_stored()
    assert world.stack.plans.released == [], "located before reserving: no socket was held"


def test_a_wrong_app_password_is_a_400_with_the_reservation_released(world):
    requests.post(f"{world.stack.settings.sandbox_url}/bluesky/xrpc/com.atproto.server.createSession", timeout=10,
                  json={"identifier": "alice.sandbox", "password": "main-password"})  # the account exists
    world.stack.sandbox("POST", "revoke", network="bluesky", account="alice", app_password=APP_PASSWORD)
    answer = world.connect()
    assert answer.status_code == 400 and answer.json()["error"] == "wrong_password"
    assert "Bluesky didn't accept this handle and app password together" in answer.json()["message"]
    assert answer.json()["help"]["url"] == "https://bsky.app/settings/app-passwords"
    world.assert_nothing_stored()
    assert len(world.stack.plans.released) == 1
    failed = world.stack.attempt(world.attempts()[0].id)
    assert failed["status"] == "failed" and failed["failure"]["code"] == "wrong_password"


def test_bluesky_answering_429_is_passed_on_with_retry_after(world):
    world.stack.fault("bluesky", "429", endpoint="token", retry_after=120)
    answer = world.connect()
    assert answer.status_code == 429 and answer.json()["error"] == "bluesky_rate_limited"
    assert answer.headers["Retry-After"] == "120"
    assert "try again in about 2 minutes" in answer.json()["message"]
    world.assert_nothing_stored()


def test_bluesky_failing_is_a_retryable_502(world):
    world.stack.fault("bluesky", "5xx", endpoint="token")
    answer = world.connect()
    assert answer.status_code == 502 and answer.json()["error"] == "bluesky_unavailable"
    assert answer.json()["retryable"] is True and "didn't answer" in answer.json()["message"]
    world.assert_nothing_stored()


def test_a_pds_that_times_out_is_a_502(make_world):
    world = make_world(POSTMATE_BLUESKY_TIMEOUT_S="0.5")
    world.stack.fault("bluesky", "timeout", endpoint="token", delay_s=2, count=1)
    answer = world.connect()
    assert answer.status_code == 502 and answer.json()["error"] == "bluesky_unavailable"
    world.assert_nothing_stored()


def test_an_unreachable_server_is_a_502_naming_it(make_world):
    port = free_port()
    world = make_world(**ALLOW_PRIVATE)
    answer = world.connect(service=f"http://127.0.0.1:{port}")
    assert answer.status_code == 502 and answer.json()["error"] == "bluesky_unavailable"
    assert "The Bluesky server 127.0.0.1 didn't answer" in answer.json()["message"]
    world.assert_nothing_stored()


def test_an_unreachable_entryway_is_a_502(make_world):
    world = make_world(POSTMATE_BLUESKY_SERVICE_URL=f"http://127.0.0.1:{free_port()}")
    answer = world.connect()
    assert answer.status_code == 502 and answer.json()["error"] == "bluesky_unavailable"
    world.assert_nothing_stored()


@pytest.mark.parametrize("error,session,status,code,words", [
    ((400, "AccountTakedown", "Account has been taken down"), None, 403, "account_taken_down",
     "Bluesky has taken @alice.stub.test down"),
    ((401, "AccountTakedown", "Account has been taken down"), None, 403, "account_taken_down", "moderation"),
    ((401, "AuthFactorTokenRequired", "A sign in code has been sent"), None, 400, "main_password", "main"),
    ((400, "InvalidRequest", "something odd"), None, 502, "bluesky_error", "refused the sign-in (InvalidRequest)"),
    (None, {"active": False, "status": "deactivated"}, 403, "account_deactivated", "@alice.stub.test is deactivated"),
    (None, {"active": False, "status": "takendown"}, 403, "account_taken_down", "taken @alice.stub.test down"),
    (None, {"did": "did:plc:someoneelsesomeoneelse22"}, 502, "identity_mismatch", "a different account"),
])
def test_what_the_account_server_says_is_told_in_a_sentence(make_world, stub_pds, error, session, status, code,
                                                            words):
    world = make_world(**ALLOW_PRIVATE)
    stub_pds.error = error
    stub_pds.session.update(session or {})
    answer = world.connect("alice.stub.test", service=stub_pds.url)
    assert (answer.status_code, answer.json()["error"]) == (status, code)
    assert words in answer.json()["message"]
    world.assert_nothing_stored()
    assert len(stub_pds.deleted) == (1 if session else 0), "a session we don't keep is ended at once"


def test_a_session_without_an_app_password_scope_is_ended_and_refused(make_world, stub_pds):
    world = make_world(**ALLOW_PRIVATE)
    stub_pds.scope = "com.atproto.somethingNew"
    answer = world.connect("alice.stub.test", service=stub_pds.url)
    assert answer.status_code == 400 and answer.json()["error"] == "not_an_app_password"
    assert answer.json()["help"]["steps"] and len(stub_pds.deleted) == 1
    world.assert_nothing_stored()


def _fill_places(world, user: str, count: int) -> None:
    """Reservations for other connects in progress: each takes one of the user's places."""
    for _ in range(count):
        answer = requests.post(world.stack.settings.service_url("plan-limits") + "/v1/reservations", timeout=10,
                               json={"user_id": user, "network": "x"},
                               headers={"Authorization": f"Bearer {world.stack.settings.internal_token}"})
        assert answer.status_code == 201, answer.text


def test_at_the_plan_limit_nothing_signs_in(make_world):
    world = make_world(plans=None)  # the real plan-limits: Creator, 15 places
    _fill_places(world, "user-1", 15)
    answer = world.connect()
    assert answer.status_code == 403 and answer.json()["error"] == "plan_limit"
    assert answer.json()["limit"] == 15 and "plan" in answer.json()["message"]
    assert world.stats()["token"] == 0
    assert world.stack.events() == [] and world.attempts() == []


def test_an_account_already_connected_connects_again_at_the_cap_but_a_new_one_does_not(make_world):
    from plan_limits.bootstrap import bootstrap as plan_limits
    from plan_limits.bootstrap import consumer
    world = make_world(plans=None)
    assert world.connect().status_code == 201
    [connected] = world.stack.events()
    consumer(plan_limits(world.stack.settings)).apply(connected)  # plan-limits turns it into a socket
    _fill_places(world, "user-1", 14)  # 1 socket + 14 reserved: at the cap
    again = world.connect(app_password="zzzz-yyyy-xxxx-wwww")
    assert again.status_code == 201 and again.json()["connection"]["id"] == connected.connection_id
    refused = world.connect("bob.sandbox")
    assert refused.status_code == 403 and refused.json()["error"] == "plan_limit"


def test_when_plan_limits_cannot_say_the_connect_fails_closed(make_world):
    world = make_world(POSTMATE_PLAN_LIMITS_URL=f"http://127.0.0.1:{free_port()}")
    answer = world.connect()
    assert answer.status_code == 503 and answer.json()["error"] == "plan_limits_unavailable"
    assert world.stats()["token"] == 0
    assert world.stack.events() == [] and world.attempts() == []


def test_the_dashboard_token_and_user_are_required(world):
    assert world.stack.api("POST", "/v1/connections/bluesky", token=None, json={}).status_code == 401
    assert world.stack.api("POST", "/v1/connections/bluesky", token="nope", json={}).status_code == 403
    assert world.stack.api("POST", "/v1/connections/bluesky", user=None, json={}).status_code == 400
