"""What Post Mate knows about each network, in one place.

- `catalog.py`: one declarative entry per network (endpoints including the refresh and
  health-check URLs, scopes with the reason for each, quirks, how tokens live). Its
  `CATALOG` is the one list of networks; `networks()` and `spec()` read it.
- `registry.py`: the catalogue resolved against Settings (live / sandbox /
  unconfigured, client credentials, URL overrides).
- `tokens.py`: token answers normalised into the credentials the store keeps.
- `errors.py`: every network's error shapes, read one way.
- `egress.py`: the only way to reach a host a user named (Mastodon instances,
  Bluesky PDSes): public https only, pinned, no redirects.

The auth-gateway speaks OAuth to the platforms through Authlib, the token
refresher through urllib3; both read their facts from here and neither imports
the other.
"""
from __future__ import annotations

from shared.providers import catalog
from shared.providers.catalog import GRAPH_API_VERSION  # noqa: F401 (the default of the one setting)
from shared.providers.spec import Account, ProviderSpec, Scope


def specs() -> tuple[ProviderSpec, ...]:
    return catalog.CATALOG


def networks() -> tuple[str, ...]:
    """Every network Post Mate connects, in the catalogue's order."""
    return tuple(spec.id for spec in catalog.CATALOG)


def spec(network: str) -> ProviderSpec:
    for candidate in catalog.CATALOG:
        if candidate.id == network:
            return candidate
    raise KeyError(network)


def name(network: str) -> str:
    """The network's display name ("TikTok"); an unknown id is shown capitalised."""
    try:
        return spec(network).name
    except KeyError:
        return network.capitalize()


__all__ = ["Account", "ProviderSpec", "Scope", "name", "networks", "spec", "specs"]
