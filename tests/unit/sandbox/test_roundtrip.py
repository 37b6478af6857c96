"""Every OAuth network: authorize → code → token → identity, in that network's own dialect."""
from __future__ import annotations

import pytest

from tests.fixtures.flows import NETWORKS, REDIRECT, account_id, query_of
from tests.fixtures.sandbox import ALL_OAUTH

ACCOUNT_ID_NETWORKS = [n for n in ALL_OAUTH if n != "youtube"]  # YouTube answers with a channel id


@pytest.mark.parametrize("network", ALL_OAUTH)
def test_a_connection_goes_from_consent_to_identity(flows, network):
    token = flows.connect(network)
    answer = flows.identity(network, token["access_token"])
    assert answer.status_code == 200, answer.json
    if network == "youtube":
        assert answer.json["items"][0]["id"].startswith("UC")
    else:
        assert account_id(network, answer.json)


@pytest.mark.parametrize("network", ACCOUNT_ID_NETWORKS)
def test_the_same_account_name_is_the_same_account_everywhere(flows, client, network):
    client.set_cookie("sandbox_account", "alice")
    first = flows.identity(network, flows.connect(network)["access_token"]).json
    again = flows.identity(network, flows.connect(network)["access_token"]).json
    on_x = flows.identity("x", flows.connect("x")["access_token"]).json
    assert account_id(network, first) == account_id(network, again) == account_id("x", on_x)


def test_without_the_cookie_every_consent_is_a_new_account(flows):
    ids = {account_id("x", flows.identity("x", flows.connect("x")["access_token"]).json) for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.parametrize("network,suffix", [("instagram", "#_"), ("facebook", "#_"), ("threads", "#_"),
                                            ("x", ""), ("tiktok", "")])
def test_meta_appends_hash_underscore_to_the_redirect(flows, network, suffix):
    location = flows.authorize(network, code_challenge="c" * 43, code_challenge_method="S256").headers["Location"]
    assert location.startswith(REDIRECT + "?")
    assert location.endswith(suffix) if suffix else "#" not in location


def test_the_redirect_echoes_state_and_network_extras(flows):
    google = query_of(flows.authorize("youtube").headers["Location"])
    tiktok = query_of(flows.authorize("tiktok").headers["Location"])
    assert google["state"] == tiktok["state"] == "state-123"
    assert google["scope"] == NETWORKS["youtube"].scope
    assert tiktok["scopes"] == NETWORKS["tiktok"].scope


@pytest.mark.parametrize("network,expected", [
    ("instagram", {"error": "access_denied", "error_reason": "user_denied", "error_description": "Permissions error"}),
    ("facebook", {"error": "access_denied", "error_reason": "user_denied", "error_code": "200"}),
    ("threads", {"error": "access_denied", "error_reason": "user_denied"}),
    ("linkedin", {"error": "user_cancelled_authorize"}),
    ("tiktok", {"error": "access_denied"}),
    ("youtube", {"error": "access_denied"}),
    ("x", {"error": "access_denied"}),
    ("pinterest", {"error": "access_denied"}),
    ("mastodon", {"error": "access_denied"}),
])
def test_deny_answers_in_the_network_s_own_words(flows, network, expected):
    answer = flows.authorize(network, method="POST", form={"decision": "deny"}, code_challenge="c" * 43,
                             code_challenge_method="S256")
    params = query_of(answer.headers["Location"])
    assert answer.status_code == 302
    assert params.items() >= {**expected, "state": "state-123"}.items()
    assert "code" not in params


class TestConsentPage:
    @pytest.fixture
    def config(self):
        return {"auto_approve": False}

    def test_it_names_the_network_client_and_scopes(self, flows):
        page = flows.authorize("x", code_challenge="c" * 43, code_challenge_method="S256")
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "Sandbox X: postmate-app wants: tweet.read, tweet.write, users.read, offline.access" in html
        assert 'name="decision" value="approve"' in html and 'name="decision" value="deny"' in html
        assert '<label for="account">' in html

    def test_approving_as_a_typed_account_uses_that_account(self, flows):
        answer = flows.authorize("linkedin", method="POST", form={"decision": "approve", "account": "Bob Smith"})
        code = query_of(answer.headers["Location"])["code"]
        token = flows.exchange("linkedin", code).json["access_token"]
        me = flows.identity("linkedin", token).json
        assert me["name"] == "Bob Smith" and me["given_name"] == "Bob"

    def test_the_page_offers_the_cookie_s_account(self, flows, client):
        client.set_cookie("sandbox_account", "carol")
        assert 'value="carol"' in flows.authorize("pinterest").get_data(as_text=True)


@pytest.mark.parametrize("params,why", [
    ({"client_id": None}, "Missing client_id"),
    ({"redirect_uri": "ftp://app.example/cb"}, "redirect_uri"),
    ({"redirect_uri": "https://app.example/cb#frag"}, "fragment"),
])
def test_an_untrusted_client_or_redirect_gets_an_error_page_not_a_redirect(flows, params, why):
    answer = flows.authorize("linkedin", **params)
    assert answer.status_code == 400 and why in answer.get_data(as_text=True)


@pytest.mark.parametrize("network,params,error", [
    ("linkedin", {"response_type": "token"}, "unsupported_response_type"),
    ("linkedin", {"scope": None}, "invalid_request"),
    ("tiktok", {"scope": "user.info.basic video.upload"}, "invalid_scope"),  # TikTok separates with commas
    ("x", {"scope": "tweet.read,users.read", "code_challenge": "c" * 43, "code_challenge_method": "S256"},
     "invalid_scope"),
    ("x", {}, "invalid_request"),  # no PKCE challenge
    ("x", {"code_challenge": "c" * 43, "code_challenge_method": "plain"}, "invalid_request"),
    ("mastodon", {"scope": "read:accounts admin:write"}, "invalid_scope"),  # not registered
])
def test_other_bad_authorize_parameters_go_back_to_the_client(flows, network, params, error):
    answer = flows.authorize(network, **params)
    assert answer.status_code == 302
    assert query_of(answer.headers["Location"])["error"] == error


def test_configured_clients_restrict_who_may_connect():
    from provider_sandbox.app import create_app
    from tests.fixtures.flows import Flows
    flows = Flows(create_app({"auto_approve": True, "clients": {"linkedin": {"postmate-app": "right"}}}).test_client())
    assert flows.authorize("linkedin", client_id="someone-else").status_code == 400
    code, _ = flows.code("linkedin", pkce=False)
    assert flows.exchange("linkedin", code).json["error"] == "invalid_client"  # flows sends "postmate-secret"
