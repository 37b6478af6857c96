"""Revoked at the platform: when someone removes Post Mate in Facebook, Instagram
or Threads, Meta POSTs a signed_request to our deauthorize (or data-deletion)
callback. A genuine one revokes every connection that person granted, the store
says why and plan-limits frees the sockets; a forged, stale or replayed one
changes nothing."""
from __future__ import annotations

import time

import pytest
import requests

from auth_gateway import meta_callbacks
from provider_sandbox import meta_signed_request
from shared.events import utcnow
from tests.fixtures.lifecycle import (  # noqa: F401
    connect,
    disconnect,
    quick,
    quota,
    store_get,
    stored,
    system,
)
from tests.support import wait_for


def app_secret(stack, network: str) -> str:
    return stack.gateway.registry.get(network).client_secret


def callback_url(stack, network: str, kind: str = "deauthorize") -> str:
    return f"{stack.base}/meta/{network}/{kind}"


def meta_removes_the_app(stack, network: str, account: str, kind: str = "deauthorize", secret: str | None = None):
    """The person removes Post Mate in the platform's settings; the sandbox, as Meta, calls us."""
    return stack.sandbox("POST", "meta/deauthorize", network=network, account=account,
                         kind="data_deletion" if kind == "data-deletion" else kind,
                         callback_url=callback_url(stack, network, kind),
                         app_secret=secret or app_secret(stack, network))


def post_signed(stack, network: str, signed_request: str, kind: str = "deauthorize") -> requests.Response:
    return requests.post(callback_url(stack, network, kind), data={"signed_request": signed_request}, timeout=10)


def status_of(stack, connection_id: str) -> tuple[str, str | None]:
    row = store_get(stack, f"/v1/connections/{connection_id}").json()
    return row["status"], row["status_reason"]


def person_id(stack, account: str) -> str:
    return next(a["id"] for a in stack.sandbox("GET", "accounts")["accounts"] if a["name"] == account)


@pytest.mark.parametrize("network", ["instagram", "threads"])
def test_a_deauthorize_callback_revokes_the_account_and_frees_the_socket(system, network):
    connection_id, _ = connect(system, network, account="alice")
    wait_for(lambda: quota(system)["used"] == 1, what="plan-limits to count the socket")

    sent = meta_removes_the_app(system, network, "alice")

    assert sent["callback"]["status"] == 200 and sent["callback"]["body"] == {"revoked": 1}
    wait_for(lambda: status_of(system, connection_id) == ("revoked", "revoked_at_provider"),
             what="the store to mark it revoked at the platform")
    assert stored(system, connection_id)["credentials"] is None
    wait_for(lambda: quota(system)["used"] == 0, what="plan-limits to free the socket")
    assert system.connections() == []


def test_on_facebook_the_person_who_shared_the_pages_is_named_and_their_pages_go(system):
    connection_id, _ = connect(system, "facebook", account="alice")
    sent = meta_removes_the_app(system, "facebook", "alice")
    assert sent["payload"]["user_id"] == person_id(system, "alice") and sent["callback"]["body"] == {"revoked": 1}
    wait_for(lambda: status_of(system, connection_id) == ("revoked", "revoked_at_provider"), what="the Page revoked")


def test_a_forged_callback_changes_nothing(system):
    connection_id, _ = connect(system, "instagram", account="alice")
    sent = meta_removes_the_app(system, "instagram", "alice", secret="not-our-app-secret")
    assert sent["callback"]["status"] == 400
    assert sent["callback"]["body"]["error"] == "invalid_signed_request"
    time.sleep(0.5)  # what the bus would have carried by now
    assert status_of(system, connection_id) == ("active", None)
    assert [c["id"] for c in system.connections()] == [connection_id]


def test_stale_replayed_or_malformed_requests_are_refused_and_change_nothing(quick_meta):
    stack, connection_id = quick_meta
    secret, person = app_secret(stack, "instagram"), person_id(stack, "alice")
    stale = meta_signed_request.sign(meta_signed_request.payload(person, time.time() - 2 * 3600), secret)
    future = meta_signed_request.sign(meta_signed_request.payload(person, time.time() + 3600), secret)
    other_algorithm = meta_signed_request.sign({"algorithm": "none", "issued_at": int(time.time()),
                                                "user_id": person}, secret)
    genuine = meta_signed_request.sign(meta_signed_request.payload(person, time.time()), secret)
    signature, payload = genuine.split(".")
    tampered = meta_signed_request.sign(meta_signed_request.payload("someone-else", time.time()), secret)
    tampered = f"{signature}.{tampered.split('.')[1]}"
    for bad in (stale, future, other_algorithm, tampered, "", "no-dot", "!!!.???", f"{signature}."):
        answer = post_signed(stack, "instagram", bad)
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_signed_request", bad
        assert secret not in answer.text
    assert [e.type for e in stack.events()] == ["AccountConnected"]

    assert post_signed(stack, "instagram", genuine).json() == {"revoked": 1}
    replay = post_signed(stack, "instagram", genuine)
    assert replay.status_code == 400 and replay.json()["error"] == "replayed_signed_request"
    assert [e.type for e in stack.events()] == ["AccountConnected", "AccountRevoked"]


def test_a_replayed_data_deletion_request_makes_no_second_request_and_the_sweep_forgets_old_ones(quick_meta):
    import sqlalchemy as sa

    from auth_gateway.sweep import sweep_once
    from auth_gateway.tables import meta_deletions, meta_seen_requests
    stack, _ = quick_meta
    signed = meta_signed_request.sign(meta_signed_request.payload(person_id(stack, "alice"), time.time()),
                                      app_secret(stack, "instagram"))
    assert post_signed(stack, "instagram", signed, kind="data-deletion").status_code == 200
    assert post_signed(stack, "instagram", signed, kind="data-deletion").json()["error"] == "replayed_signed_request"
    with stack.gateway.engine.connect() as conn:
        assert len(conn.execute(sa.select(meta_deletions)).all()) == 1
        assert len(conn.execute(sa.select(meta_seen_requests)).all()) == 1
    stack.clock.advance(minutes=30)
    stack.gateway.call(sweep_once)
    with stack.gateway.engine.connect() as conn:  # still inside its window: kept
        assert len(conn.execute(sa.select(meta_seen_requests)).all()) == 1
    stack.clock.advance(hours=1)
    stack.gateway.call(sweep_once)
    with stack.gateway.engine.connect() as conn:  # a replay now would be stale anyway
        assert conn.execute(sa.select(meta_seen_requests)).all() == []


def test_a_data_deletion_request_answers_a_status_url_and_confirmation_code(quick_meta):
    stack, connection_id = quick_meta
    sent = meta_removes_the_app(stack, "instagram", "alice", kind="data-deletion")
    answer = sent["callback"]["body"]
    assert sent["callback"]["status"] == 200 and set(answer) == {"url", "confirmation_code"}
    assert answer["url"].startswith(stack.settings.gateway_public_url + "/meta/deletions/")
    [revoked] = [e for e in stack.events() if e.type == "AccountRevoked"]
    assert (revoked.connection_id, revoked.reason) == (connection_id, "deleted_at_provider")

    status = requests.get(answer["url"], timeout=10)
    assert status.status_code == 200 and status.json()["confirmation_code"] == answer["confirmation_code"]
    assert status.json()["status"] == "done" and "1 account" in status.json()["message"]
    assert requests.get(stack.base + "/meta/deletions/unknown-code", timeout=10).status_code == 404


def test_an_account_the_user_already_disconnected_is_not_revoked_again(quick_meta):
    stack, connection_id = quick_meta
    assert disconnect(stack, connection_id).status_code == 200
    assert meta_removes_the_app(stack, "instagram", "alice")["callback"]["body"] == {"revoked": 0}
    assert [e.reason for e in stack.events() if e.type == "AccountRevoked"] == ["user_disconnected"]


def test_only_metas_networks_have_callbacks(quick_meta):
    stack, _ = quick_meta
    for path in ("/meta/x/deauthorize", "/meta/instagram/uninstall"):
        answer = requests.post(stack.base + path, data={"signed_request": "a.b"}, timeout=10)
        assert answer.status_code == 404


def test_verify_checks_signature_algorithm_and_age():
    now, secret = utcnow(), "app-secret"
    signed = meta_signed_request.sign(meta_signed_request.payload("123", now.timestamp()), secret)
    assert meta_callbacks.verify(signed, secret, now)["user_id"] == "123"
    for secret_used, at in (("other-secret", now), (secret, now.replace(year=now.year + 1))):
        with pytest.raises(meta_callbacks.InvalidSignedRequest):
            meta_callbacks.verify(signed, secret_used, at)
    with pytest.raises(meta_callbacks.InvalidSignedRequest):
        meta_callbacks.verify(signed, "", now)


@pytest.fixture
def quick_meta(quick):
    """Embedded, the store fed by hand, and alice's Instagram connected."""
    connection_id, _ = connect(quick, "instagram", account="alice")
    return quick, connection_id
