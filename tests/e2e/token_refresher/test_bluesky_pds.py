"""Bluesky against the reference PDS (not a stand-in): the refresher's refreshSession
rotates a real app-password session, and a revoked app password — which only shows
at refreshSession — ends the connection as revoked at the provider."""
from __future__ import annotations

import pytest

from shared.encoding import unverified_expiry as jwt_expiry
from shared.events import AccountConnected, version_at
from tests.pds_harness import LocalPds

pytestmark = [pytest.mark.pds, pytest.mark.integration]


@pytest.fixture
def world_env(world_env):
    """The PDS runs on loopback: allowed as it must have been when the gateway connected it."""
    return {**world_env, "POSTMATE_BLUESKY_ALLOW_PRIVATE_SERVICE": "1"}


@pytest.fixture(scope="module")
def pds():
    with LocalPds() as server:
        yield server


def connect_with_app_password(world, pds: LocalPds) -> tuple[str, object]:
    """What the gateway stores after createSession with an app password."""
    account = pds.create_account("refresh")
    session = pds.login(account.handle, pds.create_app_password(account))
    cid = f"conn-{account.did[-8:]}"
    expires_at = jwt_expiry(session["accessJwt"])
    credentials = {"access_token": session["accessJwt"], "refresh_token": session["refreshJwt"],
                   "token_type": "bearer", "scope": "com.atproto.appPass", "obtained_at": int(world.clock().timestamp()),
                   "expires_at": int(expires_at.timestamp()), "pds_url": pds.url, "did": account.did,
                   "handle": account.handle}
    world.publish(AccountConnected(
        producer="auth-gateway", user_id="user-1", connection_id=cid, network="bluesky",
        version=version_at(world.clock()), occurred_at=world.clock(), provider_account_id=account.did,
        handle="@" + account.handle, token_expires_at=expires_at,
        credentials=world.refresher.cipher.encrypt(credentials, cid)))
    world.accounts[cid] = ("bluesky", account.handle)
    return cid, account


def test_a_real_pds_session_is_refreshed_and_a_revoked_app_password_revokes_the_connection(world, pds):
    cid, account = connect_with_app_password(world, pds)
    first = world.stored_credentials(cid)["refresh_token"]
    world.make_due(cid)
    world.run_due()
    assert [e.type for e in world.deliver()] == ["TokenRefreshed"]
    assert world.stored_credentials(cid)["refresh_token"] != first, "the refresh JWT rotated"
    assert world.usable(cid), "the PDS accepts the new access JWT"

    pds.revoke_app_password(account)
    assert world.usable(cid), "the access JWT still works: only refreshSession tells"
    world.make_due(cid)
    world.run_due()
    events = world.deliver()
    assert [e.type for e in events] == ["AccountRevoked"] and events[0].reason == "revoked_at_provider"
    assert world.stored(cid).status == "revoked"
