"""The admin API, health, and the promise that bad input is a 4xx, never a 500."""
from __future__ import annotations

import pytest

from shared.providers import GRAPH_API_VERSION as GRAPH
from tests.fixtures.sandbox import ALL_OAUTH


def test_healthz(client):
    assert client.get("/healthz").status_code == 200


def test_stats_count_every_step_and_every_refresh_per_family(flows, client):
    client.set_cookie("sandbox_account", "jo")
    first, second = flows.connect("tiktok"), flows.connect("tiktok")
    flows.refresh("tiktok", first["refresh_token"])
    flows.refresh("tiktok", second["refresh_token"])
    flows.identity("tiktok", first["access_token"])
    stats = client.get("/_sandbox/stats").json
    assert stats["networks"]["tiktok"].items() >= {"authorize": 2, "token": 2, "refresh": 2, "identity": 1}.items()
    tiktok_families = [f for f in stats["families"] if f["network"] == "tiktok"]
    assert [f["refreshes"] for f in tiktok_families] == [1, 1]  # every connection refreshed exactly once
    assert stats["refreshes_by_account"]["tiktok"] == {"jo": 2}
    assert set(stats["networks"]) == {*ALL_OAUTH, "bluesky"}


def test_accounts_list_names_ids_and_grants(flows, client):
    client.set_cookie("sandbox_account", "kim")
    flows.connect("x")
    (account,) = client.get("/_sandbox/accounts").json["accounts"]
    assert account["name"] == "kim" and account["id"].isdigit()
    assert account["grants"][0]["network"] == "x" and account["grants"][0]["revoked"] is None


def test_reset_forgets_everything(flows, client):
    token = flows.connect("x")
    assert client.post("/_sandbox/reset").status_code == 200
    assert client.get("/_sandbox/accounts").json["accounts"] == []
    assert flows.identity("x", token["access_token"]).status_code == 401


@pytest.mark.parametrize("body,status", [
    ({"network": "x", "account": "nobody"}, 404),
    ({"network": "friendster", "account": "x"}, 400),
    ({"network": "x", "account": "kim", "reason": "because"}, 400),
])
def test_admin_revoke_refuses_what_it_can_not_do(flows, client, body, status):
    client.set_cookie("sandbox_account", "kim")
    flows.connect("x")
    assert client.post("/_sandbox/revoke", json=body).status_code == status


def _routes(app):
    for rule in app.url_map.iter_rules():
        path = rule.rule.replace("<instance>", "social.example").replace("<user_id>", "me")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            yield method, path


def test_no_endpoint_answers_500_to_empty_or_junk_input(app):
    client = app.test_client()
    for method, path in _routes(app):
        for kwargs in ({}, {"data": "%%%junk", "headers": {"Authorization": "Bearer junk"}},
                       {"json": ["not", "an", "object"], "headers": {"Authorization": "Basic !!!"}}):
            answer = client.open(path, method=method, **kwargs)
            assert answer.status_code < 500, (method, path, kwargs, answer.get_data(as_text=True))


def test_unknown_paths_and_methods_answer_in_the_network_s_shape(client):
    assert client.get("/x/2/oauth2/token").json["error"] == "invalid_request"
    assert client.get(f"/facebook/{GRAPH}/nothing").json["error"]["type"] == "OAuthException"
    assert client.get("/bluesky/xrpc/com.atproto.nothing").json["error"] == "InvalidRequest"


JUNK_VALUES = [None, 7, -1.5, "NaN", ["a", 1], {"deep": True}, "", "x" * 300]


@pytest.mark.parametrize("path", ["/_sandbox/faults", "/_sandbox/revoke", "/_sandbox/meta/deauthorize",
                                  "/_sandbox/clock", "/mastodon/social.example/api/v1/apps",
                                  "/bluesky/xrpc/com.atproto.server.createSession"])
def test_json_fields_of_the_wrong_type_are_a_4xx(client, path):
    keys = ["network", "endpoint", "mode", "count", "delay_s", "retry_after", "status", "account", "reason",
            "callback_url", "app_secret", "kind", "advance_s", "client_name", "redirect_uris", "scopes",
            "identifier", "password", "app_password"]
    for value in JUNK_VALUES:
        answer = client.post(path, json={key: value for key in keys})
        assert answer.status_code < 500, (path, value, answer.get_data(as_text=True))
