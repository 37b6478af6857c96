"""plan-limits over internal HTTP: reserve a socket for an attempt, release it, read the quota.

Fail closed: when plan-limits can't be reached a connect is refused (503), never
approved blindly; the networks list still renders, marked unknown.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import quote

import requests

log = logging.getLogger(__name__)
TIMEOUT_S = 3.0


class PlanLimitReached(Exception):
    def __init__(self, body: dict):
        super().__init__(body.get("message", "plan limit reached"))
        self.body = body


class PlanLimitsUnavailable(Exception):
    pass


@dataclass(frozen=True)
class Reservation:
    id: str
    expires_at: str
    kind: str


class HttpPlanLimits:
    def __init__(self, base_url: str, token: str):
        self.base_url, self.http = base_url.rstrip("/"), requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def reserve(self, user_id: str, network: str, reconnect_connection_id: str | None = None) -> Reservation:
        body = {"user_id": user_id, "network": network}
        if reconnect_connection_id:
            body["reconnect_connection_id"] = reconnect_connection_id
        try:
            response = self.http.post(f"{self.base_url}/v1/reservations", json=body, timeout=TIMEOUT_S)
            answer = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise PlanLimitsUnavailable(exc.__class__.__name__) from None
        if response.status_code == 403 and answer.get("error") == "plan_limit":
            raise PlanLimitReached(answer)
        if response.status_code not in (200, 201) or not answer.get("reservation_id"):
            raise PlanLimitsUnavailable(f"HTTP {response.status_code}")
        return Reservation(answer["reservation_id"], answer.get("expires_at", ""), answer.get("kind", ""))

    def release(self, reservation_id: str) -> bool:
        """True once plan-limits no longer holds the reservation (404: already gone)."""
        try:
            response = self.http.delete(f"{self.base_url}/v1/reservations/{quote(reservation_id, safe='')}", timeout=TIMEOUT_S)
        except requests.RequestException as exc:
            log.warning("could not release reservation %s: %s", reservation_id, exc.__class__.__name__)
            return False
        return response.status_code in (200, 204, 404)

    def quota(self, user_id: str) -> dict | None:
        """{plan, used, reserved, limit, available, upgrade}, or None when plan-limits can't say."""
        try:
            response = self.http.get(f"{self.base_url}/v1/users/{quote(user_id, safe='')}/quota", timeout=TIMEOUT_S)
            return response.json() if response.status_code == 200 else None
        except (requests.RequestException, ValueError):
            return None
