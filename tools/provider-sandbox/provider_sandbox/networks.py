"""One declarative entry per OAuth network: paths, lifetimes, quirks, shapes.

`paths` maps a role to the network's real endpoint path; `routes.py` serves it at
`/{network}{path}` (Mastodon: `/mastodon/{instance}{path}`), so a real URL
`https://<host>/<path>` becomes `{base}/{network}/<path>`. Views are shared by
all networks; what differs lives here, and the few things a value can't say are
functions in `quirks.py`, `profiles.py` and `errors.py`. Bluesky is not OAuth and
has its own module.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from provider_sandbox import errors, profiles, quirks

DAY = 86400
GOOGLE = "https://www.googleapis.com/auth/"
META_DENY = {"error": "access_denied", "error_code": "200", "error_description": "Permissions error",
             "error_reason": "user_denied"}

# What a refusal says unless the network words it its own way.
MESSAGES = {
    "bad_code": ("invalid_grant", "The authorization code is invalid, expired or already used."),
    "pkce": ("invalid_grant", "The code_verifier does not match the code_challenge."),
    "redirect_mismatch": ("invalid_grant", "redirect_uri does not match the one used in the authorization request."),
    "bad_refresh": ("invalid_grant", "The refresh token is invalid, expired or revoked."),
}


@dataclass(frozen=True)
class Network:
    id: str
    name: str
    family: str  # "meta" (Graph errors, 190 on dead tokens) | "oauth"
    paths: Mapping[str, str]  # role → the real endpoint's path
    lifetimes: Mapping[str, int | None]  # "access", "short" (Meta), "refresh"; None: never expires
    token_fields: tuple[str, ...]  # what a code/refresh answer holds
    identity: Callable  # the identity endpoint's body (profiles.py)
    identity_scopes: tuple[tuple[str, ...], ...] = ()  # any one group, fully granted, unlocks identity
    oauth_error: Callable = errors.oauth
    api_error: Callable = errors.oauth
    token_methods: tuple[str, ...] = ("POST",)
    default_grant_type: str = ""  # Facebook's code exchange sends no grant_type
    client_id_param: str = "client_id"
    client_auth: str = "body"  # body | basic | either | basic_if_secret
    scope_split: str = " "  # regex splitting the authorize URL's scope (Meta takes commas or spaces)
    scope_separator: str = " "  # how token answers join scopes
    default_scope: str | None = None
    pkce_required: bool = False  # otherwise verified only when the authorize request sent a challenge
    pkce_methods: tuple[str, ...] = ("S256", "plain")
    pkce_encoding: str = "base64url"  # of an S256 challenge (RFC 7636); TikTok: "hex"
    refresh: str = "none"  # rotate | reuse | meta (the access token refreshes itself) | none
    issues_refresh: Callable = quirks.never
    reuse_revokes_family: bool = False
    exchange_grant: str | None = None  # Meta's short → long-lived swap
    exchange_token_param: str = "access_token"
    self_refresh_grant: str | None = None
    deny_params: Mapping[str, str] = field(default_factory=lambda: {"error": "access_denied"})
    code_suffix: str = ""
    redirect_extras: Callable | None = None
    token_shape: Callable | None = None
    messages: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    token_prefixes: tuple[str, str] = ("", "")  # (access, refresh)
    token_type: str = "bearer"
    revoke_needs_client: bool = True
    revoke_answer: dict | None = field(default_factory=dict)  # None: an empty body
    revoke_unknown_is_error: bool = False  # Google: 400 invalid_token for a token it doesn't know
    revoke_kinds: tuple[str, ...] = ("access", "refresh")  # the tokens the revoke endpoint takes
    revoke_needs_live: bool = False  # an ended token can't be revoked (TikTok's access token)
    token_error: Callable | None = None  # the token endpoint's own error shape, when it differs (Instagram)
    grants_pages: bool = False  # Facebook: the consent page also picks Pages
    per_instance: bool = False

    def message(self, situation: str) -> tuple[str, str]:
        return self.messages.get(situation, MESSAGES[situation])


INSTAGRAM = Network(
    id="instagram", name="Instagram", family="meta",
    paths={"authorize": "/oauth/authorize", "token": "/oauth/access_token", "exchange": "/access_token",
           "self_refresh": "/refresh_access_token", "identity": "/{graph}/me"},
    lifetimes={"short": 3600, "access": 60 * DAY},
    token_fields=("access_token", "user_id", "permissions"), token_shape=quirks.instagram_token_shape,
    identity=profiles.instagram, identity_scopes=(("instagram_business_basic",),),
    oauth_error=errors.meta, api_error=errors.meta, token_error=errors.instagram_flat,
    scope_separator=",", scope_split=r"[,\s]+", refresh="meta", code_suffix="#_", deny_params=META_DENY,
    exchange_grant="ig_exchange_token", self_refresh_grant="ig_refresh_token",
    messages={"bad_code": ("invalid_grant", "Invalid authorization code")}, token_prefixes=("IGAA", ""),
)

FACEBOOK = Network(
    id="facebook", name="Facebook", family="meta",
    paths={"authorize": "/{graph}/dialog/oauth", "token": "/{graph}/oauth/access_token", "identity": "/{graph}/me",
           "pages": "/{graph}/<user_id>/accounts", "permissions": "/{graph}/<user_id>/permissions",
           "debug_token": "/{graph}/debug_token"},
    lifetimes={"short": 5400, "access": 60 * DAY},
    token_fields=("access_token", "token_type", "expires_in"), token_methods=("GET", "POST"),
    default_grant_type="authorization_code",
    identity=profiles.facebook, oauth_error=errors.meta, api_error=errors.meta, grants_pages=True,
    scope_separator=",", scope_split=r"[,\s]+", refresh="meta", code_suffix="#_", deny_params=META_DENY,
    exchange_grant="fb_exchange_token", exchange_token_param="fb_exchange_token",
    messages={"bad_code": ("invalid_grant", "Invalid verification code format."),
              "redirect_mismatch": ("invalid_request", "Error validating verification code. Please make sure your "
                                    "redirect_uri is identical to the one you used in the OAuth dialog request")},
    token_prefixes=("EAAB", ""),
)

THREADS = Network(
    id="threads", name="Threads", family="meta",
    paths={"authorize": "/oauth/authorize", "token": "/oauth/access_token", "exchange": "/access_token",
           "self_refresh": "/refresh_access_token", "identity": "/v1.0/me", "debug_token": "/v1.0/debug_token"},
    lifetimes={"short": 3600, "access": 60 * DAY},
    token_fields=("access_token", "user_id"), identity=profiles.threads, identity_scopes=(("threads_basic",),),
    oauth_error=errors.meta, api_error=errors.meta,
    scope_separator=",", scope_split=r"[,\s]+", refresh="meta", code_suffix="#_", deny_params=META_DENY,
    exchange_grant="th_exchange_token", self_refresh_grant="th_refresh_token", token_prefixes=("THAA", ""),
)

TIKTOK = Network(
    id="tiktok", name="TikTok", family="oauth",
    paths={"authorize": "/v2/auth/authorize/", "token": "/v2/oauth/token/", "revoke": "/v2/oauth/revoke/",
           "identity": "/v2/user/info/"},
    lifetimes={"access": 7200, "refresh": 180 * DAY},
    token_fields=("open_id", "scope", "access_token", "expires_in", "refresh_token", "refresh_expires_in",
                  "token_type"),
    identity=profiles.tiktok, identity_scopes=(("user.info.basic",),),
    oauth_error=errors.tiktok, api_error=errors.tiktok_api, client_id_param="client_key",
    scope_separator=",", scope_split=",", refresh="rotate", issues_refresh=quirks.always, pkce_methods=("S256",),
    pkce_encoding="hex",  # developers.tiktok.com/doc/login-kit-desktop: hex SHA-256, base64url refused
    revoke_kinds=("access",), revoke_needs_live=True,  # developers.tiktok.com/doc/oauth-user-access-token-management
    redirect_extras=quirks.tiktok_redirect, token_type="Bearer", token_prefixes=("act.", "rft."),
    messages={"bad_code": ("invalid_grant", "Authorization code is expired."),
              "pkce": ("invalid_request", "Code verifier or code challenge is invalid."),
              "bad_refresh": ("invalid_grant", "Refresh token is invalid or expired.")},
)

YOUTUBE = Network(
    id="youtube", name="YouTube", family="oauth",
    paths={"authorize": "/o/oauth2/v2/auth", "token": "/token", "revoke": "/revoke",
           "identity": "/youtube/v3/channels"},
    lifetimes={"access": 3599, "refresh": None},
    token_fields=("access_token", "expires_in", "refresh_token", "scope", "token_type"),
    identity=profiles.youtube,
    identity_scopes=((GOOGLE + "youtube.readonly",), (GOOGLE + "youtube",), (GOOGLE + "youtubepartner",),
                     (GOOGLE + "youtube.force-ssl",)),
    api_error=errors.google_api, client_auth="either", refresh="reuse", issues_refresh=quirks.google_offline,
    redirect_extras=quirks.google_redirect, token_type="Bearer", token_prefixes=("ya29.", "1//"),
    revoke_needs_client=False, revoke_answer=None, revoke_unknown_is_error=True,
    messages={"bad_code": ("invalid_grant", "Malformed auth code."),
              "redirect_mismatch": ("redirect_uri_mismatch", "Bad Request"),
              "bad_refresh": ("invalid_grant", "Token has been expired or revoked.")},
)

LINKEDIN = Network(
    id="linkedin", name="LinkedIn", family="oauth",
    paths={"authorize": "/oauth/v2/authorization", "token": "/oauth/v2/accessToken", "revoke": "/oauth/v2/revoke",
           "introspect": "/oauth/v2/introspectToken", "identity": "/v2/userinfo"},
    lifetimes={"access": 60 * DAY},
    token_fields=("access_token", "expires_in", "scope"), identity=profiles.linkedin, scope_separator=",",
    identity_scopes=(("openid", "profile"),), api_error=errors.linkedin_api,
    deny_params={"error": "user_cancelled_authorize", "error_description": "The user cancelled the authorization"},
    token_prefixes=("AQ", ""), revoke_answer=None,
)

X = Network(
    id="x", name="X", family="oauth",
    paths={"authorize": "/i/oauth2/authorize", "token": "/2/oauth2/token", "revoke": "/2/oauth2/revoke",
           "identity": "/2/users/me"},
    lifetimes={"access": 7200, "refresh": None},
    token_fields=("token_type", "expires_in", "access_token", "scope", "refresh_token"),
    identity=profiles.x, identity_scopes=(("tweet.read", "users.read"),), api_error=errors.x_api,
    client_auth="basic_if_secret", pkce_required=True, pkce_methods=("S256",), refresh="rotate",
    issues_refresh=quirks.offline_access_scope,
    # Reported for X: replaying a used refresh token kills the whole chain.
    reuse_revokes_family=True, revoke_answer={"revoked": True},
    messages={"bad_code": ("invalid_request", "Value passed for the authorization code was invalid."),
              "pkce": ("invalid_request", "Value passed for the authorization code was invalid."),
              "bad_refresh": ("invalid_request", "Value passed for the token was invalid.")},
)

PINTEREST = Network(
    id="pinterest", name="Pinterest", family="oauth",
    paths={"authorize": "/oauth/", "token": "/v5/oauth/token", "identity": "/v5/user_account"},
    lifetimes={"access": 30 * DAY, "refresh": 60 * DAY},  # continuous refresh: 60 days, rotating
    token_fields=("access_token", "refresh_token", "response_type", "token_type", "expires_in",
                  "refresh_token_expires_in", "scope"),
    identity=profiles.pinterest, identity_scopes=(("user_accounts:read",),),
    oauth_error=errors.pinterest, api_error=errors.pinterest, client_auth="basic",
    scope_separator=",", scope_split=",", refresh="rotate", issues_refresh=quirks.always,
    token_prefixes=("pina_", "pinr_"),
    messages={"bad_code": ("invalid_grant", "The authorization grant is invalid"),
              "bad_refresh": ("invalid_grant", "The authorization grant is invalid")},
)

MASTODON = Network(
    id="mastodon", name="Mastodon", family="oauth", per_instance=True,
    paths={"apps": "/api/v1/apps", "authorize": "/oauth/authorize", "token": "/oauth/token",
           "revoke": "/oauth/revoke", "identity": "/api/v1/accounts/verify_credentials"},
    lifetimes={"access": None},
    token_fields=("access_token", "token_type", "scope", "created_at"), token_type="Bearer",
    identity=profiles.mastodon, identity_scopes=(("read:accounts",), ("read",), ("profile",)),
    api_error=errors.mastodon_api, client_auth="either", default_scope="read", pkce_methods=("S256",),
    messages={"bad_code": ("invalid_grant", "The provided authorization grant is invalid, expired, revoked, does "
                           "not match the redirection URI used in the authorization request, or was issued to "
                           "another client.")},
)

NETWORKS: dict[str, Network] = {n.id: n for n in (INSTAGRAM, FACEBOOK, THREADS, TIKTOK, YOUTUBE, LINKEDIN, X,
                                                  PINTEREST, MASTODON)}
ALL_NETWORKS = (*NETWORKS, "bluesky")
