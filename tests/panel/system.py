"""The whole system for the panel's browser tests, started by the test itself.

Every service's own app factory is served on a free loopback port in this
process (`tests.support.serve`), and every worker loop the journey needs runs in
a thread (`tests.support.running`): the gateway's outbox relay, attempt
sweeper and platform revoker, and the connection-store and plan-limits consumers. Embedded backend
(SQLite files and the filesystem bus under the test's tmp folder); the provider
sandbox stands in for every network, as in `make run`.
"""
from __future__ import annotations

from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

import requests

from shared.config import Settings, load_settings
from shared.manage import declare_bus, migrate_services
from tests.conftest import free_port
from tests.support import running, serve

PARTS = ("token-refresher", "auth-gateway", "connection-store", "plan-limits", "provider-sandbox", "panel")


def system_env(make_env, **extra: str) -> dict[str, str]:
    """An embedded environment where every part knows where the others listen."""
    urls = {part: f"http://127.0.0.1:{free_port()}" for part in PARTS}
    env = {f"POSTMATE_{part.upper().replace('-', '_')}_URL": url for part, url in urls.items()}
    env.update({
        "POSTMATE_PUBLIC_URL": urls["auth-gateway"],
        "POSTMATE_SANDBOX_URL": urls["provider-sandbox"],
        "POSTMATE_ALLOWED_RETURN_ORIGINS": urls["panel"],
        "POSTMATE_BLUESKY_ALLOW_PRIVATE_SERVICE": "1",
        "POSTMATE_DASHBOARD_TOKEN": "panel-test-dashboard-token",
        "POSTMATE_BILLING_TOKEN": "panel-test-billing-token",
        "POSTMATE_INTERNAL_TOKEN": "panel-test-internal-token",
        "POSTMATE_RELAY_POLL_S": "0.01",
    })
    env.update(extra)
    return make_env("embedded", **env)


@dataclass
class System:
    settings: Settings

    def url(self, part: str) -> str:
        return self.settings.service_url(part)

    @property
    def panel(self) -> str:
        return self.url("panel")

    def gateway(self, method: str, path: str, user: str, **kwargs) -> requests.Response:
        """The gateway's dashboard API, as the panel's server calls it."""
        headers = {"Authorization": f"Bearer {self.settings.dashboard_token}", "X-PostMate-User": user}
        return requests.request(method, self.url("auth-gateway") + path, headers=headers, timeout=15, **kwargs)

    def set_plan(self, user: str, plan: str) -> None:
        """What billing does when a user upgrades or downgrades."""
        response = requests.put(f"{self.url('plan-limits')}/v1/users/{user}/plan", json={"plan": plan},
                                headers={"Authorization": f"Bearer {self.settings.billing_token}"}, timeout=5)
        response.raise_for_status()

    def quota(self, user: str) -> dict:
        response = requests.get(f"{self.url('plan-limits')}/v1/users/{user}/quota",
                                headers={"Authorization": f"Bearer {self.settings.internal_token}"}, timeout=5)
        response.raise_for_status()
        return response.json()

    def connections(self, user: str) -> list[dict]:
        response = self.gateway("GET", "/v1/connections", user)
        response.raise_for_status()
        return response.json()["connections"]

    def has_route(self, method: str, path: str, user: str = "probe-user") -> bool:
        """Whether the gateway has landed a dashboard route yet (a generic 404/405 means not)."""
        response = self.gateway(method, path, user, json={})
        return not (response.status_code in (404, 405) and
                    response.json().get("error") in ("not_found", "method_not_allowed"))


def _apps(settings: Settings, env: dict[str, str]) -> tuple[dict[str, object], list[Callable]]:
    """Each part's app and the worker loops the system needs, all from the services' own factories."""
    from auth_gateway.app import create_app as gateway_app
    from auth_gateway.bootstrap import attempt_sweeper, platform_revoker, relay
    from auth_gateway.bootstrap import bootstrap as gateway_bootstrap
    from connection_store.app import create_app as store_app
    from connection_store.bootstrap import bootstrap as store_bootstrap
    from connection_store.bootstrap import consumer as store_consumer
    from panel.app import create_app as panel_app
    from plan_limits.app import create_app as plans_app
    from plan_limits.bootstrap import bootstrap as plans_bootstrap
    from plan_limits.bootstrap import consumer as plans_consumer
    from provider_sandbox.app import create_app as sandbox_app
    from provider_sandbox.config import config_from_env as sandbox_config
    from token_refresher.app import create_app as refresher_app
    from token_refresher.bootstrap import bootstrap as refresher_bootstrap
    from token_refresher.bootstrap import consumer as refresher_consumer

    gateway, store, plans = gateway_bootstrap(settings), store_bootstrap(settings), plans_bootstrap(settings)
    refresher = refresher_bootstrap(settings)
    apps = {"auth-gateway": gateway_app(settings, gateway), "connection-store": store_app(settings, store),
            "plan-limits": plans_app(settings, plans), "provider-sandbox": sandbox_app(sandbox_config(env)),
            "panel": panel_app(settings), "token-refresher": refresher_app(settings, refresher)}
    loops = [relay(gateway).run, attempt_sweeper(gateway, 0.2), platform_revoker(gateway, 0.2),
             store_consumer(store).run, plans_consumer(plans).run, refresher_consumer(refresher).run]
    return apps, loops


@contextmanager
def start_system(env: dict[str, str]) -> Iterator[System]:
    settings = load_settings(env)
    migrate_services(settings)
    declare_bus(settings)
    apps, loops = _apps(settings, env)
    with ExitStack() as stack:
        for part, app in apps.items():
            stack.enter_context(serve(app, _port(settings.service_url(part))))
        stack.enter_context(running(*loops))
        yield System(settings)


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/", 1)[0])
