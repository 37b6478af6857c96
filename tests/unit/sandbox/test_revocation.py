"""After revocation every token of the grant answers the network's permanent error."""
from __future__ import annotations

import pytest

from shared.providers import GRAPH_API_VERSION as GRAPH
from tests.fixtures.flows import basic

REVOKE = {  # network → how its revoke endpoint is called
    "tiktok": lambda f, t: f.client.post("/tiktok/v2/oauth/revoke/", data={
        "client_key": "postmate-app", "client_secret": "postmate-secret", "token": t}),
    "youtube": lambda f, t: f.client.post("/youtube/revoke", data={"token": t}),
    "linkedin": lambda f, t: f.client.post("/linkedin/oauth/v2/revoke", data={
        "client_id": "postmate-app", "client_secret": "postmate-secret", "token": t}),
    "x": lambda f, t: f.client.post("/x/2/oauth2/revoke", data={"token": t, "token_type_hint": "refresh_token"},
                                    headers=basic("postmate-app", "postmate-secret")),
    "mastodon": lambda f, t: f.client.post("/mastodon/social.example/oauth/revoke", data={
        "client_id": f.credentials("mastodon")[0], "client_secret": f.credentials("mastodon")[1], "token": t}),
}


@pytest.mark.parametrize("network", sorted(REVOKE))
def test_the_revoke_endpoint_ends_the_grant(flows, network):
    params = {"access_type": "offline"} if network == "youtube" else {}
    token = flows.connect(network, **params)
    takes = token["access_token"] if network == "tiktok" else token.get("refresh_token") or token["access_token"]
    answer = REVOKE[network](flows, takes)
    assert answer.status_code == 200
    assert flows.identity(network, token["access_token"]).status_code == 401
    if "refresh_token" in token:
        refused = flows.refresh(network, token["refresh_token"])
        assert refused.status_code == 400
        assert refused.json["error"] in ("invalid_grant", "invalid_request")


def test_tiktok_revokes_only_with_the_access_token(flows):
    """developers.tiktok.com/doc/oauth-user-access-token-management: the revoke endpoint takes the user access
    token; the refresh token (what we used to send first) revokes nothing and says so."""
    token = flows.connect("tiktok")
    refused = REVOKE["tiktok"](flows, token["refresh_token"])
    assert refused.status_code == 400 and refused.json["error"] == "invalid_request"
    assert flows.identity("tiktok", token["access_token"]).status_code == 200  # the grant lives on
    assert REVOKE["tiktok"](flows, token["access_token"]).status_code == 200
    assert flows.identity("tiktok", token["access_token"]).status_code == 401


def test_google_says_token_expired_or_revoked(flows):
    token = flows.connect("youtube", access_type="offline")
    flows.admin("revoke", {"network": "youtube", "account": _account(flows)})
    assert flows.refresh("youtube", token["refresh_token"]).json == {
        "error": "invalid_grant", "error_description": "Token has been expired or revoked."}
    assert flows.client.post("/youtube/revoke", data={"token": "unknown"}).status_code == 400


def _account(flows) -> str:
    return flows.client.get("/_sandbox/accounts").json["accounts"][-1]["name"]


@pytest.mark.parametrize("network", ["instagram", "threads", "facebook"])
def test_meta_revocation_answers_190_with_subcode_458(flows, network):
    token = flows.connect(network)
    flows.admin("revoke", {"network": network, "account": _account(flows)})
    error = flows.identity(network, token["access_token"]).json["error"]
    assert (error["code"], error["error_subcode"], error["type"]) == (190, 458, "OAuthException")
    assert {"message", "fbtrace_id"} <= set(error)


def test_a_password_change_shows_as_subcode_460(flows):
    token = flows.connect("instagram")
    flows.admin("revoke", {"network": "instagram", "account": _account(flows), "reason": "password_changed"})
    assert flows.identity("instagram", token["access_token"]).json["error"]["error_subcode"] == 460
    refresh = flows.client.get("/instagram/refresh_access_token", query_string={
        "grant_type": "ig_refresh_token", "access_token": token["access_token"]})
    assert refresh.json["error"]["code"] == 190


def test_facebook_delete_permissions_removes_the_app(flows):
    token = flows.connect("facebook")["access_token"]
    pages = flows.client.get(f"/facebook/{GRAPH}/me/accounts", query_string={"access_token": token}).json["data"]
    answer = flows.client.delete(f"/facebook/{GRAPH}/me/permissions", query_string={"access_token": token})
    assert answer.json == {"success": True}
    assert flows.identity("facebook", token).json["error"]["error_subcode"] == 458
    assert flows.identity("facebook", pages[0]["access_token"]).json["error"]["code"] == 190


def test_admin_revoke_touches_only_that_network(flows, client):
    client.set_cookie("sandbox_account", "erin")
    x, tiktok = flows.connect("x"), flows.connect("tiktok")
    assert flows.admin("revoke", {"network": "x", "account": "erin"})["grants"] == 1
    assert flows.identity("x", x["access_token"]).status_code == 401
    assert flows.identity("tiktok", tiktok["access_token"]).status_code == 200


def test_linkedin_introspection_reports_revoked(flows):
    token = flows.connect("linkedin")["access_token"]
    creds = {"client_id": "postmate-app", "client_secret": "postmate-secret", "token": token}
    active = flows.client.post("/linkedin/oauth/v2/introspectToken", data=creds).json
    assert active["active"] is True and active["status"] == "active"
    flows.admin("revoke", {"network": "linkedin", "account": _account(flows)})
    revoked = flows.client.post("/linkedin/oauth/v2/introspectToken", data=creds).json
    assert revoked["active"] is False and revoked["status"] == "revoked"
    assert flows.identity("linkedin", token).json["serviceErrorCode"] == 65600


def test_mastodon_says_the_token_was_revoked(flows):
    token = flows.connect("mastodon")["access_token"]
    flows.admin("revoke", {"network": "mastodon", "account": _account(flows)})
    assert flows.identity("mastodon", token).json == {"error": "The access token was revoked"}


@pytest.mark.parametrize("config", [{"auto_approve": True, "pages_per_account": 30, "auto_approve_pages": 30}])
def test_facebook_pages_come_25_at_a_time_with_a_next_cursor(flows, config):
    token = flows.connect("facebook")["access_token"]
    first = flows.client.get(f"/facebook/{GRAPH}/me/accounts", query_string={"access_token": token, "limit": 100}).json
    assert len(first["data"]) == 25 and "next" in first["paging"]
    second = flows.client.get(f"/facebook/{GRAPH}/me/accounts", query_string={
        "access_token": token, "limit": 100, "after": first["paging"]["cursors"]["after"]}).json
    assert len(second["data"]) == 5 and "next" not in second["paging"]
    assert not {p["id"] for p in first["data"]} & {p["id"] for p in second["data"]}
