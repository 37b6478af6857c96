"""plan-limits' client: reserve a socket for an attempt, release it, read the quota.

Fail closed: when plan-limits can't answer, `reserve` raises PlanLimitsUnavailable
and the connect is refused, never approved blindly; `quota` answers None (the
networks list still renders, marked unknown).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from shared.clients.internal import InternalHttp, Unreachable, path

log = logging.getLogger(__name__)


class PlanLimitsUnavailable(Exception):
    pass


class PlanLimitReached(Exception):
    """The user's plan has no socket left; `body` is plan-limits' answer (quota, upgrade link)."""

    def __init__(self, body: dict):
        super().__init__(body.get("message", "plan limit reached"))
        self.body = body


@dataclass(frozen=True)
class Reservation:
    id: str
    expires_at: str
    kind: str


class PlanLimitsClient:
    def __init__(self, base_url: str, token: str, timeout_s: float = 3.0):
        self.http = InternalHttp(base_url, token, timeout_s)

    def reserve(self, user_id: str, network: str, reconnect_connection_id: str | None = None) -> Reservation:
        body = {"user_id": user_id, "network": network}
        if reconnect_connection_id:
            body["reconnect_connection_id"] = reconnect_connection_id
        try:
            answer = self.http.call("POST", "/v1/reservations", body=body)
        except Unreachable as exc:
            raise PlanLimitsUnavailable(str(exc)) from None
        found = answer.body if isinstance(answer.body, dict) else {}
        if answer.status == 403 and found.get("error") == "plan_limit":
            raise PlanLimitReached(found)
        if answer.status not in (200, 201) or not found.get("reservation_id"):
            raise PlanLimitsUnavailable(f"HTTP {answer.status}")
        return Reservation(found["reservation_id"], found.get("expires_at", ""), found.get("kind", ""))

    def release(self, reservation_id: str) -> bool:
        """True once plan-limits no longer holds the reservation (404: already gone)."""
        try:
            answer = self.http.call("DELETE", path("/v1/reservations/{}", reservation_id))
        except Unreachable as exc:
            log.warning("could not release reservation %s: %s", reservation_id, exc)
            return False
        return answer.status in (200, 204, 404)

    def quota(self, user_id: str) -> dict | None:
        """{plan, used, reserved, limit, available, upgrade}, or None when plan-limits can't say."""
        try:
            answer = self.http.call("GET", path("/v1/users/{}/quota", user_id))
        except Unreachable:
            return None
        return answer.body if answer.status == 200 and isinstance(answer.body, dict) else None
