"""Internal HTTP: the gateway reserves and frees places, billing sets plans,
the gateway and the dashboard read quotas. Views only translate."""
from __future__ import annotations

from flask import Blueprint, current_app

from plan_limits import decisions, quotas
from plan_limits.domain import OverPlanLimit, Quota, UnknownPlan
from shared import providers
from shared.web import ApiError, json_body, require_token

api = Blueprint("plan_limits", __name__)


def _deps():
    return current_app.extensions["deps"]


def present(quota: Quota) -> dict:
    upgrade = {"plan": quota.plan.upgrade_to} if quota.plan.upgrade_to else None
    return {"user_id": quota.user_id, "plan": quota.plan.name, "used": quota.used, "reserved": quota.reserved,
            "limit": quota.plan.socket_limit, "available": quota.available, "upgrade": upgrade}


# -- errors: written once ---------------------------------------------------
@api.errorhandler(OverPlanLimit)
def _plan_limit(exc: OverPlanLimit):
    body = present(exc.quota)
    return ApiError(403, "plan_limit", str(exc), **{k: body[k] for k in ("plan", "used", "limit", "reserved",
                                                                          "upgrade")}).response()


@api.errorhandler(UnknownPlan)
def _unknown_plan(exc: UnknownPlan):
    return ApiError(400, "unknown_plan", str(exc), plans=exc.known).response()


# -- input ----------------------------------------------------------------
def _text(body: dict, name: str, max_length: int, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "invalid_request", f"'{name}' must be a non-empty string.")
    if len(value) > max_length:
        raise ApiError(400, "invalid_request", f"'{name}' must be at most {max_length} characters long.")
    return value


def _only(body: dict, *allowed: str) -> dict:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise ApiError(400, "invalid_request", f"Unknown field(s): {', '.join(unknown)}; "
                                               f"this endpoint takes {', '.join(allowed)}.")
    return body


def _user(user_id: str) -> str:
    return _text({"user_id": user_id}, "user_id", 200)


# -- routes ---------------------------------------------------------------
@api.put("/v1/users/<path:user_id>/plan")  # path: a user id may hold a "/" (sent as %2F)
def set_plan(user_id: str):
    require_token(_deps().settings.billing_token)
    plan = _text(_only(json_body(), "plan"), "plan", 32)
    return present(_deps().call(quotas.set_plan, _user(user_id), plan))


@api.get("/v1/users/<path:user_id>/quota")
def quota(user_id: str):
    settings = _deps().settings
    require_token(settings.internal_token, settings.dashboard_token)
    return present(_deps().call(quotas.quota_of, _user(user_id)))


@api.post("/v1/reservations")
def reserve():
    require_token(_deps().settings.internal_token)
    body = _only(json_body(), "user_id", "network", "reconnect_connection_id")
    user_id, network = _text(body, "user_id", 200), _text(body, "network", 32)
    if network not in providers.networks():
        raise ApiError(400, "unknown_network", f"'{network}' is not a network Post Mate connects.")
    reconnect = _text(body, "reconnect_connection_id", 64, required=False)
    reservation = _deps().call(decisions.reserve, user_id, network, reconnect)
    return {"reservation_id": reservation.id, "expires_at": reservation.expires_at.isoformat(),
            "kind": reservation.kind}, 201


@api.delete("/v1/reservations/<reservation_id>")
def release(reservation_id: str):
    require_token(_deps().settings.internal_token)
    _deps().call(decisions.release, reservation_id)
    return "", 204
