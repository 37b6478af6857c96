"""Drives plan-limits the way its callers do: the gateway and billing over HTTP,
the bus through the service's own Consumer. Time is a clock the test moves."""
from __future__ import annotations

import itertools
import threading
import uuid
from datetime import timedelta

import requests

from plan_limits.app import create_app
from plan_limits.bootstrap import Deps, consumer
from shared.events import (
    AccountConnected,
    AccountRevoked,
    ConnectionNeedsReauth,
    utcnow,
    version_at,
)
from tests.support import serve

_versions = itertools.count(version_at(utcnow()))


def next_version() -> int:
    return next(_versions)


def account_connected(user_id: str, connection_id: str | None = None, *, version: int | None = None,
                      reservation_id: str | None = None, network: str = "instagram") -> AccountConnected:
    connection_id = connection_id or f"conn-{uuid.uuid4().hex[:12]}"
    return AccountConnected(producer="auth-gateway", user_id=user_id, connection_id=connection_id, network=network,
                            version=version or next_version(), provider_account_id=connection_id,
                            handle=f"@{connection_id}", credentials="v1.test.not-a-real-ciphertext",
                            reservation_id=reservation_id)


def account_revoked(user_id: str, connection_id: str, *, version: int | None = None) -> AccountRevoked:
    return AccountRevoked(producer="auth-gateway", user_id=user_id, connection_id=connection_id, network="instagram",
                          version=version or next_version(), reason="user_disconnected")


def needs_reauth(user_id: str, connection_id: str, *, version: int | None = None) -> ConnectionNeedsReauth:
    return ConnectionNeedsReauth(producer="token-refresher", user_id=user_id, connection_id=connection_id,
                                 network="instagram", version=version or next_version(),
                                 reason="refresh_token_expired", message="Reconnect this account to keep posting.")


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class PlanLimits:
    def __init__(self, deps: Deps):
        self.deps, self.settings = deps, deps.settings
        self.app = create_app(deps=deps)
        self.http = self.app.test_client()
        self.consumer = consumer(deps)

    def bearer(self, who: str = "gateway") -> dict:
        token = {"gateway": self.settings.internal_token, "billing": self.settings.billing_token,
                 "dashboard": self.settings.dashboard_token}.get(who, who)
        return {"Authorization": f"Bearer {token}"}

    # -- HTTP, as the gateway and billing call it ----------------------------
    def reserve(self, user_id: str, network: str = "instagram", reconnect: str | None = None):
        body = {"user_id": user_id, "network": network}
        if reconnect:
            body["reconnect_connection_id"] = reconnect
        return self.http.post("/v1/reservations", json=body, headers=self.bearer())

    def release(self, reservation_id: str):
        return self.http.delete(f"/v1/reservations/{reservation_id}", headers=self.bearer())

    def set_plan(self, user_id: str, plan: str):
        return self.http.put(f"/v1/users/{user_id}/plan", json={"plan": plan}, headers=self.bearer("billing"))

    def quota(self, user_id: str) -> dict:
        response = self.http.get(f"/v1/users/{user_id}/quota", headers=self.bearer())
        assert response.status_code == 200, response.json
        return response.json

    def reserve_concurrently(self, user_id: str, count: int) -> list[requests.Response]:
        """`count` reservations at once, each its own HTTP call to a real server."""
        start, answers = threading.Barrier(count), []

        def one(base: str) -> None:
            start.wait()
            answers.append(requests.post(f"{base}/v1/reservations", json={"user_id": user_id, "network": "x"},
                                         headers=self.bearer(), timeout=60))

        with serve(self.app) as base:
            threads = [threading.Thread(target=one, args=(base,)) for _ in range(count)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(90)
        assert len(answers) == count
        return answers

    # -- the bus ------------------------------------------------------------
    def apply(self, *events) -> list[str]:
        """Each event through the service's Consumer: 'applied' or 'duplicate'."""
        return [self.consumer.apply(event) for event in events]

    def holding(self, user_id: str, sockets: int) -> list[str]:
        """Give the user `sockets` connected accounts; returns their connection ids."""
        events = [account_connected(user_id) for _ in range(sockets)]
        self.apply(*events)
        return [event.connection_id for event in events]
