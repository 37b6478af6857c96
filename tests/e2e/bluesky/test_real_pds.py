"""The Bluesky connect against the real reference PDS (tests/pds_harness.py: @atproto/pds
on Node 22 with an in-memory PLC directory, offline on loopback).

The gateway is configured as in production, only pointed at the local servers: the
PDS is the entryway that resolves handles, the local PLC directory serves the DID
documents, and `POSTMATE_BLUESKY_ALLOW_PRIVATE_SERVICE=1` lets it reach a PDS on
loopback over http.
"""
from __future__ import annotations

import secrets

import pytest
import requests
import sqlalchemy as sa

from auth_gateway.tables import outbox as gateway_outbox
from connection_store.bootstrap import bootstrap as store_bootstrap
from connection_store.bootstrap import consumer as store_consumer
from connection_store.tables import connections
from shared.events import decode
from shared.manage import migrate_services
from tests.fixtures.bluesky import ALLOW_PRIVATE, raw_text
from tests.fixtures.stand_ins import RecordingProxy
from tests.pds_harness import Account, LocalPds, jwt_claims
from tests.support import serve
from token_refresher.app import create_app as create_refresher
from token_refresher.bootstrap import bootstrap as refresher_bootstrap
from token_refresher.bootstrap import consumer as schedule_consumer
from token_refresher.tables import outbox as refresher_outbox
from token_refresher.tables import schedule

pytestmark = pytest.mark.pds
MAIN_SHAPED = "mmmm-aaaa-iiii-nnnn"  # a main password that looks like an app password, so it reaches the PDS


@pytest.fixture(scope="module")
def pds():
    with LocalPds() as server:
        yield server


@pytest.fixture
def real_world(make_world, pds):
    return make_world(POSTMATE_BLUESKY_MODE="live", POSTMATE_BLUESKY_SERVICE_URL=pds.url,
                      POSTMATE_BLUESKY_PLC_URL=pds.info["plcUrl"], **ALLOW_PRIVATE)


@pytest.fixture
def proxy(pds):
    """Between the gateway and the PDS: keeps the sessions the PDS hands out."""
    recorder = RecordingProxy(pds.url)
    with serve(recorder.app()) as url:
        recorder.url = url
        yield recorder


def account_with_password(pds: LocalPds, prefix: str, password: str) -> Account:
    handle = f"{prefix}-{secrets.token_hex(2)}.test"
    created = pds.xrpc("com.atproto.server.createAccount",
                       body={"handle": handle, "email": f"{handle}@example.com", "password": password})
    assert created.status_code == 200, created.text
    return Account(handle=handle, did=created.json()["did"], password=password, email=f"{handle}@example.com")


def take_down(pds: LocalPds, account: Account) -> None:
    answer = requests.post(f"{pds.url}/xrpc/com.atproto.admin.updateSubjectStatus", timeout=30,
                           auth=("admin", pds.admin_password),
                           json={"subject": {"$type": "com.atproto.admin.defs#repoRef", "did": account.did},
                                 "takedown": {"applied": True, "ref": "post-mate-test"}})
    assert answer.status_code == 200, answer.text


def test_an_app_password_connects_through_handle_did_and_pds_resolution(real_world, pds):
    alice = pds.create_account("alice")
    app_password = pds.create_app_password(alice)
    answer = real_world.connect(alice.handle, app_password)
    assert answer.status_code == 201, answer.text
    connection = answer.json()["connection"]
    assert connection["provider_account_id"] == alice.did and connection["handle"] == "@" + alice.handle
    assert connection["display_name"] == alice.handle, "no AppView offline: the handle stands in for the name"
    assert [c["id"] for c in real_world.stack.connections()] == [connection["id"]]
    [event] = real_world.stack.events()
    credentials = real_world.stack.credentials(event)
    assert credentials["pds_url"] == pds.url and credentials["did"] == alice.did
    assert jwt_claims(credentials["access_token"])["scope"] == "com.atproto.appPass" == event.scopes[0]
    assert pds.refresh_works(credentials["refresh_token"]), "the session the gateway keeps is live on the PDS"


def test_a_user_named_server_is_used_as_given(make_world, pds):
    world = make_world(**ALLOW_PRIVATE)  # no entryway or PLC configured: the server is named
    bob = pds.create_account("bob")
    answer = world.connect(bob.handle, pds.create_app_password(bob), service=pds.url)
    assert answer.status_code == 201 and answer.json()["connection"]["provider_account_id"] == bob.did


def test_the_password_is_nowhere_and_the_jwts_rest_encrypted(real_world, pds, captured_logs):
    carol = pds.create_account("carol")
    app_password = pds.create_app_password(carol)
    assert real_world.connect(carol.handle, app_password).status_code == 201
    with real_world.stack.gateway.engine.connect() as conn:
        messages = [row.body for row in conn.execute(sa.select(gateway_outbox))]  # what the broker will carry
    store = deliver_to_store_and_refresher(real_world)
    [event] = [decode(body) for body in messages]
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(connections).where(connections.c.id == event.connection_id)).one()
    stored = store.cipher.decrypt(row.credentials, row.id)
    assert jwt_claims(stored["refresh_token"])["sub"] == carol.did
    jwts = [stored["access_token"], stored["refresh_token"]]
    assert not any(jwt in row.credentials for jwt in jwts), "encrypted at rest"
    files = {p: p.read_bytes() for p in real_world.data_files()}
    assert {"auth-gateway.db", "connection-store.db", "token-refresher.db"} <= {p.name for p in files}
    for secret in (app_password, *jwts):
        assert not any(secret.encode() in content for content in files.values()), "plaintext in a data file"
        assert not any(secret in body for body in messages), "plaintext on the bus"
        assert secret not in captured_logs.getvalue()
    assert app_password not in raw_text(captured_logs.records), "not even handed to a logger"


def test_the_main_password_is_refused_and_its_session_ended_on_the_pds(make_world, pds, proxy):
    world = make_world(**ALLOW_PRIVATE)
    dave = account_with_password(pds, "dave", MAIN_SHAPED)
    answer = world.connect(dave.handle, MAIN_SHAPED, service=proxy.url)
    assert answer.status_code == 400 and answer.json()["error"] == "main_password"
    assert "bsky.app/settings/app-passwords" in answer.json()["message"]
    [session] = proxy.sessions()
    assert jwt_claims(session["accessJwt"])["scope"] == "com.atproto.access"
    assert not pds.refresh_works(session["refreshJwt"]), "deleteSession ended it: no session left open"
    world.assert_nothing_stored()


def test_a_privileged_app_password_connects_with_a_notice(real_world, pds):
    erin = pds.create_account("erin")
    answer = real_world.connect(erin.handle, pds.create_app_password(erin, privileged=True))
    assert answer.status_code == 201
    assert "direct messages" in answer.json()["notice"]
    assert real_world.stack.events()[0].scopes == ["com.atproto.appPassPrivileged"]


def test_a_wrong_app_password_is_refused(real_world, pds):
    frank = pds.create_account("frank")
    pds.create_app_password(frank)
    answer = real_world.connect(frank.handle, "aaaa-bbbb-cccc-dddd")
    assert answer.status_code == 400 and answer.json()["error"] == "wrong_password"
    real_world.assert_nothing_stored()


def test_an_unknown_handle_is_refused(real_world):
    answer = real_world.connect("nobody-0000.test")
    assert answer.status_code == 400 and answer.json()["error"] == "handle_not_found"
    real_world.assert_nothing_stored()


def test_a_deactivated_or_taken_down_account_is_refused_with_a_sentence_that_says_so(real_world, pds):
    """The reference PDS stops resolving the handle of an account that is deactivated or taken
    down, so the refusal comes at the lookup, before any sign-in (and nothing is reserved).
    An `active: false` session, which other servers may hand out, is covered with a stub."""
    gina, hank = pds.create_account("gina"), pds.create_account("hank")
    passwords = {gina.handle: pds.create_app_password(gina), hank.handle: pds.create_app_password(hank)}
    main = pds.login(gina.handle, gina.password)["accessJwt"]
    assert pds.xrpc("com.atproto.server.deactivateAccount", main, body={}).status_code == 200
    take_down(pds, hank)
    for account in (gina, hank):
        answer = real_world.connect(account.handle, passwords[account.handle])
        assert answer.status_code == 400 and answer.json()["error"] == "handle_not_found"
        assert "A deactivated or suspended account can't be found until it is restored" in answer.json()["message"]
    real_world.assert_nothing_stored()
    assert real_world.stack.plans.released == []


def test_a_taken_down_account_found_through_its_server_is_refused(make_world, pds, proxy):
    """Named by its server, a taken-down account signs in with neither password kind: the app
    password gets "Invalid identifier or password", the main one AccountTakedown."""
    world = make_world(**ALLOW_PRIVATE)
    ivy = account_with_password(pds, "ivy", MAIN_SHAPED)
    app_password = pds.create_app_password(ivy)
    take_down(pds, ivy)
    proxy.did_for[ivy.handle] = ivy.did  # the PDS no longer resolves it; answer as a server that still does
    hidden = world.connect(ivy.handle, app_password, service=proxy.url)
    assert hidden.status_code == 400 and "An account Bluesky has suspended can't sign in" in hidden.json()["message"]
    named = world.connect(ivy.handle, MAIN_SHAPED, service=proxy.url)
    assert named.status_code == 403 and named.json()["error"] == "account_taken_down"
    assert proxy.sessions() == [], "no session was opened"
    world.assert_nothing_stored()


def test_the_same_account_connected_twice_is_one_connection(real_world, pds):
    jill = pds.create_account("jill")
    first = real_world.connect(jill.handle, pds.create_app_password(jill, name="Post Mate"))
    second = real_world.connect(jill.handle, pds.create_app_password(jill, name="Post Mate 2"))
    assert first.status_code == second.status_code == 201
    assert first.json()["connection"]["id"] == second.json()["connection"]["id"]
    assert len(real_world.stack.connections()) == 1


def test_revoking_the_app_password_revokes_the_connection_at_the_next_check(real_world, pds):
    kate = pds.create_account("kate")
    app_password = pds.create_app_password(kate)
    cid = real_world.connect(kate.handle, app_password).json()["connection"]["id"]
    refresher = refresher_bootstrap(real_world.stack.settings)
    deliver_to_store_and_refresher(real_world, refresher)
    pds.revoke_app_password(kate)
    check = create_refresher(real_world.stack.settings, refresher).test_client().post(
        f"/v1/connections/{cid}/check",
        headers={"Authorization": f"Bearer {real_world.stack.settings.internal_token}"})
    assert check.status_code == 200, check.get_data(as_text=True)
    assert (check.json["status"], check.json["reason"]) == ("revoked", "revoked_at_provider")
    with refresher.engine.connect() as conn:
        [revoked] = [decode(r.body) for r in conn.execute(sa.select(refresher_outbox))]
        row = conn.execute(sa.select(schedule).where(schedule.c.connection_id == cid)).one()
    assert revoked.type == "AccountRevoked" and revoked.reason == "revoked_at_provider"
    assert revoked.detail == "ExpiredToken" and "Token has been revoked" in row.last_error
    deliver_to_store_and_refresher(real_world, refresher)  # AccountRevoked reaches the store
    assert real_world.stack.connections() == [], "the dashboard no longer lists it"


def deliver_to_store_and_refresher(world, refresher=None):
    """What the relays and the broker do, through the consumers' own code: every outbox row of the
    gateway and the refresher, decoded from the bytes the broker would carry, applied by the
    connection store and the refresher. (Not over the embedded bus: see the report on
    shared/filebus.py — a consumer can read a message file the relay is still writing.)"""
    settings = world.stack.settings
    migrate_services(settings, ["token-refresher"])
    store, refresher = store_bootstrap(settings), refresher or refresher_bootstrap(settings)
    consumers = (store_consumer(store), schedule_consumer(refresher))
    for engine, table in ((world.stack.gateway.engine, gateway_outbox), (refresher.engine, refresher_outbox)):
        with engine.begin() as conn:
            bodies = [row.body for row in conn.execute(sa.select(table).order_by(table.c.id))]
            conn.execute(table.delete())
        for event in map(decode, bodies):
            for consumer in consumers:
                consumer.apply(event)
    return store
