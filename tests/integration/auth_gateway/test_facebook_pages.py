"""Facebook: one Page = one connection = one socket; only granted Pages are offered."""
from __future__ import annotations

import json

import requests

from shared.providers import GRAPH_API_VERSION as GRAPH
from tests.fixtures.auth_gateway import Browser, page_text


def pages_of(stack, account: str) -> list[dict]:
    listed = stack.sandbox("GET", "accounts")["accounts"]
    return next(a["facebook_pages"] for a in listed if a["name"] == account)


def choose(stack, attempt_id: str, page_ids: list) -> requests.Response:
    return stack.api("POST", f"/v1/attempts/{attempt_id}/pages", json={"page_ids": page_ids})


def test_a_single_granted_page_connects_without_asking_and_holds_the_page_token(stack):
    attempt, walk = stack.connect("facebook", account="alice")
    assert walk.response.status_code == 200
    [event] = stack.events()
    page = pages_of(stack, "alice")[0]
    assert event.provider_account_id == page["id"] and event.display_name == page["name"]
    token = stack.credentials(event)["access_token"]
    who = requests.get(f"{stack.settings.sandbox_url}/facebook/{GRAPH}/me",
                       params={"fields": "id,name", "access_token": token}, timeout=10).json()
    assert who["id"] == page["id"]  # a Page token, not the user's token
    assert stack.credentials(event)["page_id"] == page["id"] and event.token_expires_at is None


def test_several_granted_pages_are_offered_and_each_chosen_one_becomes_a_connection(make_stack):
    stack = make_stack(sandbox={"auto_approve_pages": 3})
    attempt, walk = stack.connect("facebook", account="alice")
    assert walk.response.status_code == 200 and "Choose your Facebook Pages" in page_text(walk.response)
    view = stack.attempt(attempt["attempt_id"])
    assert view["status"] == "choose_pages" and stack.events() == []
    assert [p["id"] for p in view["pages"]] == [p["id"] for p in pages_of(stack, "alice")]
    assert "token" not in json.dumps(view)

    first, third = view["pages"][0]["id"], view["pages"][2]["id"]
    chosen = choose(stack, attempt["attempt_id"], [first, third])
    assert chosen.status_code == 200 and chosen.json()["status"] == "connected"
    events = stack.events()
    assert [e.provider_account_id for e in events] == [first, third]
    assert events[0].reservation_id == attempt["reservation"]["id"]
    assert events[1].reservation_id in stack.plans.live and events[1].reservation_id != events[0].reservation_id
    assert sorted(c["provider_account_id"] for c in stack.connections()) == sorted([first, third])
    assert choose(stack, attempt["attempt_id"], [first]).status_code == 409


def test_only_the_pages_the_login_granted_are_offered(make_stack):
    stack = make_stack()
    attempt = stack.start("facebook")
    Browser().walk(attempt["start_url"], account="bob", decision="approve", pages=[1, 3])
    offered = [p["id"] for p in stack.attempt(attempt["attempt_id"])["pages"]]
    everything = pages_of(stack, "bob")
    assert offered == [everything[0]["id"], everything[2]["id"]]
    refused = choose(stack, attempt["attempt_id"], [everything[1]["id"]])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_pages"
    assert choose(stack, attempt["attempt_id"], []).status_code == 400


def test_a_login_that_grants_no_page_fails_with_a_reason(stack):
    attempt = stack.start("facebook")
    walk = Browser().walk(attempt["start_url"], account="carol", decision="approve", pages=[])
    assert walk.response.status_code == 400
    assert stack.attempt(attempt["attempt_id"])["failure"]["code"] == "no_pages"
    assert attempt["reservation"]["id"] in stack.plans.released


def test_choosing_more_pages_than_the_plan_allows_connects_none_of_them(make_stack):
    stack = make_stack(sandbox={"auto_approve_pages": 3})
    stack.plans.used["user-1"] = 13
    attempt, _ = stack.connect("facebook", account="alice")
    ids = [p["id"] for p in stack.attempt(attempt["attempt_id"])["pages"]]
    refused = choose(stack, attempt["attempt_id"], ids)
    assert refused.status_code == 403 and refused.json()["error"] == "plan_limit" and "fewer" in refused.json()["message"]
    assert stack.events() == [] and list(stack.plans.live) == [attempt["reservation"]["id"]]
    assert choose(stack, attempt["attempt_id"], ids[:2]).status_code == 200
    assert len(stack.events()) == 2


def test_reconnecting_a_page_connects_that_page_only(make_stack):
    stack = make_stack(sandbox={"auto_approve_pages": 2})
    attempt, _ = stack.connect("facebook", account="alice")
    page = stack.attempt(attempt["attempt_id"])["pages"][1]["id"]
    choose(stack, attempt["attempt_id"], [page])
    [connection] = stack.connections()

    again, walk = stack.connect("facebook", account="alice", reconnect=connection["id"])
    assert walk.response.status_code == 200
    assert stack.attempt(again["attempt_id"])["connection"]["id"] == connection["id"]
    assert [e.connection_id for e in stack.events()] == [connection["id"], connection["id"]]


def test_reconnecting_a_page_the_login_did_not_grant_is_the_wrong_account(stack):
    attempt, _ = stack.connect("facebook", account="alice")
    [connection] = stack.connections()
    again = stack.start("facebook", reconnect=connection["id"])
    walk = Browser().walk(again["start_url"], account="alice", decision="approve", pages=[2])
    assert walk.response.status_code == 409
    assert stack.attempt(again["attempt_id"])["failure"]["code"] == "wrong_account"
    assert len(stack.events()) == 1


def test_another_graph_version_moves_the_whole_connect_the_sandbox_included(make_stack):
    stack = make_stack(sandbox={"graph_version": "v27.0"}, POSTMATE_GRAPH_API_VERSION="v27.0")
    attempt, walk = stack.connect("facebook", account="alice")
    assert walk.response.status_code == 200 and len(stack.events()) == 1
    assert "/facebook/v27.0/dialog/oauth" in walk.consent_url
    old = requests.get(f"{stack.settings.sandbox_url}/facebook/{GRAPH}/me", params={"access_token": "x"}, timeout=10)
    assert old.status_code == 400 and "is not served here" in old.json()["error"]["message"]


def test_every_granted_page_is_offered_however_many_pages_the_graph_answers_in(make_stack):
    """/me/accounts answers 25 at a time with paging.next (the sandbox ignores a bigger limit, as a strict
    stand-in): a person managing 60 Pages sees all 60, not the first page of them."""
    stack = make_stack(sandbox={"pages_per_account": 60, "auto_approve_pages": 60})
    attempt, walk = stack.connect("facebook", account="alice")
    assert walk.response.status_code == 200
    offered = [p["id"] for p in stack.attempt(attempt["attempt_id"])["pages"]]
    assert offered == [p["id"] for p in pages_of(stack, "alice")] and len(offered) == 60
