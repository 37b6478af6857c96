"""Bluesky sessions: app password vs main password, refresh rotation with a grace window, revocation."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

XRPC = "/bluesky/xrpc/"
APP_PASSWORD = "abcd-efgh-ij23-kl45"
SECRET = "test-jwt-secret"


@pytest.fixture
def config():
    return {"jwt_secret": SECRET}


def _claims(jwt: str) -> dict:
    """Verify an HS256 JWT with the configured secret, independently of the sandbox's code."""
    head, body, sig = jwt.split(".")
    expected = base64.urlsafe_b64encode(hmac.new(SECRET.encode(), f"{head}.{body}".encode(),
                                                 hashlib.sha256).digest()).decode().rstrip("=")
    assert hmac.compare_digest(expected, sig)
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def _login(client, identifier="ann.sandbox", password=APP_PASSWORD):
    return client.post(XRPC + "com.atproto.server.createSession",
                       json={"identifier": identifier, "password": password})


def _call(client, method, jwt, verb="post"):
    return getattr(client, verb)(XRPC + method, headers={"Authorization": f"Bearer {jwt}"})


def test_an_app_password_session_has_the_app_pass_scope(client):
    session = _login(client).json
    claims = _claims(session["accessJwt"])
    assert claims["scope"] == "com.atproto.appPass" and claims["sub"] == session["did"]
    assert {"exp", "jti"} <= set(claims) and session["handle"] == "ann.sandbox"
    assert session["didDoc"]["service"][0]["serviceEndpoint"].endswith("/bluesky")


def test_the_main_password_gives_full_access_scope(client):
    assert _claims(_login(client, password="main-password").json["accessJwt"])["scope"] == "com.atproto.access"


@pytest.mark.parametrize("identifier,password", [("ann.sandbox", "wrong"), ("ann.sandbox", "ABCD-EFGH-IJKL-MNOP"),
                                                 ("ann.bsky.social", APP_PASSWORD)])
def test_a_wrong_identifier_or_password_is_refused(client, identifier, password):
    answer = _login(client, identifier, password)
    assert answer.status_code == 401
    assert answer.json == {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}


def test_missing_fields_are_an_invalid_request(client):
    answer = client.post(XRPC + "com.atproto.server.createSession", data="not json")
    assert answer.status_code == 400 and answer.json["error"] == "InvalidRequest"


def test_refresh_rotates_and_the_old_token_retries_to_the_same_successor(client):
    first = _login(client).json
    second = _call(client, "com.atproto.server.refreshSession", first["refreshJwt"]).json
    assert second["refreshJwt"] != first["refreshJwt"]
    retry = _call(client, "com.atproto.server.refreshSession", first["refreshJwt"]).json
    assert retry["refreshJwt"] == second["refreshJwt"]
    assert _call(client, "com.atproto.server.getSession", second["accessJwt"], "get").json["did"] == first["did"]


def test_the_grace_window_ends(client):
    first = _login(client).json
    _call(client, "com.atproto.server.refreshSession", first["refreshJwt"])
    client.post("/_sandbox/clock", json={"advance_s": 7201})
    answer = _call(client, "com.atproto.server.refreshSession", first["refreshJwt"])
    assert answer.status_code == 400 and answer.json["error"] == "ExpiredToken"


def test_revoking_the_app_password_kills_refresh_but_not_the_current_access_jwt(client):
    session = _login(client).json
    client.post("/_sandbox/revoke", json={"network": "bluesky", "account": "ann.sandbox",
                                          "app_password": APP_PASSWORD})
    refused = _call(client, "com.atproto.server.refreshSession", session["refreshJwt"])
    assert refused.status_code == 400
    assert refused.json == {"error": "ExpiredToken", "message": "Token has been revoked"}
    assert _call(client, "com.atproto.server.getSession", session["accessJwt"], "get").status_code == 200
    assert _login(client).status_code == 401  # that app password is gone
    assert _login(client, password="wxyz-wxyz-wxyz-wxyz").status_code == 200  # another one works


def test_delete_session_ends_it(client):
    session = _login(client).json
    assert _call(client, "com.atproto.server.deleteSession", session["refreshJwt"]).status_code == 200
    assert _call(client, "com.atproto.server.refreshSession", session["refreshJwt"]).json["error"] == "ExpiredToken"


def test_tokens_are_checked_for_type_signature_and_expiry(client):
    session = _login(client).json
    wrong_type = _call(client, "com.atproto.server.refreshSession", session["accessJwt"])
    forged = _call(client, "com.atproto.server.getSession", session["accessJwt"][:-2] + "xx", "get")
    assert wrong_type.json["error"] == forged.json["error"] == "InvalidToken"
    client.post("/_sandbox/clock", json={"advance_s": 7201})
    assert _call(client, "com.atproto.server.getSession", session["accessJwt"], "get").json["error"] == "ExpiredToken"
    assert client.get(XRPC + "com.atproto.server.getSession").status_code == 401


def test_handles_resolve_to_the_same_did_as_the_session(client):
    did = _login(client).json["did"]
    assert client.get(XRPC + "com.atproto.identity.resolveHandle", query_string={"handle": "ann.sandbox"}).json == \
        {"did": did}
    assert client.get(XRPC + "com.atproto.identity.resolveHandle",
                      query_string={"handle": "ann.example"}).status_code == 400


def test_refreshes_are_counted_per_session_family(client):
    a, b = _login(client).json, _login(client, "bea.sandbox").json
    _call(client, "com.atproto.server.refreshSession", a["refreshJwt"])
    _call(client, "com.atproto.server.refreshSession", b["refreshJwt"])
    stats = client.get("/_sandbox/stats").json
    assert stats["refreshes_by_account"]["bluesky"] == {"ann": 1, "bea": 1}
    assert stats["networks"]["bluesky"]["refresh"] == 2


def test_the_atproto_sdk_logs_in_and_refreshes(serve):
    atproto = pytest.importorskip("atproto")
    from provider_sandbox.app import create_app
    with serve(create_app({})) as base:
        client = atproto.Client(base_url=f"{base}/bluesky")
        profile = client.login("ann.sandbox", APP_PASSWORD)  # createSession, then the profile via the didDoc's PDS
        before = client.export_session_string()
        client._refresh_and_set_session()  # what the SDK does before a token runs out
        assert client.com.atproto.server.get_session().did == profile.did
    assert profile.handle == "ann.sandbox" and client.export_session_string() != before
