"""The panel's server side, with a fake gateway: the proxy adds the token and the
user and nothing else gets through; network requests are stored and counted with a
bounded label."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY

from panel.app import create_app
from panel.demand import KNOWN, DemandStore, label, normalise
from panel.gateway import Answer, _answer
from shared import connections
from shared.config import load_settings

TOKEN = "dashboard-token-the-browser-must-never-see"


class FakeDashboardApi:
    """Records what the panel asked the gateway; answers what the test sets."""

    def __init__(self):
        self.calls: list[tuple[str, str, str, dict | None]] = []
        self.addresses: list[str | None] = []
        self.answers: dict[tuple[str, str], Answer] = {}

    def call(self, method, path, user, body=None, client_address=None) -> Answer:
        self.calls.append((method, path, user, body))
        self.addresses.append(client_address)
        return self.answers.get((method, path), Answer(200, {"ok": True}))


@pytest.fixture
def gateway():
    return FakeDashboardApi()


@pytest.fixture
def settings(make_env):
    return load_settings(make_env(POSTMATE_DASHBOARD_TOKEN=TOKEN, POSTMATE_PANEL_URL="http://panel.test",
                                  POSTMATE_ALLOWED_RETURN_ORIGINS="http://panel.test"))


@pytest.fixture
def client(settings, gateway):
    app = create_app(settings, gateway=gateway)
    return app.test_client()


def counted(network: str) -> float:
    return REGISTRY.get_sample_value("panel_network_requests_total", {"network": network}) or 0.0


def test_the_page_names_the_user_and_never_holds_the_token(client):
    page = client.get("/?user=alice")
    assert page.status_code == 200
    assert b"alice" in page.data and TOKEN.encode() not in page.data
    assert "postmate_panel_user=alice" in page.headers["Set-Cookie"]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_api_calls_go_to_the_gateway_as_the_cookie_user(client, gateway):
    client.get("/?user=alice")
    client.get("/api/connections")
    assert gateway.calls[-1] == ("GET", "/v1/connections", "alice", None)


def test_the_browser_gets_each_connection_in_its_public_view_and_nothing_more(client, gateway):
    listed = {"id": "c1", "network": "x", "handle": "@alice", "status": "active", "connected_at": "2026-12-01T00:00:00",
              "user_id": "alice", "version": 7, "credentials": "v1.k.secret"}
    gateway.answers[("GET", "/v1/connections")] = Answer(200, {"connections": [listed]})
    shown = client.get("/api/connections").json["connections"]
    assert set(shown[0]) == set(connections.SHOWN)
    assert shown[0]["handle"] == "@alice" and "credentials" not in shown[0] and "version" not in shown[0]


def test_a_refused_list_passes_through_as_the_gateway_said_it(client, gateway):
    gateway.answers[("GET", "/v1/connections")] = Answer(503, {"error": "connections_unavailable", "message": "Later."})
    response = client.get("/api/connections")
    assert response.status_code == 503 and response.json == {"error": "connections_unavailable", "message": "Later."}


def test_the_default_user_is_demo_user(client, gateway):
    client.get("/api/networks")
    assert gateway.calls[-1][2] == "demo-user"


def test_a_malformed_user_is_refused(client, gateway):
    assert client.get("/api/networks?user=../../admin").status_code == 400
    assert gateway.calls == []


def test_starting_a_connect_passes_only_known_fields_and_sets_the_return_page(client, gateway):
    client.post("/api/connections/mastodon/attempts", base_url="http://panel.test",
                json={"instance": "mastodon.social", "return_to": "https://evil.example/", "user_id": "bob"})
    method, path, _user, body = gateway.calls[-1]
    assert (method, path) == ("POST", "/v1/connections/mastodon/attempts")
    assert body == {"instance": "mastodon.social", "return_to": "http://panel.test/returned"}


def test_no_return_page_when_the_gateway_would_refuse_this_origin(client, gateway):
    client.post("/api/connections/instagram/attempts", base_url="http://elsewhere.test", json={})
    assert "return_to" not in gateway.calls[-1][3]


@pytest.mark.parametrize("path", ["/api/attempts/..%2Fconnections", "/api/connections/a%2Fb/check",
                                  "/api/connections/%2E%2E/attempts"])
def test_ids_that_could_steer_the_token_elsewhere_are_refused(client, gateway, path):
    response = client.post(path, json={}) if path.endswith(("check", "attempts")) else client.get(path)
    assert response.status_code == 404
    assert gateway.calls == []


def test_unsafe_requests_from_another_site_are_refused(client, gateway):
    response = client.delete("/api/connections/c1", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and response.json["error"] == "cross_site"
    response = client.post("/api/connections/c1/check", data="x=1",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415
    assert gateway.calls == []


def test_gateway_answers_pass_through_with_retry_after(client, gateway):
    gateway.answers[("POST", "/v1/connections/bluesky")] = Answer(
        429, {"error": "rate_limited", "message": "Too many tries."}, "30")
    response = client.post("/api/connections/bluesky", json={"handle": "a.test", "app_password": "x"})
    assert response.status_code == 429 and response.headers["Retry-After"] == "30"
    assert response.json["message"] == "Too many tries."
    assert gateway.addresses[-1] == "127.0.0.1"  # for the gateway's per-address login limit


class FakeResponse:
    def __init__(self, status, body):
        self.status_code, self._body, self.headers = status, body, {}

    def json(self):
        if self._body is None:
            raise ValueError("no json")
        return self._body


@pytest.mark.parametrize("status,body,expected", [
    (404, {"error": "not_found", "message": "The requested URL was not found"}, 501),
    (405, None, 501),
    (404, {"error": "connection_not_found", "message": "No such connection."}, 404),
    (500, None, 502),
    (403, {"error": "plan_limit", "message": "At the cap."}, 403),
])
def test_gateway_answers_are_mapped(status, body, expected):
    assert _answer(FakeResponse(status, body)).status == expected


@pytest.mark.parametrize("typed,key", [("Reddit", "reddit"), ("  reddit.com/r/x ", "reddit"),
                                       ("Google Business Profile", "googlebusiness"), ("Twitter", "x"),
                                       ("Snapchat!!", "snapchat"), ("Ｔｕｍｂｌｒ", "tumblr")])
def test_names_are_normalised(typed, key):
    assert normalise(typed) == key


def test_the_metric_label_is_bounded(tmp_path):
    store = DemandStore(tmp_path / "panel.db")
    before = counted("other")
    for i in range(50):
        assert store.record(f"user-{i}", f"my very own network {i}").label == "other"
    assert counted("other") == before + 50
    assert label("x" * 60) == "other" and all(label(k) == k for k in KNOWN)


def test_a_request_is_stored_and_counted_once_per_user(client, settings):
    before = counted("reddit")
    first = client.post("/api/network-requests?user=alice", json={"name": "Reddit"})
    again = client.post("/api/network-requests?user=alice", json={"name": "reddit.com"})
    other = client.post("/api/network-requests?user=bob", json={"name": "REDDIT"})
    assert first.status_code == again.status_code == other.status_code == 201
    assert first.json["counted"] and not again.json["counted"] and other.json["counted"]
    assert counted("reddit") == before + 2
    assert DemandStore(settings.data_dir / "panel.db").tally() == [("reddit", 2, "REDDIT")]
    assert b'panel_network_requests_total{network="reddit"}' in client.get("/metrics").data


def test_a_supported_network_is_not_counted(client):
    before = counted("other")
    answer = client.post("/api/network-requests", json={"name": "Instagram"})
    assert answer.status_code == 200 and answer.json["supported"]
    assert counted("other") == before


def test_an_empty_name_is_refused(client):
    assert client.post("/api/network-requests", json={"name": " !"}).status_code == 400


def test_the_openapi_document_lists_exactly_the_panels_routes(settings, gateway):
    spec = yaml.safe_load((Path(__file__).resolve().parents[3] / "tools/panel/openapi.yaml").read_text())
    documented = {(path, method) for path, item in spec["paths"].items() for method in item
                  if method in ("get", "post", "put", "patch", "delete")}
    routes = set()
    for rule in create_app(settings, gateway=gateway).url_map.iter_rules():
        if rule.endpoint != "static":
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routes
