"""The sandbox's own JSON API, under `{base}/_sandbox/`, for tests and for people clicking through.

GET  stats             counters per network, refreshes per token family and per account
GET  faults            the active fault rules
POST faults            {network, endpoint, mode, retry_after?, count?, delay_s?, status?}
POST revoke            {network, account, reason?, app_password?}: the account revoked us at the provider
POST meta/deauthorize  {network, account, callback_url, app_secret, kind, revoke?}: Meta's signed_request callback
POST clock             {advance_s}: move the sandbox's clock (token ages and expiries)
POST reset             forget everything
GET  accounts          accounts and what each granted
"""
from __future__ import annotations

import math

import requests
from flask import Blueprint, jsonify, request

from provider_sandbox import accounts, faults, meta_signed_request
from provider_sandbox.errors import SandboxError
from provider_sandbox.networks import ALL_NETWORKS, NETWORKS
from provider_sandbox.revocation import revoke_account
from provider_sandbox.state import Sandbox, sandbox

blueprint = Blueprint("sandbox_admin", __name__)
EVENTS = ("authorize", "denied", "token", "exchange", "refresh", "revoke", "identity", "errors", "faults")
META_NETWORKS = ("facebook", "instagram", "threads")
REVOKE_REASONS = ("revoked", "removed_app", "password_changed")


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise SandboxError("invalid_request", "Send a JSON object.")
    return body


def _account(sb: Sandbox, body: dict, networks=ALL_NETWORKS):
    if body.get("network") not in networks:
        raise SandboxError("invalid_request", f"network must be one of {', '.join(networks)}")
    account = sb.find_account(str(body.get("account") or ""))
    if account is None:
        raise SandboxError("not_found", f"No sandbox account {body.get('account')!r}.")
    return account


@blueprint.get("/stats")
def stats():
    sb = sandbox()
    with sb.lock:
        networks = {n: {event: 0 for event in EVENTS} for n in ALL_NETWORKS}
        for (network, event), count in sb.counters.items():
            networks.setdefault(network, {})[event] = count
        families = [{"family": f, "network": n, "account": a, "refreshes": sb.family_refreshes[f]}
                    for f, (n, a) in sb.families.items()]
    by_account: dict[str, dict[str, int]] = {}
    for family in families:
        per_network = by_account.setdefault(family["network"], {})
        per_network[family["account"]] = per_network.get(family["account"], 0) + family["refreshes"]
    return jsonify({"networks": networks, "refreshes_by_account": by_account, "families": families})


@blueprint.get("/faults")
def list_faults():
    return jsonify({"faults": faults.describe(sandbox())})


@blueprint.post("/faults")
def set_fault():
    return jsonify({"faults": faults.configure(sandbox(), request.get_json(silent=True))})


@blueprint.post("/revoke")
def revoke():
    sb, body = sandbox(), _body()
    account = _account(sb, body)
    reason = body.get("reason", "revoked")
    if reason not in REVOKE_REASONS:
        raise SandboxError("invalid_request", f"reason must be one of {', '.join(REVOKE_REASONS)}")
    return jsonify({"network": body["network"], "account": account.name,
                    **revoke_account(sb, body["network"], account.name, reason, body.get("app_password"))})


@blueprint.post("/meta/deauthorize")
def meta_deauthorize():
    sb, body = sandbox(), _body()
    account = _account(sb, body, META_NETWORKS)
    url, secret, kind = body.get("callback_url"), body.get("app_secret"), body.get("kind", "deauthorize")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")) or not secret:
        raise SandboxError("invalid_request", "callback_url (http/https) and app_secret are required.")
    if kind not in ("deauthorize", "data_deletion"):
        raise SandboxError("invalid_request", "kind must be deauthorize or data_deletion.")
    # The user removed the app first; Meta tells the app afterwards.
    revoked = revoke_account(sb, body["network"], account.name, "removed_app") if body.get("revoke", True) else {}
    payload = meta_signed_request.payload(account.id, sb.now())
    signed = meta_signed_request.sign(payload, str(secret))
    try:
        answer = meta_signed_request.deliver(url, signed, sb.config["callback_timeout_s"])
    except requests.RequestException as exc:  # the callback's problem: reported back, not a sandbox error
        raise SandboxError("callback_failed", f"{type(exc).__name__}: {exc}", status=502) from None
    try:
        answered = answer.json()
    except ValueError:
        answered = answer.text
    return jsonify({"kind": kind, "signed_request": signed, "payload": payload, "revoked": revoked,
                    "callback": {"status": answer.status_code, "body": answered}})


@blueprint.post("/clock")
def clock():
    sb, body = sandbox(), _body()
    try:
        advance = float(body.get("advance_s", 0))
    except (TypeError, ValueError):
        advance = math.nan
    if not math.isfinite(advance):
        raise SandboxError("invalid_request", "advance_s must be a number of seconds.")
    with sb.lock:
        sb.clock_offset += advance
    return jsonify({"now": sb.now(), "offset_s": sb.clock_offset})


@blueprint.post("/reset")
def reset():
    sandbox().reset()
    return jsonify({"reset": True})


@blueprint.get("/accounts")
def list_accounts():
    sb = sandbox()
    with sb.lock:
        listed = []
        for account in sb.accounts.values():
            grants = [{"network": g.network, "instance": g.instance or None, "client_id": g.client_id,
                       "scopes": list(g.scopes), "pages": list(g.pages), "revoked": g.revoked_reason}
                      for g in sb.grants.values() if g.account == account.name]
            sessions = sum(1 for s in sb.sessions.values() if s.account == account.name and not s.revoked)
            listed.append({"name": account.name, "id": account.id, "did": accounts.did(account.name),
                           "bluesky_handle": account.handle, "grants": grants, "bluesky_sessions": sessions,
                           "facebook_pages": accounts.pages(account.name, sb.config["pages_per_account"])})
    return jsonify({"accounts": listed, "networks": [*NETWORKS, "bluesky"]})
