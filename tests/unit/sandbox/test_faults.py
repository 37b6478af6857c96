"""Fault injection: 429 with Retry-After, 5xx, timeouts; in each network's error shape."""
from __future__ import annotations

import time

import pytest


def test_a_429_carries_retry_after_and_the_network_s_shape(flows):
    token = flows.connect("tiktok")
    flows.admin("faults", {"network": "tiktok", "endpoint": "refresh", "mode": "429", "retry_after": 30})
    answer = flows.refresh("tiktok", token["refresh_token"])
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "30"
    assert answer.json["error"] == "rate_limit_exceeded" and "log_id" in answer.json


def test_a_5xx_fault_hits_only_its_endpoint_and_clears_after_count(flows):
    token = flows.connect("x")
    flows.admin("faults", {"network": "x", "endpoint": "identity", "mode": "5xx", "count": 2})
    assert [flows.identity("x", token["access_token"]).status_code for _ in range(3)] == [503, 503, 200]
    assert flows.refresh("x", token["refresh_token"]).status_code == 200
    assert flows.client.get("/_sandbox/faults").json["faults"] == []


@pytest.mark.parametrize("network,check", [
    ("instagram", lambda body: body["error"]["code"] == 4 and body["error"]["is_transient"]),
    ("youtube", lambda body: body["error"]["status"] == "RESOURCE_EXHAUSTED"),
    ("x", lambda body: body["title"] == "Too Many Requests"),
    ("pinterest", lambda body: set(body) == {"code", "message"}),
])
def test_identity_faults_use_the_api_error_shape(flows, network, check):
    token = flows.connect(network)
    flows.admin("faults", {"network": network, "endpoint": "identity", "mode": "429", "retry_after": 5})
    answer = flows.identity(network, token["access_token"])
    assert answer.status_code == 429 and check(answer.json)


def test_any_endpoint_and_mode_none_clears(flows):
    flows.admin("faults", {"network": "linkedin", "endpoint": "any", "mode": "5xx", "status": 502})
    code, _ = flows.code("linkedin", pkce=False)
    assert flows.exchange("linkedin", code).status_code == 502
    flows.admin("faults", {"network": "linkedin", "endpoint": "any", "mode": "none"})
    assert flows.exchange("linkedin", code).status_code == 200


def test_a_timeout_fault_answers_late(flows):
    token = flows.connect("pinterest")
    flows.admin("faults", {"network": "pinterest", "endpoint": "identity", "mode": "timeout", "delay_s": 0.3,
                           "count": 1})
    started = time.monotonic()
    assert flows.identity("pinterest", token["access_token"]).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_bluesky_faults_answer_in_xrpc_shape(client):
    client.post("/_sandbox/faults", json={"network": "bluesky", "endpoint": "token", "mode": "5xx"})
    answer = client.post("/bluesky/xrpc/com.atproto.server.createSession",
                         json={"identifier": "ann.sandbox", "password": "main-password"})
    assert answer.status_code == 503 and answer.json["error"] == "InternalServerError"


@pytest.mark.parametrize("body", [{}, {"network": "myspace", "mode": "429"}, {"network": "x", "mode": "slow"},
                                  {"network": "x", "mode": "429", "count": "many"}])
def test_bad_fault_rules_are_refused(client, body):
    assert client.post("/_sandbox/faults", json=body).status_code == 400
