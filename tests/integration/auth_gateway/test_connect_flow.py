"""The connect journey for every network, through the provider sandbox:
start → consent → callback → connected attempt → listed at once."""
from __future__ import annotations

import json

import pytest

from auth_gateway.domain import connection_id
from shared.events import AccountConnected
from tests.fixtures.auth_gateway import DASHBOARD_ORIGIN, OAUTH_NETWORKS, Browser
from tests.unit.providers.test_registry import ALLOWED

PKCE = {"x", "tiktok", "youtube", "mastodon"}
NAMES = {"instagram": "Instagram", "facebook": "Facebook", "threads": "Threads", "tiktok": "TikTok",
         "youtube": "YouTube", "linkedin": "LinkedIn", "x": "X", "pinterest": "Pinterest", "mastodon": "Mastodon"}


@pytest.mark.parametrize("network", OAUTH_NETWORKS)
def test_every_network_connects_and_is_listed_the_moment_the_callback_returns(stack, network):
    attempt, walk = stack.connect(network, account="alice", return_to=f"{DASHBOARD_ORIGIN}/connections")

    assert walk.response.status_code == 200, walk.response.text
    assert f"Connected {NAMES[network]} account" in walk.response.text
    listed = stack.connections()  # no waiting: read-your-writes
    assert len(listed) == 1 and listed[0]["network"] == network and listed[0]["status"] == "active"
    view = stack.attempt(attempt["attempt_id"])
    assert view["status"] == "connected" and view["connection"]["id"] == listed[0]["id"]
    [event] = stack.events()
    assert isinstance(event, AccountConnected) and event.connection_id == listed[0]["id"]
    assert event.connection_id == connection_id("user-1", network, event.provider_account_id)
    assert event.attempt_id == attempt["attempt_id"] and event.reservation_id == attempt["reservation"]["id"]
    credentials = stack.credentials(event)
    assert credentials["access_token"] and credentials["scope"]
    assert credentials["access_token"] not in walk.response.text + json.dumps(view) + json.dumps(listed)


@pytest.mark.parametrize("network", OAUTH_NETWORKS)
def test_each_network_is_asked_for_exactly_its_scopes_with_pkce_where_supported(stack, network):
    _, walk = stack.connect(network)
    query = walk.consent_query
    requested = set(query["scope"].replace(",", " ").split())
    assert requested == ALLOWED[network]
    assert ("code_challenge" in query) == (network in PKCE)
    if network in PKCE:
        assert query["code_challenge_method"] == "S256"
    assert walk.response.status_code == 200  # the sandbox checked the verifier against the challenge


def test_the_callback_page_returns_to_an_allowed_origin_and_tells_the_opener(stack):
    _, walk = stack.connect("x", return_to=f"{DASHBOARD_ORIGIN}/connections")
    page = walk.response
    assert f'href="{DASHBOARD_ORIGIN}/connections"' in page.text and "window.close()" in page.text
    assert "postMessage" in page.text and f'"origin": "{DASHBOARD_ORIGIN}"' in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    assert "script-src 'nonce-" in page.headers["Content-Security-Policy"]


def test_without_return_to_the_page_is_neutral(stack):
    _, walk = stack.connect("x")
    assert "Back to Post Mate" not in walk.response.text and '"origin": null' in walk.response.text


def test_the_start_link_binds_the_attempt_with_an_httponly_lax_cookie(stack):
    attempt = stack.start("x")
    response = Browser().get(attempt["start_url"])
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert stack.attempt_row(attempt["attempt_id"]).browser_hash not in cookie  # only the hash is stored


def test_the_same_account_connected_twice_is_one_connection(stack):
    stack.connect("tiktok", account="alice")
    stack.connect("tiktok", account="alice")
    stack.connect("tiktok", account="bob")
    alice_twice = stack.events()[:2]
    assert alice_twice[0].connection_id == alice_twice[1].connection_id
    assert sorted(c["handle"] for c in stack.connections()) == ["alice", "bob"]


def test_one_account_for_two_users_is_two_connections(stack):
    stack.connect("x", account="shared", user="user-1")
    stack.connect("x", account="shared", user="user-2")
    assert len(stack.connections("user-1")) == 1 and len(stack.connections("user-2")) == 1
    first, second = stack.events()
    assert first.provider_account_id == second.provider_account_id and first.connection_id != second.connection_id


def test_mastodon_registers_once_per_instance_and_keeps_the_secret_encrypted(stack):
    import sqlalchemy as sa

    from auth_gateway.tables import mastodon_apps
    stack.connect("mastodon", account="alice", instance="https://Social.Example/")
    stack.connect("mastodon", account="bob", instance="social.example")
    with stack.gateway.engine.connect() as conn:
        [row] = conn.execute(sa.select(mastodon_apps)).all()
    assert row.instance == "social.example" and row.client_secret.startswith("v1.")
    handles = sorted(c["handle"] for c in stack.connections())
    assert all(h.endswith("@social.example") for h in handles) and len(handles) == 2


@pytest.mark.parametrize("instance, code", [
    ("", "instance_required"), ("http://mastodon.social", "invalid_instance"), ("not a host", "invalid_instance"),
    ("127.0.0.1", "invalid_instance")])
def test_a_mastodon_instance_must_be_a_server_name(stack, instance, code):
    response = stack.api("POST", "/v1/connections/mastodon/attempts", json={"instance": instance})
    assert response.status_code == 400 and response.json()["error"] == code and response.json()["message"]


@pytest.mark.parametrize("addresses, code", [(["127.0.0.1"], "instance_not_public"), ([], "instance_not_found")])
def test_outside_sandbox_mode_a_mastodon_instance_must_be_public(addresses, code):
    from types import SimpleNamespace

    from auth_gateway.mastodon import transport
    from shared.providers.egress import Egress
    from shared.web import ApiError
    from tests.fixtures.stand_ins import StaticResolver
    live = SimpleNamespace(mode="live")
    egress = Egress(StaticResolver({"social.example": addresses} if addresses else {}))
    with pytest.raises(ApiError) as refused:
        transport("social.example", live, egress)
    assert refused.value.code == code and "social.example" in refused.value.message


@pytest.mark.parametrize("network", sorted(PKCE))
def test_the_sandbox_refuses_a_code_whose_pkce_verifier_does_not_match(stack, network):
    import sqlalchemy as sa

    from auth_gateway.tables import attempts
    browser, attempt = Browser(), stack.start(network)
    walk = browser.walk(attempt["start_url"], account="alice", come_back=False)
    forged = stack.gateway.cipher.encrypt({"code_verifier": "f" * 43}, attempt["attempt_id"])
    with stack.gateway.engine.begin() as conn:
        conn.execute(sa.update(attempts).where(attempts.c.id == attempt["attempt_id"]).values(secrets=forged))
    assert browser.get(walk.callback_url).status_code == 502
    assert stack.attempt(attempt["attempt_id"])["failure"]["code"] == "platform_error"
    assert stack.events() == []


def test_instagram_logins_documented_token_shape_is_understood_too(make_stack):
    stack = make_stack(sandbox={"instagram_token_shape": "data_list"})
    _, walk = stack.connect("instagram", account="alice")
    assert walk.response.status_code == 200
    [event] = stack.events()
    credentials = stack.credentials(event)
    assert credentials["user_id"] == event.provider_account_id and event.handle == "@alice"
    assert (event.token_expires_at - event.occurred_at).days >= 59  # the long-lived token, not the one-hour one
    assert set(event.scopes) == {"instagram_business_basic", "instagram_business_content_publish"}


def test_a_user_the_plan_refuses_makes_us_register_on_no_mastodon_server(make_stack):
    """Registration (a call to a server the user names, and a row we keep) comes only after plan-limits
    said yes: an attacker at their cap can't make the gateway call servers or grow mastodon_apps."""
    import sqlalchemy as sa

    from auth_gateway.tables import mastodon_apps
    from tests.fixtures.fakes import FakePlanLimits
    stack = make_stack(plans=FakePlanLimits(limit=0))
    refused = stack.api("POST", "/v1/connections/mastodon/attempts", json={"instance": "fresh.example"})
    assert refused.status_code == 403 and refused.json()["error"] == "plan_limit"
    assert stack.sandbox("GET", "stats")["networks"]["mastodon"].get("apps", 0) == 0
    with stack.gateway.engine.connect() as conn:
        assert conn.execute(sa.select(mastodon_apps)).all() == []


def test_a_mastodon_server_that_refuses_our_registration_gives_the_socket_back(make_stack):
    from tests.support import free_port
    stack = make_stack(POSTMATE_MASTODON_APPS_URL=f"http://127.0.0.1:{free_port()}/api/v1/apps")
    refused = stack.api("POST", "/v1/connections/mastodon/attempts", json={"instance": "fresh.example"})
    assert refused.status_code == 502 and refused.json()["error"] == "instance_unavailable"
    assert stack.plans.live == {} and len(stack.plans.released) == 1
