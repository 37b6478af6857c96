"""GET /v1/connections/<id>/credentials and POST /v1/credentials/lookup: the
refresher's ways to read tokens — internal token only — while lists and single
reads never carry one."""
from __future__ import annotations

import pytest

from connection_store.app import create_app
from connection_store.bootstrap import bootstrap, consumer
from shared.events import AccountConnected, AccountRevoked, utcnow, version_at

pytestmark = pytest.mark.integration
ACCESS, REFRESH = "at-plaintext-that-lists-never-show", "rt-plaintext-that-lists-never-show"


@pytest.fixture
def store(settings):
    deps = bootstrap(settings)
    consumer(deps).apply(AccountConnected(
        producer="test", user_id="user-1", connection_id="conn-1", network="x", version=version_at(utcnow()),
        provider_account_id="acct-1", handle="@one", token_expires_at=utcnow(),
        credentials=deps.cipher.encrypt({"access_token": ACCESS, "refresh_token": REFRESH}, "conn-1")))
    return deps, create_app(settings, deps).test_client(), {"Authorization": f"Bearer {settings.internal_token}"}


def test_the_credentials_read_answers_only_to_the_internal_token(store):
    _, client, _ = store
    assert client.get("/v1/connections/conn-1/credentials").status_code == 401
    wrong = client.get("/v1/connections/conn-1/credentials", headers={"Authorization": "Bearer dev-dashboard-token"})
    assert wrong.status_code == 403 and ACCESS not in wrong.get_data(as_text=True)


def test_the_credentials_read_returns_the_plaintext_with_its_version(store):
    deps, client, auth = store
    response = client.get("/v1/connections/conn-1/credentials", headers=auth)
    body = response.get_json()
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert body["credentials"] == {"access_token": ACCESS, "refresh_token": REFRESH}
    assert (body["connection_id"], body["network"], body["user_id"], body["status"]) == ("conn-1", "x", "user-1",
                                                                                          "active")
    assert isinstance(body["version"], int) and body["token_expires_at"]


def test_lists_and_single_reads_never_carry_credentials(store):
    _, client, auth = store
    for path in ("/v1/connections?user_id=user-1", "/v1/connections?user_id=user-1&include_revoked=1",
                 "/v1/connections/conn-1"):
        text = client.get(path, headers=auth).get_data(as_text=True)
        assert ACCESS not in text and REFRESH not in text and "credentials" not in text


def test_a_revoked_connection_has_no_credentials_to_read(store):
    deps, client, auth = store
    consumer(deps).apply(AccountRevoked(producer="test", user_id="user-1", connection_id="conn-1", network="x",
                                        version=version_at(utcnow()) + 1, reason="revoked_at_provider"))
    body = client.get("/v1/connections/conn-1/credentials", headers=auth).get_json()
    assert body["status"] == "revoked" and body["credentials"] is None
    assert client.get("/v1/connections/nope/credentials", headers=auth).status_code == 404


def test_a_data_deletion_request_leaves_no_trace_of_the_account_but_the_audit_line(store):
    deps, client, auth = store
    consumer(deps).apply(AccountRevoked(producer="test", user_id="user-1", connection_id="conn-1", network="x",
                                        version=version_at(utcnow()) + 1, reason="deleted_at_provider"))
    row = client.get("/v1/connections/conn-1", headers=auth).get_json()
    assert (row["status"], row["status_reason"]) == ("revoked", "deleted_at_provider")
    assert (row["provider_account_id"], row["handle"], row["display_name"], row["scopes"]) == (None, "", "", [])
    assert client.get("/v1/connections/conn-1/credentials", headers=auth).get_json()["credentials"] is None


def test_a_lookup_reads_several_connections_at_once_and_names_the_unknown_ones(store):
    deps, client, auth = store
    consumer(deps).apply(AccountConnected(
        producer="test", user_id="user-2", connection_id="conn-2", network="tiktok", version=version_at(utcnow()),
        provider_account_id="acct-2", handle="@two",
        credentials=deps.cipher.encrypt({"access_token": "at-2"}, "conn-2")))
    response = client.post("/v1/credentials/lookup", headers=auth,
                           json={"connection_ids": ["conn-2", "nope", "conn-1", "conn-1"]})
    body = response.get_json()
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    found = {c["connection_id"]: c for c in body["connections"]}
    assert sorted(found) == ["conn-1", "conn-2"] and body["missing"] == ["nope"]
    assert found["conn-1"]["credentials"] == {"access_token": ACCESS, "refresh_token": REFRESH}
    assert (found["conn-2"]["network"], found["conn-2"]["credentials"]) == ("tiktok", {"access_token": "at-2"})
    assert found["conn-1"] == client.get("/v1/connections/conn-1/credentials", headers=auth).get_json()


@pytest.mark.parametrize("body, error", [
    (None, "invalid_json"), ({"ids": ["conn-1"]}, "connection_ids_required"),
    ({"connection_ids": "conn-1"}, "connection_ids_required"), ({"connection_ids": [1]}, "connection_ids_required"),
    ({"connection_ids": [f"c{n}" for n in range(201)]}, "too_many_connection_ids"),
])
def test_a_lookup_that_does_not_list_ids_gets_a_clear_400(store, body, error):
    _, client, auth = store
    response = client.post("/v1/credentials/lookup", headers=auth, json=body) if body is not None else \
        client.post("/v1/credentials/lookup", headers=auth, data="not json", content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"] == error
    assert response.get_json()["message"]


def test_a_lookup_answers_only_to_the_internal_token(store):
    _, client, _ = store
    assert client.post("/v1/credentials/lookup", json={"connection_ids": ["conn-1"]}).status_code == 401
    wrong = client.post("/v1/credentials/lookup", json={"connection_ids": ["conn-1"]},
                        headers={"Authorization": "Bearer dev-dashboard-token"})
    assert wrong.status_code == 403 and ACCESS not in wrong.get_data(as_text=True)
