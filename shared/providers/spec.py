"""The shape of one network's entry in the catalogue: plain, frozen data.

Every URL is the platform's real one; `registry.py` turns it into the sandbox's
or an operator's override. Quirks that data can't express are small functions in
`quirks.py`, named by the spec that uses them. `Renewal` holds how the network's
access is kept alive; the token refresher plans its work from it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
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


# How a network's access is renewed.
OAUTH_REFRESH = "oauth_refresh"      # refresh-token grant at the token endpoint
META_LONG_LIVED = "meta_long_lived"  # ig_refresh_token / th_refresh_token on the token itself
REAUTH_ONLY = "reauth_only"          # no refresh token: the user reconnects ahead of expiry (LinkedIn)
NEVER_EXPIRES = "never_expires"      # a health check now and then (Facebook Pages, Mastodon)
BLUESKY_SESSION = "bluesky_session"  # com.atproto.server.refreshSession

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True)
class Renewal:
    """How a network's tokens live and are renewed (the facts; the refresher's policy plans from them)."""
    strategy: str = OAUTH_REFRESH
    lead: timedelta = 10 * MINUTE        # renew this long before expiry (at most half the token's life)
    min_age: timedelta = timedelta(0)    # the platform refuses to renew younger tokens
    lifetime: timedelta | None = None    # assumed when the platform didn't say
    idle_limit: timedelta | None = None  # tokens unused this long may be dropped → keep-alive
    rotates: bool = False                # a refresh spends the old refresh token (no grace)


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
    pkce_encoding: str = "base64url"  # of the S256 challenge: RFC 7636's base64url, or "hex" (TikTok)
    # What a disconnect sends the revoke endpoint, in order (RFC 7009: the refresh token ends the grant),
    # and whether the token must still be live (an expired access token is refreshed first).
    revoke_tokens: tuple[str, ...] = ("refresh_token", "access_token")
    revoke_needs_live_token: bool = False
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
    # Endpoints only the refresher calls: Meta's self-refresh of a long-lived token, and the
    # cheap call that tells a token that never expires still works (None: the identity call).
    refresh_url: str | None = None
    health_url: str | None = None
    renewal: Renewal = field(default_factory=Renewal)
    signed_callbacks: bool = False  # Meta's deauthorize / data-deletion signed_request callbacks
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
