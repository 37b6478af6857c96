"""Connecting Bluesky with an app password, against the provider sandbox (fast tier)."""
from __future__ import annotations

from datetime import timedelta

from auth_gateway.domain import connection_id
from shared.events import utcnow
from shared.providers.egress import Egress
from shared.providers.registry import Registry
from tests.fixtures.bluesky import APP_PASSWORD, MAIN_PASSWORD
from token_refresher.adapters.platforms import HttpPlatforms

SANDBOX_DID = "did:plc:"  # every sandbox DID starts so


def test_an_app_password_connects_and_the_account_is_listed_at_once(world):
    answer = world.connect("@Alice.sandbox")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    connection = body["connection"]
    assert connection["network"] == "bluesky" and connection["status"] == "active"
    assert connection["provider_account_id"].startswith(SANDBOX_DID)
    assert connection["handle"] == "@alice.sandbox" and connection["display_name"] == "alice"
    assert connection["id"] == connection_id("user-1", "bluesky", connection["provider_account_id"])
    assert "Jwt" not in answer.text and "token\"" not in answer.text.replace("token_expires_at", "")

    assert [c["id"] for c in world.stack.connections()] == [connection["id"]]
    attempt = world.stack.attempt(body["attempt_id"])
    assert attempt["status"] == "connected" and attempt["connection"]["id"] == connection["id"]
    assert world.attempts()[0].kind == "app_password"


def test_the_event_carries_the_session_encrypted_and_never_the_password(world):
    connection = world.connect().json()["connection"]
    [event] = world.stack.events()
    assert event.type == "AccountConnected" and event.connection_id == connection["id"]
    assert event.scopes == ["com.atproto.appPass"]
    assert timedelta(hours=1, minutes=55) < event.token_expires_at - utcnow() <= timedelta(hours=2)
    assert APP_PASSWORD not in event.credentials and "eyJ" not in event.credentials  # ciphertext only
    credentials = world.stack.credentials(event)
    assert credentials["pds_url"] == world.stack.settings.sandbox_url + "/bluesky"
    assert (credentials["did"], credentials["handle"]) == (connection["provider_account_id"], "alice.sandbox")
    assert credentials["access_token"].startswith("eyJ") and credentials["refresh_token"].startswith("eyJ")
    assert credentials["scope"] == "com.atproto.appPass"
    assert APP_PASSWORD not in str(credentials)


def test_the_refresher_renews_the_session_the_gateway_stored(world):
    """The credentials' shape is the refresher's: refreshSession at the stored PDS, both JWTs rotate."""
    world.connect()
    [event] = world.stack.events()
    stored = world.stack.credentials(event)
    renewed = HttpPlatforms(Registry(world.stack.settings), Egress(allow_private=True)).bluesky_refresh(stored, utcnow())
    assert renewed.credentials["refresh_token"] != stored["refresh_token"]
    assert renewed.credentials["pds_url"] == stored["pds_url"]
    assert world.stats()["refresh"] == 1


def test_the_same_account_twice_is_one_connection_and_no_second_socket(world):
    first = world.connect().json()["connection"]
    second = world.connect(app_password="zzzz-yyyy-xxxx-wwww").json()["connection"]
    assert first["id"] == second["id"]
    assert [c["id"] for c in world.stack.connections()] == [first["id"]]
    reservations = list(world.stack.plans.live.values())
    assert [r.get("reconnect_connection_id") for r in reservations] == [first["id"], first["id"]], \
        "asked as a reconnect of that connection: plan-limits charges no new socket for it"


def test_a_reconnect_of_the_same_account_is_accepted(world):
    cid = world.connect().json()["connection"]["id"]
    answer = world.connect(reconnect=cid)
    assert answer.status_code == 201 and answer.json()["connection"]["id"] == cid
    assert world.attempts()[-1].reconnect_connection_id == cid


def test_a_reconnect_with_another_account_is_refused_before_signing_in(world):
    cid = world.connect().json()["connection"]["id"]
    logins = world.stats()["token"]
    answer = world.connect("bob.sandbox", reconnect=cid)
    assert answer.status_code == 409 and answer.json()["error"] == "wrong_account"
    assert "@bob.sandbox is not the Bluesky account you are reconnecting" in answer.json()["message"]
    assert world.stats()["token"] == logins


def test_a_reconnect_of_an_unknown_connection_is_a_404(world):
    answer = world.connect(reconnect="no-such-connection")
    assert answer.status_code == 404 and answer.json()["error"] == "connection_not_found"
    world.assert_nothing_stored()


def test_the_main_password_is_refused_with_the_steps_and_its_session_ended(make_world):
    world = make_world(sandbox={"bluesky_main_password": MAIN_PASSWORD})
    answer = world.connect(app_password=MAIN_PASSWORD)
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "main_password"
    assert "main Bluesky password" in body["message"] and "bsky.app/settings/app-passwords" in body["message"]
    assert body["help"]["url"] == "https://bsky.app/settings/app-passwords"
    assert body["help"]["steps"][0] == "In Bluesky, open Settings → Privacy and security."
    assert "Post Mate" in body["help"]["steps"][2] and len(body["help"]["steps"]) == 4
    stats = world.stats()
    assert (stats["token"], stats["revoke"]) == (1, 1), "signed in once, then deleteSession at once"
    assert world.open_sessions("alice") == 0
    world.assert_nothing_stored()
    assert world.attempts()[0].failure_code == "main_password"


def test_the_app_password_is_never_logged_stored_or_answered(world, captured_logs):
    from tests.fixtures.bluesky import raw_text
    answers = [world.connect(), world.connect(handle=APP_PASSWORD), world.connect(app_password=APP_PASSWORD.upper())]
    world.stack.sandbox("POST", "revoke", network="bluesky", account="alice", app_password=APP_PASSWORD)
    answers.append(world.connect())  # refused by Bluesky now: the failure path logs and records too
    assert [a.status_code for a in answers] == [201, 400, 400, 400]
    assert all(APP_PASSWORD not in a.text for a in answers)
    [event] = world.stack.events()
    secrets = [APP_PASSWORD, *(world.stack.credentials(event)[k] for k in ("access_token", "refresh_token"))]
    written = {str(path): path.read_bytes() for path in world.data_files()}
    assert any(path.endswith("auth-gateway.db") for path in written)
    for secret in secrets:
        assert secret not in captured_logs.getvalue()
        assert all(secret.encode() not in content for content in written.values()), "plaintext in a data file"
    assert APP_PASSWORD not in raw_text(captured_logs.records), "not even handed to a logger"
    assert APP_PASSWORD.upper() not in raw_text(captured_logs.records)
