"""Keeping access alive: rotating refresh tokens, Google's offline rule, Meta's long-lived tokens."""
from __future__ import annotations

import pytest

from tests.fixtures.flows import G


@pytest.mark.parametrize("network", ["x", "tiktok", "pinterest"])
def test_a_refresh_rotates_and_the_old_refresh_token_stops_working(flows, network):
    first = flows.connect(network)
    second = flows.refresh(network, first["refresh_token"])
    assert second.status_code == 200, second.json
    assert second.json["refresh_token"] != first["refresh_token"]
    assert flows.identity(network, second.json["access_token"]).status_code == 200
    replay = flows.refresh(network, first["refresh_token"])
    assert replay.status_code in (400, 401)
    if network == "tiktok":
        assert replay.json["error"] == "invalid_grant"


def test_x_replaying_a_used_refresh_token_ends_the_whole_chain(flows):
    first = flows.connect("x")
    second = flows.refresh("x", first["refresh_token"]).json
    assert flows.refresh("x", first["refresh_token"]).json["error"] == "invalid_request"
    assert flows.refresh("x", second["refresh_token"]).status_code == 400
    assert flows.identity("x", second["access_token"]).status_code == 401


def test_tiktok_and_pinterest_answer_their_refresh_lifetimes(flows):
    tiktok = flows.refresh("tiktok", flows.connect("tiktok")["refresh_token"]).json
    pinterest = flows.refresh("pinterest", flows.connect("pinterest")["refresh_token"]).json
    assert tiktok["expires_in"] == 7200 and tiktok["refresh_expires_in"] == 15552000
    assert pinterest["expires_in"] == 2592000 and pinterest["refresh_token_expires_in"] == 5184000
    assert pinterest["response_type"] == "refresh_token"


def test_x_issues_a_refresh_token_only_with_offline_access(flows):
    assert "refresh_token" in flows.connect("x")
    assert "refresh_token" not in flows.connect("x", scope="tweet.read tweet.write users.read")


class TestGoogle:
    def test_refresh_token_needs_offline_access(self, flows):
        assert "refresh_token" not in flows.connect("youtube")
        assert "refresh_token" in flows.connect("youtube", access_type="offline")

    def test_a_second_consent_gives_no_refresh_token_unless_prompt_consent(self, flows, client):
        client.set_cookie("sandbox_account", "dana")
        assert "refresh_token" in flows.connect("youtube", access_type="offline")
        assert "refresh_token" not in flows.connect("youtube", access_type="offline")
        assert "refresh_token" in flows.connect("youtube", access_type="offline", prompt="consent")

    def test_the_refresh_token_is_kept_and_works_again(self, flows):
        token = flows.connect("youtube", access_type="offline", prompt="consent")
        once = flows.refresh("youtube", token["refresh_token"])
        twice = flows.refresh("youtube", token["refresh_token"])
        assert once.status_code == twice.status_code == 200
        assert "refresh_token" not in once.json and once.json["expires_in"] == 3599

    def test_without_youtube_readonly_the_channel_lookup_is_forbidden(self, flows):
        token = flows.connect("youtube", scope=f"{G}youtube.upload")
        answer = flows.identity("youtube", token["access_token"])
        assert answer.status_code == 403 and answer.json["error"]["status"] == "PERMISSION_DENIED"


@pytest.mark.parametrize("network", ["linkedin", "mastodon"])
def test_networks_without_refresh_tokens_refuse_the_refresh_grant(flows, network):
    token = flows.connect(network)
    assert "refresh_token" not in token
    assert flows.refresh(network, token["access_token"]).json["error"] == "invalid_grant"


class TestMetaLongLivedTokens:
    @pytest.mark.parametrize("network,grant", [("instagram", "ig_refresh_token"), ("threads", "th_refresh_token")])
    def test_a_long_lived_token_refreshes_itself_once_a_day_old(self, flows, network, grant):
        token = flows.connect(network)
        assert token["expires_in"] == 5184000
        path = f"/{network}/refresh_access_token"
        early = flows.client.get(path, query_string={"grant_type": grant, "access_token": token["access_token"]})
        assert early.status_code == 400 and early.json["error"]["type"] == "OAuthException"
        flows.admin("clock", {"advance_s": 86400})
        later = flows.client.get(path, query_string={"grant_type": grant, "access_token": token["access_token"]})
        assert later.status_code == 200 and later.json["expires_in"] == 5184000
        assert flows.identity(network, later.json["access_token"]).status_code == 200

    def test_the_minimum_age_is_configurable(self):
        from provider_sandbox.app import create_app
        from tests.fixtures.flows import Flows
        flows = Flows(create_app({"auto_approve": True, "min_refresh_age_s": 0}).test_client())
        token = flows.connect("instagram")
        answer = flows.client.get("/instagram/refresh_access_token", query_string={
            "grant_type": "ig_refresh_token", "access_token": token["access_token"]})
        assert answer.status_code == 200

    def test_a_short_lived_token_can_not_be_refreshed(self, flows):
        code, _ = flows.code("instagram", pkce=False)
        short = flows.exchange("instagram", code).json["access_token"]
        flows.admin("clock", {"advance_s": 90000})
        answer = flows.client.get("/instagram/refresh_access_token", query_string={
            "grant_type": "ig_refresh_token", "access_token": short})
        assert answer.status_code == 400

    def test_the_short_lived_token_lives_an_hour(self, flows):
        code, _ = flows.code("threads", pkce=False)
        short = flows.exchange("threads", code).json["access_token"]
        assert flows.identity("threads", short).status_code == 200
        flows.admin("clock", {"advance_s": 3601})
        answer = flows.identity("threads", short)
        assert answer.json["error"]["code"] == 190 and answer.json["error"]["error_subcode"] == 463
        assert flows.long_lived("threads", short).status_code == 400

    def test_the_exchange_needs_the_client_secret(self, flows):
        code, _ = flows.code("instagram", pkce=False)
        short = flows.exchange("instagram", code).json["access_token"]
        answer = flows.client.get("/instagram/access_token", query_string={
            "grant_type": "ig_exchange_token", "access_token": short})
        assert answer.status_code == 400 and answer.json["error"]["code"] == 100


def test_lifetimes_are_configurable_per_network():
    from provider_sandbox.app import create_app
    from tests.fixtures.flows import Flows
    flows = Flows(create_app({"auto_approve": True,
                              "expires_in": {"x": 5, "tiktok.refresh": 60, "instagram.short": 10}}).test_client())
    x = flows.connect("x")
    assert x["expires_in"] == 5
    flows.admin("clock", {"advance_s": 6})
    assert flows.identity("x", x["access_token"]).status_code == 401
    assert flows.refresh("x", x["refresh_token"]).status_code == 200
    assert flows.connect("tiktok")["refresh_expires_in"] == 60


def test_instagram_can_answer_in_the_documented_data_list_shape():
    from provider_sandbox.app import create_app
    from tests.fixtures.flows import Flows
    flows = Flows(create_app({"auto_approve": True, "instagram_token_shape": "data_list"}).test_client())
    code, _ = flows.code("instagram", pkce=False)
    (entry,) = flows.exchange("instagram", code).json["data"]
    assert set(entry) == {"access_token", "user_id", "permissions"}
