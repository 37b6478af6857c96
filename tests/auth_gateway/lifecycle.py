"""What the account-lifecycle tests share: the gateway with the real store and
plan-limits behind it, and the steps of a connection's life as a user takes them."""
from __future__ import annotations

import pytest
import requests
import sqlalchemy as sa

from auth_gateway import revocations
from auth_gateway.adapters.oauth import OAuthClient, ProviderError
from auth_gateway.bootstrap import relay
from auth_gateway.tables import pending_revocations
from connection_store.bootstrap import bootstrap as store_bootstrap
from connection_store.bootstrap import consumer as store_consumer
from plan_limits.bootstrap import bootstrap as plans_bootstrap
from plan_limits.bootstrap import consumer as plans_consumer
from shared.manage import declare_bus
from shared.providers.registry import Registry
from tests.support import running, wait_for


@pytest.fixture
def system(make_stack, backend):
    """The gateway with the real store and plan-limits consuming its events over the bus."""
    stack = make_stack(backend, plans=None)
    declare_bus(stack.settings)
    loops = (relay(stack.gateway).run, store_consumer(store_bootstrap(stack.settings)).run,
             plans_consumer(plans_bootstrap(stack.settings)).run)
    with running(*loops):
        yield stack


@pytest.fixture
def quick(make_stack):
    """Embedded, with the store fed by hand: for the rules that don't need the bus."""
    stack = make_stack()
    stack.store_consumer = store_consumer(store_bootstrap(stack.settings))
    return stack


def connect(stack, network: str = "x", account: str = "alice", user: str = "user-1") -> tuple[str, dict]:
    """Connect `account` and let the store hold it; returns (connection id, its credentials)."""
    attempt, walk = stack.connect(network, account=account, user=user)
    assert walk.response.status_code == 200, walk.response.text
    connection_id = stack.attempt(attempt["attempt_id"], user=user)["connection"]["id"]
    if hasattr(stack, "store_consumer"):
        stack.store_consumer.apply(stack.events()[-1])
    held = wait_for(lambda: stored(stack, connection_id), what="the store to hold the connection")
    return connection_id, held["credentials"]


def store_get(stack, path: str) -> requests.Response:
    return requests.get(stack.settings.service_url("connection-store") + path,
                        headers={"Authorization": f"Bearer {stack.settings.internal_token}"}, timeout=10)


def stored(stack, connection_id: str) -> dict | None:
    """The store's row for the connection, credentials included."""
    response = store_get(stack, f"/v1/connections/{connection_id}/credentials")
    return response.json() if response.status_code == 200 else None


def disconnect(stack, connection_id: str, user: str = "user-1") -> requests.Response:
    return stack.api("DELETE", f"/v1/connections/{connection_id}", user=user)


def quota(stack, user: str = "user-1") -> dict:
    return stack.api("GET", "/v1/networks", user=user).json()["quota"]


def revocations_due(stack) -> int:
    return stack.gateway.call(revocations.revoke_due)


def pending(stack) -> list:
    with stack.gateway.engine.connect() as conn:
        return conn.execute(sa.select(pending_revocations)).all()


def works_at_platform(stack, network: str, credentials: dict) -> bool:
    """Whether the platform still accepts the access token (its identity call)."""
    provider = Registry(stack.settings).get(network)
    client = OAuthClient(provider, instance=credentials.get("instance") or None)
    try:
        client.get_json(client.url("identity_url"), dict(provider.spec.identity.params), credentials["access_token"],
                        provider.spec.identity.token_in)
        return True
    except ProviderError:
        return False


def revokes(stack, network: str) -> int:
    return stack.sandbox("GET", "stats")["networks"][network]["revoke"]
