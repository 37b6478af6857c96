"""Who a token belongs to: the identity endpoint every OAuth network shares.

The token must be this network's, alive, and carry one of the scope groups the
network demands (`Network.identity_scopes`, e.g. X's tweet.read + users.read,
YouTube's youtube.readonly); the answer's shape comes from `profiles.py`.
"""
from __future__ import annotations

from flask import jsonify, request

from provider_sandbox import accounts, credentials, faults
from provider_sandbox.errors import SandboxError
from provider_sandbox.profiles import Who
from provider_sandbox.state import sandbox


def profile(net, instance: str = ""):
    sb = sandbox()
    faults.apply(net.id, "identity", api=True)
    token, grant = credentials.live_token(net, instance, credentials.presented_token(net.family == "meta"),
                                          "access", "page")
    if net.identity_scopes and not any(set(group) <= set(grant.scopes) for group in net.identity_scopes):
        needed = " or ".join("+".join(group) for group in net.identity_scopes)
        raise SandboxError("insufficient_scope", f"Request had insufficient authentication scopes "
                                                 f"(needs {needed}).", api=True)
    account = sb.accounts[grant.account]
    managed = accounts.pages(account.name, sandbox().config["pages_per_account"])
    page = next((p for p in managed if p["id"] == token.page_id), None)
    sb.count(net.id, "identity")
    return jsonify(net.identity(Who(account.name, account.id, grant.scopes, request.args, instance, page)))
