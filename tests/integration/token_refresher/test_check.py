"""POST /v1/connections/<id>/check — the dashboard's "Check connection", proxied by
the gateway — runs the refresh loop's own code path now and says what it found."""
from __future__ import annotations

import pytest

from token_refresher.app import create_app

pytestmark = pytest.mark.integration


@pytest.fixture
def check(world):
    client = create_app(world.settings, world.refresher).test_client()
    auth = {"Authorization": f"Bearer {world.settings.internal_token}"}

    def run(cid: str, headers=auth):
        return client.post(f"/v1/connections/{cid}/check", headers=headers)
    return run


def test_check_needs_the_internal_token(world, check):
    cid = world.connect("x")
    assert check(cid, headers={}).status_code == 401
    assert check(cid, headers={"Authorization": "Bearer dev-dashboard-token"}).status_code == 403
    assert world.refreshes(cid) == 0


def test_check_renews_a_working_connection_now_whatever_its_due_time(world, check):
    cid = world.connect("x")
    response = check(cid)
    assert response.status_code == 200
    assert response.get_json() == {"connection_id": cid, "status": "active", "reason": "refreshed",
                                   "message": "The connection works; Post Mate renewed its access just now."}
    world.deliver()
    assert world.refreshes(cid) == 1 and world.usable(cid)


def test_check_finds_a_revoked_bluesky_app_password_at_once_and_says_it_once(world, check):
    cid = world.connect("bluesky")
    world.sandbox.revoke("bluesky", world.accounts[cid][1])
    assert world.usable(cid), "the access JWT still works: only refreshSession shows the revocation"
    first = check(cid).get_json()
    assert (first["status"], first["reason"]) == ("revoked", "revoked_at_provider")
    assert "Bluesky" in first["message"]
    assert check(cid).get_json()["status"] == "revoked"
    events = world.deliver()
    assert [e.type for e in events] == ["AccountRevoked"], "one event, however often the button is pressed"
    assert world.stored(cid).status == "revoked"


def test_check_of_a_never_expiring_token_is_a_health_check(world, check):
    cid = world.connect("mastodon")
    assert check(cid).get_json()["reason"] == "healthy"
    world.sandbox.revoke("mastodon", world.accounts[cid][1])
    assert check(cid).get_json()["status"] == "revoked"


def test_check_says_so_when_the_platform_is_down_and_disconnects_nobody(world, check):
    cid = world.connect("youtube")
    world.sandbox.fail("youtube", "5xx")
    body = check(cid).get_json()
    assert (body["status"], body["reason"]) == ("active", "platform_unavailable")
    assert "Nothing was disconnected" in body["message"]


def test_check_of_an_unknown_connection_is_a_404(check):
    response = check("nope")
    assert response.status_code == 404 and response.get_json()["error"] == "connection_not_found"
