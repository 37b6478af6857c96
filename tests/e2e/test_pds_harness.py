"""The local reference PDS works as the rest of the suite needs it: accounts, app
passwords the Python SDK can log in with, and revocation seen at the next refresh."""
from __future__ import annotations

import pytest
from atproto import Client, Session
from atproto.exceptions import BadRequestError

from tests.pds_harness import LocalPds, jwt_claims

pytestmark = pytest.mark.pds


@pytest.fixture(scope="module")
def pds():
    with LocalPds() as server:
        yield server


def login(pds: LocalPds, handle: str, password: str) -> tuple[Client, Session]:
    client = Client(base_url=pds.url)
    # No AppView offline: the SDK's default profile lookup (app.bsky.actor.getProfile) would fail.
    client.login(handle, password, fetch_bsky_profile=False)
    return client, Session.decode(client.export_session_string())


def test_app_password_session_scope_and_revocation(pds: LocalPds):
    alice = pds.create_account("alice")
    assert alice.handle.startswith("alice-") and alice.handle.endswith(".test")
    assert alice.did.startswith("did:plc:")

    app_password = pds.create_app_password(alice)
    assert pds.list_app_passwords(alice) == ["Post Mate"]

    _, main = login(pds, alice.handle, alice.password)
    assert jwt_claims(main.access_jwt)["scope"] == "com.atproto.access"

    client, session = login(pds, alice.handle, app_password)
    assert session.did == alice.did
    assert jwt_claims(session.access_jwt)["scope"] == "com.atproto.appPass"
    assert pds.refresh_works(session.refresh_jwt)

    pds.revoke_app_password(alice, "Post Mate")
    assert pds.list_app_passwords(alice) == []

    # The SDK's own refresh now fails: the PDS answers 400 ExpiredToken "Token has been revoked".
    with pytest.raises(BadRequestError) as failure:
        client.com.atproto.server.refresh_session(headers={"Authorization": f"Bearer {session.refresh_jwt}"})
    assert failure.value.response.content.error == "ExpiredToken"
    assert "revoked" in failure.value.response.content.message
    assert not pds.refresh_works(session.refresh_jwt)

    # The main password's sessions are untouched.
    assert pds.refresh_works(main.refresh_jwt)
