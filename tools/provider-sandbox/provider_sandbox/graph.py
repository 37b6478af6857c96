"""Facebook Graph extras: the Pages a login granted (with Page tokens), and removing the app.

`GET /{user}/accounts` lists only the Pages ticked on the consent page. Page
tokens made from a long-lived user token never expire; from a short-lived one
they die with it (as on Facebook). `DELETE /{user}/permissions` removes the app:
every grant of that user to that client is revoked (error 190 / subcode 458 after).
"""
from __future__ import annotations

import base64

from flask import jsonify, request

from provider_sandbox import accounts, credentials, faults, issuing
from provider_sandbox.errors import SandboxError
from provider_sandbox.revocation import revoke_grant
from provider_sandbox.state import sandbox

PAGE_TASKS = ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"]


def _user_token(net, user_id: str, *, api: bool = True):
    token, grant = credentials.live_token(net, "", credentials.presented_token(allow_query=True), "access", api=api)
    account = sandbox().accounts[grant.account]
    if user_id not in ("me", account.id):
        raise SandboxError("invalid_request", f"Unsupported request. Object with ID '{user_id}' does not exist, "
                                              "cannot be loaded due to missing permissions, or does not support "
                                              "this operation.", api=api)
    return token, grant, account


def pages(net, user_id: str):
    sb = sandbox()
    faults.apply(net.id, "identity", api=True)
    user_token, grant, account = _user_token(net, user_id)
    if "pages_show_list" not in grant.scopes:
        raise SandboxError("insufficient_scope", "(#200) Requires pages_show_list permission to manage the object",
                           api=True)
    # From a long-lived user token a Page token never expires; from a short-lived one it dies with it.
    seconds = None if user_token.stage == "long" else issuing.remaining(sb, user_token)
    granted = [page for page in accounts.pages(account.name, sb.config["pages_per_account"])
               if page["id"] in grant.pages]
    # Pages come PAGE_SIZE at a time with cursors, and `next` only while more follow (Graph API paging,
    # developers.facebook.com/docs/graph-api/results; default 25). A bigger `limit` is not honoured here,
    # so a reader of the first page alone is caught.
    start = _offset(request.args.get("after"))
    size = min(PAGE_SIZE, max(1, _number(request.args.get("limit"), PAGE_SIZE)))
    data = []
    for page in granted[start:start + size]:
        token = issuing.mint(sb, net, grant, "page", user_token.family, seconds=seconds, page_id=page["id"])
        data.append({"access_token": token.value, "category": "Sandbox", "name": page["name"],
                     "id": page["id"], "tasks": PAGE_TASKS})
    sb.count(net.id, "identity")
    paging = {"cursors": {"before": _cursor(start), "after": _cursor(start + len(data))}}
    if start + size < len(granted):
        paging["next"] = f"{request.base_url}?limit={size}&after={_cursor(start + size)}"
    return jsonify({"data": data, "paging": paging})


PAGE_SIZE = 25


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return max(0, int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition(":")[2]))
    except ValueError:
        raise SandboxError("invalid_request", "(#100) Invalid cursor", api=True) from None


def _number(raw: str | None, default: int) -> int:
    try:
        return int(raw) if raw else default
    except ValueError:
        return default


def delete_permissions(net, user_id: str):
    sb = sandbox()
    faults.apply(net.id, "revoke")
    _, grant, account = _user_token(net, user_id, api=False)
    with sb.lock:
        granted = [g for g in sb.grants.values()
                   if g.network == net.id and g.account == account.name and g.client_id == grant.client_id]
        for each in granted:
            revoke_grant(sb, each, "removed_app")
    sb.count(net.id, "revoke")
    return jsonify({"success": True})
