"""Facebook Pages chosen on the consent page, and Meta's signed_request callbacks."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from flask import Flask, jsonify, request

from shared.providers import GRAPH_API_VERSION as GRAPH
from tests.fixtures.flows import query_of


def _pages(flows, user_token: str) -> list[dict]:
    answer = flows.client.get(f"/facebook/{GRAPH}/me/accounts", query_string={"access_token": user_token})
    assert answer.status_code == 200, answer.json
    return answer.json["data"]


class TestPages:
    def test_auto_approve_grants_the_first_two_of_three_pages(self, flows):
        pages = _pages(flows, flows.connect("facebook")["access_token"])
        assert [p["name"].rsplit(" ", 1)[-1] for p in pages] == ["1", "2"]
        assert all({"id", "name", "access_token", "tasks"} <= set(p) for p in pages)

    @pytest.mark.parametrize("config", [{"auto_approve": True, "auto_approve_pages": 3}])
    def test_auto_approve_pages_is_configurable(self, flows, config):
        assert len(_pages(flows, flows.connect("facebook")["access_token"])) == 3

    def test_the_consent_page_grants_only_the_ticked_pages(self, flows):
        answer = flows.authorize("facebook", method="POST",
                                 form={"decision": "approve", "account": "frank", "pages": ["1", "3"]})
        code = query_of(answer.headers["Location"])["code"]
        short = flows.exchange("facebook", code).json["access_token"]
        long = flows.long_lived("facebook", short).json["access_token"]
        assert [p["name"] for p in _pages(flows, long)] == ["frank Page 1", "frank Page 3"]

    def test_a_page_token_speaks_for_its_page(self, flows):
        page = _pages(flows, flows.connect("facebook")["access_token"])[0]
        me = flows.identity("facebook", page["access_token"]).json
        assert me == {"id": page["id"], "name": page["name"]}

    def test_page_tokens_from_a_long_lived_user_token_never_expire(self, flows):
        page = _pages(flows, flows.connect("facebook")["access_token"])[0]
        flows.admin("clock", {"advance_s": 365 * 86400})
        assert flows.identity("facebook", page["access_token"]).status_code == 200

    def test_page_tokens_from_a_short_lived_user_token_die_with_it(self, flows):
        code, _ = flows.code("facebook", pkce=False)
        short = flows.exchange("facebook", code).json
        assert short["expires_in"] == 5400
        page = _pages(flows, short["access_token"])[0]
        flows.admin("clock", {"advance_s": 5401})
        assert flows.identity("facebook", page["access_token"]).json["error"]["error_subcode"] == 463

    def test_pages_need_pages_show_list(self, flows):
        token = flows.connect("facebook", scope="pages_manage_posts")["access_token"]
        answer = flows.client.get(f"/facebook/{GRAPH}/me/accounts", query_string={"access_token": token})
        assert answer.status_code == 403 and answer.json["error"]["code"] == 200

    def test_debug_token_shows_the_granted_pages(self, flows):
        token = flows.connect("facebook")["access_token"]
        data = flows.client.get(f"/facebook/{GRAPH}/debug_token", query_string={
            "input_token": token, "access_token": "postmate-app|postmate-secret"}).json["data"]
        assert data["is_valid"] and data["type"] == "USER"
        assert {g["scope"] for g in data["granular_scopes"]} == {"pages_manage_posts", "pages_show_list",
                                                                   "pages_read_engagement"}


def _verify(signed_request: str, secret: str) -> dict:
    """What our app does with a signed_request, written from Meta's description (not the sandbox's code)."""
    sig, payload = signed_request.split(".", 1)
    expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    assert hmac.compare_digest(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)), expected)
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture
def callback_app():
    received = []
    app = Flask("meta-callback")

    @app.post("/meta/<kind>")
    def callback(kind):
        body = _verify(request.form["signed_request"], "app-secret")
        received.append((kind, body))
        if kind == "deletion":
            return jsonify({"url": "https://app.example/deletion?id=42", "confirmation_code": "42"})
        return "", 200

    app.received = received
    return app


@pytest.mark.parametrize("network", ["facebook", "instagram", "threads"])
def test_a_deauthorize_callback_carries_a_verifiable_signed_request(flows, client, serve, callback_app, network):
    client.set_cookie("sandbox_account", "gina")
    token = flows.connect(network)["access_token"]
    with serve(callback_app) as base:
        answer = flows.admin("meta/deauthorize", {"network": network, "account": "gina", "kind": "deauthorize",
                                                  "callback_url": f"{base}/meta/deauthorize",
                                                  "app_secret": "app-secret"})
    (kind, payload), = callback_app.received
    user_id = client.get("/_sandbox/accounts").json["accounts"][0]["id"]
    assert kind == "deauthorize" and answer["callback"]["status"] == 200
    assert payload["algorithm"] == "HMAC-SHA256" and payload["user_id"] == user_id
    assert isinstance(payload["issued_at"], int)
    assert "=" not in answer["signed_request"]
    assert flows.identity(network, token).json["error"]["error_subcode"] == 458  # the app was removed first


def test_the_data_deletion_answer_is_handed_back(flows, client, serve, callback_app):
    client.set_cookie("sandbox_account", "hal")
    flows.connect("instagram")
    with serve(callback_app) as base:
        answer = flows.admin("meta/deauthorize", {"network": "instagram", "account": "hal", "kind": "data_deletion",
                                                  "callback_url": f"{base}/meta/deletion",
                                                  "app_secret": "app-secret"})
    assert answer["callback"]["body"] == {"url": "https://app.example/deletion?id=42", "confirmation_code": "42"}


def test_an_unreachable_callback_is_reported_not_raised(flows, client):
    client.set_cookie("sandbox_account", "ivy")
    flows.connect("facebook")
    answer = client.post("/_sandbox/meta/deauthorize", json={
        "network": "facebook", "account": "ivy", "callback_url": "http://127.0.0.1:9/none", "app_secret": "s"})
    assert answer.status_code == 502 and answer.json["error"] == "callback_failed"
