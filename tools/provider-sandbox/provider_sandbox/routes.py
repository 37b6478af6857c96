"""The URL contract: network N's real endpoint `https://<host>/<path>` is served at `{base}/N/<path>`.

Mastodon is served for any server name at `{base}/mastodon/<instance>/<path>`.
Each table entry's `paths` names a role; the role picks the shared view.
"""
from __future__ import annotations

from flask import Flask, g

from provider_sandbox import (
    consent,
    graph,
    identity,
    inspection,
    mastodon,
    revocation,
    token_endpoint,
)
from provider_sandbox.networks import NETWORKS, Network

ROLES = {  # role → (view, methods); None: the network's own token_methods
    "authorize": (consent.authorize, ("GET", "POST")),
    "token": (token_endpoint.token, None),
    "exchange": (token_endpoint.long_lived, ("GET",)),
    "self_refresh": (token_endpoint.self_refresh, ("GET",)),
    "revoke": (revocation.revoke, ("POST",)),
    "identity": (identity.profile, ("GET",)),
    "pages": (graph.pages, ("GET",)),
    "permissions": (graph.delete_permissions, ("DELETE",)),
    "debug_token": (inspection.debug_token, ("GET",)),
    "introspect": (inspection.introspect, ("POST",)),
    "apps": (mastodon.register_app, ("POST",)),
}


def register_networks(app: Flask, graph_version: str) -> None:
    """Every network's routes; Meta's Graph paths at `graph_version` only, as Meta serves no version
    past its end (shared/providers/catalog.py GRAPH_API_VERSION)."""
    for net in NETWORKS.values():
        prefix = f"/{net.id}/<instance>" if net.per_instance else f"/{net.id}"
        for role, path in net.paths.items():
            view, methods = ROLES[role]
            app.add_url_rule(prefix + path.replace("{graph}", graph_version), f"{net.id}.{role}", _bind(view, net),
                             methods=list(methods or net.token_methods))


def _bind(view, net: Network):
    def bound(**path_args):
        g.network = net  # the error handler answers in this network's shape
        return view(net, **path_args)
    bound.__name__ = f"{net.id}_{view.__name__}"
    return bound


def network_of(path: str) -> Network | None:
    """The network a URL path belongs to, for errors raised before a view ran (404, 405)."""
    return NETWORKS.get(path.strip("/").split("/", 1)[0])
