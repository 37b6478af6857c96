"""End to end with the real plan-limits service: reservations become sockets
through the bus, the cap greys every network out, a reconnect at the cap still
works, and an upgrade opens the networks again."""
from __future__ import annotations

import pytest
import requests

from auth_gateway.bootstrap import relay
from auth_gateway.sweep import sweep_once
from connection_store.bootstrap import bootstrap as store_bootstrap
from connection_store.bootstrap import consumer as store_consumer
from plan_limits.bootstrap import bootstrap as plans_bootstrap
from plan_limits.bootstrap import consumer as plans_consumer
from shared.manage import declare_bus
from tests.fixtures.auth_gateway import Browser
from tests.support import running, wait_for

CREATOR_LIMIT = 15


@pytest.fixture
def system(make_stack, backend):
    stack = make_stack(backend, plans=None)
    declare_bus(stack.settings)  # as `make run` does: queues and bindings exist before anything publishes
    loops = (relay(stack.gateway).run, store_consumer(store_bootstrap(stack.settings)).run,
             plans_consumer(plans_bootstrap(stack.settings)).run)
    with running(*loops):
        yield stack


def quota(stack, user="user-1") -> dict:
    return stack.api("GET", "/v1/networks", user=user).json()["quota"]


def test_connects_fill_the_creator_plan_and_the_cap_greys_out_every_network(system):
    made = []
    for n in range(CREATOR_LIMIT):
        attempt, walk = system.connect(["x", "tiktok", "pinterest"][n % 3], account=f"acct-{n}")
        assert walk.response.status_code == 200
        made.append(system.attempt(attempt["attempt_id"])["connection"])
    wait_for(lambda: quota(system)["used"] == CREATOR_LIMIT and quota(system)["reserved"] == 0, timeout=30,
             what="plan-limits to count 15 sockets")

    refused = system.api("POST", "/v1/connections/linkedin/attempts", json={})
    assert refused.status_code == 403 and refused.json()["error"] == "plan_limit"
    networks = system.api("GET", "/v1/networks").json()["networks"]
    assert all(n["available"] is False and n["reason"] == "plan_limit" and n["upgrade"] for n in networks)

    again, walk = system.connect("x", account="acct-0", reconnect=made[0]["id"])
    assert again["reservation"]["kind"] == "reconnect" and walk.response.status_code == 200
    assert len(system.connections()) == CREATOR_LIMIT

    upgraded = requests.put(system.settings.service_url("plan-limits") + "/v1/users/user-1/plan",
                            json={"plan": "pro"}, headers={"Authorization": "Bearer dev-billing-token"}, timeout=10)
    assert upgraded.status_code == 200
    assert {n["available"] for n in system.api("GET", "/v1/networks").json()["networks"]} == {True}


def test_a_failed_or_expired_attempt_gives_its_place_back(system):
    denied = system.start("x")
    Browser().walk(denied["start_url"], account="alice", decision="deny")
    abandoned = system.start("tiktok")
    assert quota(system)["reserved"] == 1
    system.clock.advance(901)
    assert system.attempt(abandoned["attempt_id"])["status"] == "expired"
    assert system.gateway.call(sweep_once) == 1  # the worker's sweep records it and frees the socket
    now = quota(system)
    assert (now["used"], now["reserved"], now["available"]) == (0, 0, True)
