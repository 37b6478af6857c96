"""The shape of one network's entry in the registry: plain, frozen data.

Every URL is the platform's real one; `settings.py` in this package turns it into
the sandbox's or an operator's override. Quirks that data can't express are
small functions in `quirks.py`, named by the spec that uses them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping


@dataclass(frozen=True)
class Scope:
    name: str
    reason: str  # a sentence for the user: what Post Mate does with it
    promised: bool = True  # False: the platform needs it for the same job (providers.md §2)


@dataclass(frozen=True)
class IdentityCall:
    """Who connected: one GET, and where the answer keeps id, handle and name (dotted paths)."""
    url: str
    params: Mapping[str, str] = field(default_factory=dict)
    id: str = "id"
    handle: str = "username"
    name: str = "name"
    token_in: str = "header"  # "header" (Bearer) | "query" (Graph APIs: ?access_token=…)
    at_handle: bool = True  # the handle is an @username (False: a display name, e.g. LinkedIn)
    missing: str = "no_account"  # failure code when the answer names no account


@dataclass(frozen=True)
class LongLivedExchange:
    """Meta's short → long-lived swap: a GET with the app secret and the short token."""
    url: str
    grant_type: str  # ig_exchange_token | th_exchange_token | fb_exchange_token
    token_param: str = "access_token"  # Facebook names it fb_exchange_token
    send_client_id: bool = False


@dataclass(frozen=True)
class ProviderSpec:
    id: str
    name: str
    auth_kind: str = "oauth"  # oauth | app_password
    authorize_url: str = ""
    token_url: str = ""
    revoke_url: str | None = None
    scopes: tuple[Scope, ...] = ()
    scope_separator: str = " "
    pkce: bool = False  # S256, only where the platform documents it
    client_auth: str = "body"  # body | basic | query (credentials on a GET token endpoint)
    client_id_param: str = "client_id"  # TikTok: client_key
    token_method: str = "POST"
    authorize_params: Mapping[str, str] = field(default_factory=dict)
    code_suffix: str = ""  # Meta appends "#_" to the redirect; it is not part of the code
    long_lived: LongLivedExchange | None = None
    identity: IdentityCall | None = None
    # Reshape a token response before Authlib reads it (e.g. Instagram's {"data": [...]}).
    token_response_fix: Callable[[dict], dict] | None = None
    # Several accounts from one login (Facebook Pages); None: the identity call's one account.
    list_accounts: Callable | None = None
    extra_urls: Mapping[str, str] = field(default_factory=dict)  # e.g. Facebook's pages list
    per_instance: bool = False  # Mastodon: the user names the host; our app is registered there
    note: str = ""  # shown in GET /v1/networks when the network works differently

    @property
    def scope_names(self) -> list[str]:
        return [scope.name for scope in self.scopes]

    def scope_string(self) -> str:
        return self.scope_separator.join(self.scope_names)


@dataclass(frozen=True)
class Account:
    """One platform account a login granted, with the token that acts for it."""
    provider_account_id: str
    handle: str
    display_name: str
    token: Mapping  # the normalised token response for this account (page token for a Facebook Page)
