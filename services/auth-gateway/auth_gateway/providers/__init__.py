"""The provider registry: one declarative entry per network (`catalog.py`),
resolved against Settings (`registry.py`: live / sandbox / unconfigured, URL and
credential overrides), spoken to through Authlib (`client.py`), with per-network
quirks in `quirks.py`, token normalisation in `tokens.py`, error shapes in `errors.py`."""
from auth_gateway.providers.client import AppCredentials, OAuthClient
from auth_gateway.providers.errors import ProviderError
from auth_gateway.providers.registry import LIVE, SANDBOX, UNCONFIGURED, Provider, Registry, UnknownNetwork
from auth_gateway.providers.spec import Account, ProviderSpec, Scope

__all__ = ["Account", "AppCredentials", "LIVE", "OAuthClient", "Provider", "ProviderError", "ProviderSpec",
           "Registry", "SANDBOX", "Scope", "UNCONFIGURED", "UnknownNetwork"]
