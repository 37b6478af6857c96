"""Authorization codes: single use, short-lived, bound to client, redirect_uri and PKCE challenge."""
from __future__ import annotations

import pytest

from tests.fixtures.flows import query_of, verifier_and_challenge


@pytest.mark.parametrize("network", ["x", "tiktok", "linkedin", "pinterest", "instagram"])
def test_a_code_works_once(flows, network):
    code, verifier = flows.code(network)
    assert flows.exchange(network, code, verifier).status_code == 200
    again = flows.exchange(network, code, verifier)
    assert again.status_code in (400, 401)


def test_a_code_expires_after_code_ttl(flows):
    code, verifier = flows.code("youtube")
    flows.admin("clock", {"advance_s": 61})
    answer = flows.exchange("youtube", code, verifier)
    assert answer.status_code == 400 and answer.json["error"] == "invalid_grant"


def test_the_redirect_uri_must_match_the_authorize_one(flows):
    code, verifier = flows.code("youtube")
    answer = flows.exchange("youtube", code, verifier, redirect_uri="https://app.example/other")
    assert answer.json == {"error": "redirect_uri_mismatch", "error_description": "Bad Request"}
    assert flows.exchange("youtube", code, verifier).status_code == 200  # a failed try does not burn the code


def test_a_code_is_only_good_for_the_client_it_was_issued_to(flows):
    code, verifier = flows.code("tiktok")
    answer = flows.token_call("tiktok", {"grant_type": "authorization_code", "code": code,
                                         "redirect_uri": "https://app.example/callback", "code_verifier": verifier},
                              auth=("another-app", "secret"))
    assert answer.json["error"] == "invalid_grant"


@pytest.mark.parametrize("network,error,description", [
    ("tiktok", "invalid_request", "Code verifier or code challenge is invalid."),
    ("x", "invalid_request", "Value passed for the authorization code was invalid."),
    ("youtube", "invalid_grant", None),
    ("mastodon", "invalid_grant", None),
])
def test_a_wrong_pkce_verifier_is_refused(flows, network, error, description):
    code, _ = flows.code(network)
    other_verifier, _ = verifier_and_challenge()
    answer = flows.exchange(network, code, other_verifier)
    assert answer.status_code == 400 and answer.json["error"] == error
    if description:
        assert answer.json["error_description"] == description
    assert flows.exchange(network, code, None).status_code == 400  # and no verifier at all


def test_plain_pkce_is_verified_too_where_the_network_allows_it(flows):
    verifier = "v" * 50
    code, _ = flows.code("youtube", code_challenge=verifier, code_challenge_method="plain")
    assert flows.exchange("youtube", code, "w" * 50).status_code == 400
    assert flows.exchange("youtube", code, verifier).status_code == 200
    refused = flows.authorize("mastodon", code_challenge=verifier, code_challenge_method="plain")
    assert query_of(refused.headers["Location"])["error"] == "invalid_request"  # Mastodon: S256 only


def test_tiktok_wants_client_key_not_client_id(flows):
    code, verifier = flows.code("tiktok")
    answer = flows.client.post("/tiktok/v2/oauth/token/", data={
        "client_id": "postmate-app", "client_secret": "s", "code": code, "grant_type": "authorization_code",
        "redirect_uri": "https://app.example/callback", "code_verifier": verifier})
    assert answer.status_code == 400
    assert answer.json["error"] == "invalid_request" and "client_key" in answer.json["error_description"]
    assert set(answer.json) == {"error", "error_description", "log_id"}


def test_pinterest_refuses_client_credentials_outside_basic_auth(flows):
    code, _ = flows.code("pinterest", pkce=False)
    answer = flows.client.post("/pinterest/v5/oauth/token", data={
        "client_id": "postmate-app", "client_secret": "s", "code": code, "grant_type": "authorization_code",
        "redirect_uri": "https://app.example/callback"})
    assert answer.status_code == 401 and set(answer.json) == {"code", "message"}


def test_x_refuses_a_client_secret_in_the_body(flows):
    code, verifier = flows.code("x")
    answer = flows.client.post("/x/2/oauth2/token", data={
        "client_id": "postmate-app", "client_secret": "s", "code": code, "grant_type": "authorization_code",
        "redirect_uri": "https://app.example/callback", "code_verifier": verifier})
    assert answer.status_code == 401
    assert answer.json == {"error": "unauthorized_client", "error_description": "Missing valid authorization header"}


def test_x_public_clients_send_only_client_id(flows):
    code, verifier = flows.code("x")
    answer = flows.client.post("/x/2/oauth2/token", data={
        "client_id": "postmate-app", "code": code, "grant_type": "authorization_code",
        "redirect_uri": "https://app.example/callback", "code_verifier": verifier})
    assert answer.status_code == 200


def test_mastodon_codes_only_work_on_the_instance_that_registered_the_app(flows):
    code, verifier = flows.code("mastodon")
    client_id, secret = flows.credentials("mastodon")
    answer = flows.client.post("/mastodon/other.example/oauth/token", data={
        "client_id": client_id, "client_secret": secret, "code": code, "grant_type": "authorization_code",
        "redirect_uri": "https://app.example/callback", "code_verifier": verifier})
    assert answer.status_code == 401 and answer.json["error"] == "invalid_client"


def test_mastodon_refuses_a_token_scope_it_did_not_register(flows):
    code, verifier = flows.code("mastodon")
    answer = flows.exchange("mastodon", code, verifier, scope="admin:write")
    assert answer.json["error"] == "invalid_scope"


def test_mastodon_tokens_have_no_expiry_and_no_refresh_token(flows):
    token = flows.connect("mastodon")
    assert set(token) == {"access_token", "token_type", "scope", "created_at"}


def test_tiktok_refuses_the_base64url_challenge_it_does_not_document(flows):
    """developers.tiktok.com/doc/login-kit-desktop: TikTok's S256 challenge is hex; RFC 7636's base64url (what
    Authlib writes, and what we sent before) fails at the code exchange with TikTok's own sentence."""
    verifier, base64url = verifier_and_challenge("base64url")
    code, _ = flows.code("tiktok", code_challenge=base64url, code_challenge_method="S256")
    answer = flows.exchange("tiktok", code, verifier)
    assert answer.status_code == 400
    assert answer.json["error_description"] == "Code verifier or code challenge is invalid."

    verifier, hexed = verifier_and_challenge("hex")
    code, _ = flows.code("tiktok", code_challenge=hexed, code_challenge_method="S256")
    assert flows.exchange("tiktok", code, verifier).status_code == 200


def test_instagrams_token_endpoint_answers_flat_errors_and_its_graph_endpoints_graph_ones(flows):
    """api.instagram.com answers {error_type, code, error_message}; graph.instagram.com the Graph shape
    (providers.md §17). The sandbox used to answer Graph-shaped everywhere, so a reader of only the
    Graph shape never noticed."""
    code, verifier = flows.code("instagram", pkce=False)
    assert flows.exchange("instagram", code, verifier).status_code == 200
    again = flows.exchange("instagram", code, verifier)
    assert again.status_code == 400 and set(again.json) == {"error_type", "code", "error_message"}
    assert again.json["error_type"] == "OAuthException" and again.json["error_message"]
    graph = flows.client.get("/instagram/refresh_access_token", query_string={"grant_type": "ig_refresh_token",
                                                                            "access_token": "nope"})
    assert set(graph.json) == {"error"} and graph.json["error"]["type"] == "OAuthException"
