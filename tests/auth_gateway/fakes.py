"""A small, real plan-limits over HTTP for testing the gateway alone.

It follows the plan-limits contract the gateway relies on:
- POST /v1/reservations {user_id, network, reconnect_connection_id?}
  → 201 {reservation_id, expires_at, kind} or 403 {error: "plan_limit", message, plan, used, limit, reserved}
- DELETE /v1/reservations/<id> → 204 (404 when unknown)
- GET /v1/users/<user>/quota → {plan, used, reserved, limit, available, upgrade}
A reconnect is always approved. Tests set `used[user]` and `limit`, and read
`live` and `released` to see what the gateway reserved and freed.
"""
from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone

from flask import Flask, jsonify, request

UPGRADE = {"plan": "pro", "url": "https://post-mate.example/upgrade"}


class FakePlanLimits:
    def __init__(self, limit: int | None = 15, token: str = "dev-internal-token"):
        self.limit, self.token = limit, token
        self.used: dict[str, int] = {}
        self.live: dict[str, dict] = {}  # reservation id → request body
        self.released: list[str] = []
        self.denied = 0
        self._lock = threading.Lock()

    def reserved(self, user_id: str) -> int:
        return sum(1 for r in self.live.values() if r["user_id"] == user_id and not r.get("reconnect_connection_id"))

    def quota(self, user_id: str) -> dict:
        used, reserved = self.used.get(user_id, 0), self.reserved(user_id)
        available = None if self.limit is None else max(0, self.limit - used - reserved)
        return {"plan": "creator" if self.limit else "pro", "used": used, "reserved": reserved,
                "limit": self.limit, "available": available, "upgrade": UPGRADE}

    def app(self) -> Flask:
        app = Flask("fake-plan-limits")

        @app.before_request
        def _auth():
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                return jsonify(error="unauthorized", message="service token required"), 401

        @app.post("/v1/reservations")
        def reserve():
            body = request.get_json()
            with self._lock:
                quota = self.quota(body["user_id"])
                if not body.get("reconnect_connection_id") and quota["available"] == 0:
                    self.denied += 1
                    return jsonify(error="plan_limit", message=f"Your {quota['plan']} plan allows {self.limit} "
                                   "connected accounts.", plan=quota["plan"], used=quota["used"],
                                   limit=self.limit, reserved=quota["reserved"]), 403
                reservation_id = str(uuid.uuid4())
                self.live[reservation_id] = body
            expires = datetime.now(timezone.utc) + timedelta(minutes=20)
            kind = "reconnect" if body.get("reconnect_connection_id") else "new"
            return jsonify(reservation_id=reservation_id, expires_at=expires.isoformat(), kind=kind), 201

        @app.delete("/v1/reservations/<reservation_id>")
        def release(reservation_id):
            with self._lock:
                if self.live.pop(reservation_id, None) is None:
                    return jsonify(error="not_found", message="no such reservation"), 404
                self.released.append(reservation_id)
            return "", 204

        @app.get("/v1/users/<user_id>/quota")
        def quota(user_id):
            return jsonify(self.quota(user_id))

        return app
