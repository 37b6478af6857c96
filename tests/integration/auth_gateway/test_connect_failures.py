"""What must not connect. Each case answers a clear 4xx (or a retryable 5xx for
a platform outage) with a sentence, and stores no connection and emits no event."""
from __future__ import annotations

import pytest

from auth_gateway.sweep import sweep_once
from tests.fixtures.auth_gateway import DASHBOARD_ORIGIN, Browser, page_text
from tests.support import free_port

TTL = 900


def assert_nothing_connected(stack, user="user-1"):
    assert stack.events() == []
    assert stack.connections(user) == []


def failure(stack, attempt) -> dict:
    view = stack.attempt(attempt["attempt_id"])
    assert view["status"] == "failed", view
    return view["failure"]


@pytest.mark.parametrize("network", ["x", "instagram", "linkedin", "facebook"])
def test_denied_consent_fails_the_attempt_and_frees_the_socket(stack, network):
    attempt = stack.start(network)
    walk = Browser().walk(attempt["start_url"], account="alice", decision="deny")
    assert walk.response.status_code == 400 and "You declined" in page_text(walk.response)
    failed = failure(stack, attempt)
    assert (failed["code"], failed["retryable"]) == ("denied", False) and "nothing was connected" in failed["message"]
    assert attempt["reservation"]["id"] in stack.plans.released
    assert_nothing_connected(stack)


def test_a_callback_after_the_attempt_expired_is_refused(stack):
    browser, attempt = Browser(), stack.start("x")
    walk = browser.walk(attempt["start_url"], account="alice", come_back=False)
    stack.clock.advance(TTL + 1)
    response = browser.get(walk.callback_url)
    assert response.status_code == 410 and "expired" in page_text(response)
    assert stack.attempt(attempt["attempt_id"])["status"] == "expired"
    assert attempt["reservation"]["id"] in stack.plans.released
    assert_nothing_connected(stack)


def test_an_attempt_whose_tab_never_came_back_reads_as_expired_with_advice_and_the_sweep_frees_it(stack):
    attempt = stack.start("x")
    Browser().get(attempt["start_url"])
    stack.clock.advance(TTL + 1)
    view = stack.attempt(attempt["attempt_id"])
    assert view["status"] == "expired" and view["failure"]["code"] == "expired"
    assert "extensions" in view["failure"]["message"] and "private window" in view["failure"]["message"]
    # reading wrote nothing: the row and the socket wait for the sweep
    assert stack.attempt_row(attempt["attempt_id"]).status == "pending" and stack.plans.released == []
    assert stack.gateway.call(sweep_once) == 1
    assert stack.attempt_row(attempt["attempt_id"]).status == "expired"
    assert stack.plans.released == [attempt["reservation"]["id"]]
    assert stack.attempt(attempt["attempt_id"]) == view


def test_the_worker_sweep_expires_abandoned_attempts_and_frees_their_sockets(stack):
    attempt = stack.start("tiktok")
    stack.clock.advance(TTL + 1)
    assert stack.gateway.call(sweep_once) == 1
    assert stack.attempt_row(attempt["attempt_id"]).status == "expired"
    assert stack.plans.released == [attempt["reservation"]["id"]]
    assert stack.gateway.call(sweep_once) == 0


def test_a_reservation_plan_limits_could_not_free_is_freed_by_the_sweep(make_stack):
    stack = make_stack()
    attempt = stack.start("x")
    dead = f"http://127.0.0.1:{free_port()}"
    live_plans, stack.gateway.plans.http.base_url = stack.gateway.plans.http.base_url, dead
    Browser().walk(attempt["start_url"], account="alice", decision="deny")
    assert stack.plans.released == [] and stack.attempt_row(attempt["attempt_id"]).reservation_released_at is None
    stack.gateway.plans.http.base_url = live_plans
    assert stack.gateway.call(sweep_once) == 1
    assert stack.plans.released == [attempt["reservation"]["id"]]


def test_a_replayed_callback_is_refused(stack):
    browser = Browser()
    _, walk = stack.connect("x", browser=browser)
    replay = browser.get(walk.callback_url)
    assert replay.status_code == 409 and "already used" in page_text(replay)
    assert len(stack.events()) == 1


def test_a_tampered_state_is_refused_and_stores_nothing(stack):
    browser = Browser()
    attempt = stack.start("x")
    walk = browser.walk(attempt["start_url"], account="alice", come_back=False)
    state = walk.callback_url.split("state=")[1].split("&")[0]
    tampered = browser.get(walk.callback_url.replace(state, state[:-2] + "xx"))
    assert tampered.status_code == 400 and "isn't valid" in page_text(tampered)
    cut = browser.get(walk.callback_url.split("&state=")[0])
    assert cut.status_code == 400
    assert stack.attempt(attempt["attempt_id"])["status"] == "pending"
    assert_nothing_connected(stack)


def test_a_callback_in_another_browser_is_refused_and_the_starting_browser_can_still_finish(stack):
    starter = Browser()
    attempt = stack.start("pinterest")
    walk = starter.walk(attempt["start_url"], account="alice", come_back=False)
    elsewhere = Browser().get(walk.callback_url)
    assert elsewhere.status_code == 403 and "didn't start the connection" in page_text(elsewhere)
    assert_nothing_connected(stack)
    assert starter.get(walk.callback_url).status_code == 200
    assert len(stack.connections()) == 1


def test_a_start_link_opened_in_a_second_browser_is_refused(stack):
    attempt = stack.start("x")
    assert Browser().get(attempt["start_url"]).status_code == 302
    second = Browser().get(attempt["start_url"])
    assert second.status_code == 409 and "another browser" in page_text(second)
    assert Browser().get(attempt["start_url"].replace("?t=", "?t=x")).status_code == 404


@pytest.mark.parametrize("return_to", [
    "https://evil.example/connections", "javascript:alert(1)", "//evil.example/", "/relative/path",
    f"{DASHBOARD_ORIGIN}.evil.example/", "http://user@dashboard.test/", "https://dashboard.test/"])
def test_return_to_must_be_on_an_allowed_origin(stack, return_to):
    response = stack.api("POST", "/v1/connections/x/attempts", json={"return_to": return_to})
    assert response.status_code == 400 and response.json()["error"] == "invalid_return_to"
    assert response.json()["message"] and stack.plans.live == {}


@pytest.mark.parametrize("method, path", [
    ("GET", "/v1/networks"), ("POST", "/v1/connections/x/attempts"), ("GET", "/v1/attempts/some-id"),
    ("POST", "/v1/attempts/some-id/pages"), ("GET", "/v1/connections")])
def test_every_dashboard_route_needs_the_service_token_and_a_user(stack, method, path):
    missing = stack.api(method, path, token=None)
    wrong = stack.api(method, path, token="not-the-token")
    no_user = stack.api(method, path, user=None)
    assert (missing.status_code, wrong.status_code, no_user.status_code) == (401, 403, 400)
    assert all(r.json()["message"] for r in (missing, wrong, no_user))
    assert stack.plans.live == {}


def test_an_unknown_network_is_404_and_bluesky_points_to_its_app_password_route(stack):
    unknown = stack.api("POST", "/v1/connections/myspace/attempts", json={})
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_network"
    bluesky = stack.api("POST", "/v1/connections/bluesky/attempts", json={})
    assert bluesky.status_code == 400 and "app password" in bluesky.json()["message"]
    assert stack.plans.live == {}
    assert Browser().get(f"{stack.base}/oauth/myspace/callback?code=a&state=b").status_code == 404


@pytest.mark.parametrize("mode, endpoint", [("5xx", "token"), ("timeout", "token"), ("5xx", "identity")])
def test_a_platform_that_fails_or_times_out_fails_the_attempt_retryably(make_stack, mode, endpoint):
    stack = make_stack(POSTMATE_X_TIMEOUT_S="0.5")
    stack.fault("x", mode, endpoint=endpoint, delay_s=3)
    attempt, walk = stack.connect("x")
    assert walk.response.status_code == 502 and "try again" in page_text(walk.response)
    assert failure(stack, attempt)["code"] == "platform_unavailable"
    assert failure(stack, attempt)["retryable"] is True
    assert attempt["reservation"]["id"] in stack.plans.released
    assert_nothing_connected(stack)


def test_a_meta_network_down_at_the_long_lived_exchange_fails_retryably(stack):
    attempt = stack.start("instagram")
    stack.fault("instagram", "5xx", endpoint="token", count=1, status=500)
    walk = Browser().walk(attempt["start_url"], account="alice")
    assert walk.response.status_code == 502
    assert failure(stack, attempt)["code"] == "platform_unavailable"
    assert_nothing_connected(stack)


def test_a_platform_refusing_our_client_fails_without_retry(make_stack):
    stack = make_stack(sandbox={"clients": {"x": {"postmate-x": "another-secret"}}})
    attempt, walk = stack.connect("x")
    assert walk.response.status_code == 502
    code = failure(stack, attempt)
    assert code["code"] == "platform_error" and code["retryable"] is False
    assert_nothing_connected(stack)


def test_at_the_plan_limit_connects_are_refused_and_every_network_is_greyed_out(stack):
    stack.plans.used["user-1"] = 15
    refused = stack.api("POST", "/v1/connections/x/attempts", json={})
    assert refused.status_code == 403
    assert refused.json()["error"] == "plan_limit" and refused.json()["limit"] == 15 and refused.json()["message"]
    networks = stack.api("GET", "/v1/networks").json()["networks"]
    assert {n["available"] for n in networks} == {False}
    assert {n["reason"] for n in networks} == {"plan_limit"}
    assert all(n["upgrade"] and n["used"] == 15 and n["limit"] == 15 for n in networks)


def test_when_plan_limits_is_unreachable_connects_fail_closed_and_networks_still_render(make_stack):
    stack = make_stack(POSTMATE_PLAN_LIMITS_URL=f"http://127.0.0.1:{free_port()}")
    refused = stack.api("POST", "/v1/connections/x/attempts", json={})
    assert refused.status_code == 503 and refused.json()["error"] == "plan_limits_unavailable"
    listed = stack.api("GET", "/v1/networks")
    assert listed.status_code == 200 and listed.json()["quota"] is None
    assert {(n["available"], n["reason"]) for n in listed.json()["networks"]} == {(None, "plan_limits_unknown")}
    assert stack.events() == []


def test_a_start_link_opened_after_the_attempt_expired_is_refused(stack):
    attempt = stack.start("x")
    stack.clock.advance(TTL + 1)
    response = Browser().get(attempt["start_url"])
    assert response.status_code == 410 and "expired" in page_text(response)
    assert stack.attempt(attempt["attempt_id"])["status"] == "expired"
    assert attempt["reservation"]["id"] in stack.plans.released


def test_a_fault_on_our_side_after_the_claim_fails_the_attempt_instead_of_leaving_it_hanging(stack, monkeypatch):
    from auth_gateway import callback
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")
    monkeypatch.setattr(callback, "_granted_accounts", broken)
    attempt, walk = stack.connect("x")
    assert walk.response.status_code == 500 and "our side" in page_text(walk.response)
    assert failure(stack, attempt)["code"] == "internal_error" and failure(stack, attempt)["retryable"]
    assert attempt["reservation"]["id"] in stack.plans.released
    assert_nothing_connected(stack)


@pytest.mark.parametrize("error", ["Call us on +1 555 0100 to finish", "<script>alert(1)</script>", "x" * 65])
def test_a_callback_error_that_is_no_error_code_is_not_echoed(stack, error):
    """Only the OAuth error-code alphabet reaches the page, the attempt and the logs; free text a crafted
    link carries is shown as unrecognised."""
    browser = Browser()
    attempt = stack.start("x")
    walk = browser.walk(attempt["start_url"], account="alice", come_back=False)
    state = walk.callback_url.split("state=")[1].split("&")[0]
    page = browser.get(f"{stack.settings.gateway_public_url}/oauth/x/callback", params={"state": state, "error": error})
    assert page.status_code == 502 and error not in page.text and "unrecognised_error" in page_text(page)
    failure = stack.attempt(attempt["attempt_id"])["failure"]
    assert failure["code"] == "platform_error" and error not in failure["message"]
    assert_nothing_connected(stack)
