"""The HTTP contract the gateway, billing and the dashboard rely on: who may
call what, the shapes of answers, and a sentence (never a 500) for bad input."""
from __future__ import annotations

from datetime import timedelta

import pytest

RESERVE = ("post", "/v1/reservations", {"user_id": "ana", "network": "x"})
RELEASE = ("delete", "/v1/reservations/some-id", None)
QUOTA = ("get", "/v1/users/ana/quota", None)
SET_PLAN = ("put", "/v1/users/ana/plan", {"plan": "pro"})


@pytest.mark.parametrize("route, caller, status, error", [
    (RESERVE, None, 401, "unauthorized"),
    (RESERVE, "wrong-token", 403, "forbidden"),
    (RESERVE, "dashboard", 403, "forbidden"),
    (RESERVE, "billing", 403, "forbidden"),
    (RESERVE, "gateway", 201, None),
    (RELEASE, None, 401, "unauthorized"),
    (RELEASE, "dashboard", 403, "forbidden"),
    (RELEASE, "gateway", 204, None),
    (QUOTA, None, 401, "unauthorized"),
    (QUOTA, "billing", 403, "forbidden"),
    (QUOTA, "gateway", 200, None),
    (QUOTA, "dashboard", 200, None),
    (SET_PLAN, None, 401, "unauthorized"),
    (SET_PLAN, "gateway", 403, "forbidden"),
    (SET_PLAN, "dashboard", 403, "forbidden"),
    (SET_PLAN, "billing", 200, None),
])
def test_each_route_accepts_only_its_callers(plan_limits, route, caller, status, error):
    method, path, body = route
    headers = plan_limits.bearer(caller) if caller else {}

    answer = getattr(plan_limits.http, method)(path, json=body, headers=headers)

    assert answer.status_code == status
    if error:
        assert answer.json["error"] == error and answer.json["message"].endswith(".")


@pytest.mark.parametrize("body, error, says", [
    ("", "invalid_request", "'user_id' must be a non-empty string."),
    ("[1, 2]", "invalid_json", "The request body must be a JSON object."),
    ("{not json", "invalid_json", "The request body is not valid JSON."),
    ('{"network": "x"}', "invalid_request", "'user_id' must be a non-empty string."),
    ('{"user_id": "  ", "network": "x"}', "invalid_request", "'user_id' must be a non-empty string."),
    ('{"user_id": 7, "network": "x"}', "invalid_request", "'user_id' must be a non-empty string."),
    ('{"user_id": "' + "u" * 201 + '", "network": "x"}', "invalid_request",
     "'user_id' must be at most 200 characters long."),
    ('{"user_id": "ana"}', "invalid_request", "'network' must be a non-empty string."),
    ('{"user_id": "ana", "network": "myspace"}', "unknown_network",
     "'myspace' is not a network Post Mate connects."),
    ('{"user_id": "ana", "network": "x", "reconnect_connection_id": 5}', "invalid_request",
     "'reconnect_connection_id' must be a non-empty string."),
    ('{"user_id": "ana", "network": "x", "reconnect": "c1"}', "invalid_request",
     "Unknown field(s): reconnect; this endpoint takes user_id, network, reconnect_connection_id."),
])
def test_a_bad_reservation_request_gets_400_and_a_sentence(plan_limits, body, error, says):
    answer = plan_limits.http.post("/v1/reservations", data=body, content_type="application/json",
                                   headers=plan_limits.bearer("gateway"))

    assert (answer.status_code, answer.json) == (400, {"error": error, "message": says})


@pytest.mark.parametrize("body, error, says", [
    ('{}', "invalid_request", "'plan' must be a non-empty string."),
    ('{"plan": 2}', "invalid_request", "'plan' must be a non-empty string."),
    ('{"plan": "gold"}', "unknown_plan", "There is no plan called 'gold'; choose one of: creator, pro."),
    ('{"plan": "pro", "seats": 3}', "invalid_request", "Unknown field(s): seats; this endpoint takes plan."),
])
def test_a_bad_plan_change_gets_400_and_a_sentence(plan_limits, body, error, says):
    answer = plan_limits.http.put("/v1/users/ana/plan", data=body, content_type="application/json",
                                  headers=plan_limits.bearer("billing"))

    assert answer.status_code == 400
    assert (answer.json["error"], answer.json["message"]) == (error, says)
    assert plan_limits.quota("ana")["plan"] == "creator"


def test_a_user_id_longer_than_200_characters_is_refused_on_every_user_route(plan_limits):
    long = "u" * 201
    assert plan_limits.http.get(f"/v1/users/{long}/quota", headers=plan_limits.bearer()).status_code == 400
    assert plan_limits.set_plan(long, "pro").status_code == 400


def test_an_approved_reservation_says_what_it_is_and_until_when(plan_limits, clock):
    answer = plan_limits.reserve("ana")

    assert answer.status_code == 201
    assert set(answer.json) == {"reservation_id", "expires_at", "kind"}
    assert answer.json["kind"] == "new"
    ttl = timedelta(seconds=plan_limits.settings.reservation_ttl_s)
    assert answer.json["expires_at"] == (clock() + ttl).isoformat()
