"""How a client talks to each network, written from the URL contract (not from the sandbox's own table).

`Flows` drives the Flask test client through authorize → code → token →
identity for any network, speaking each one's dialect: TikTok's client_key,
Facebook's GET token endpoint, Basic client auth for X and Pinterest, Mastodon's
app registration, Meta's `#_` and its short → long-lived swap.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

G = "https://www.googleapis.com/auth/"
REDIRECT = "https://app.example/callback"
CLIENT_ID, CLIENT_SECRET = "postmate-app", "postmate-secret"
INSTANCE = "social.example"


@dataclass(frozen=True)
class Dialect:
    authorize: str
    token: str
    identity: str
    scope: str
    client_id_param: str = "client_id"
    basic_auth: bool = False
    token_get: bool = False
    identity_in_query: bool = False
    identity_params: dict = field(default_factory=dict)
    exchange: str | None = None  # Meta: path and grant_type of the long-lived swap
    exchange_grant: str | None = None


def _pick(body: dict, *path):
    for part in path:
        body = body[part]
    return body


NETWORKS = {
    "instagram": Dialect("/instagram/oauth/authorize", "/instagram/oauth/access_token", "/instagram/v21.0/me",
                         "instagram_business_basic,instagram_business_content_publish", identity_in_query=True,
                         identity_params={"fields": "user_id,username"}, exchange="/instagram/access_token",
                         exchange_grant="ig_exchange_token"),
    "facebook": Dialect("/facebook/v21.0/dialog/oauth", "/facebook/v21.0/oauth/access_token", "/facebook/v21.0/me",
                        "pages_manage_posts,pages_show_list,pages_read_engagement", token_get=True,
                        identity_in_query=True, identity_params={"fields": "id,name"},
                        exchange="/facebook/v21.0/oauth/access_token", exchange_grant="fb_exchange_token"),
    "threads": Dialect("/threads/oauth/authorize", "/threads/oauth/access_token", "/threads/v1.0/me",
                       "threads_basic,threads_content_publish", identity_in_query=True,
                       identity_params={"fields": "id,username,name"}, exchange="/threads/access_token",
                       exchange_grant="th_exchange_token"),
    "tiktok": Dialect("/tiktok/v2/auth/authorize/", "/tiktok/v2/oauth/token/", "/tiktok/v2/user/info/",
                      "user.info.basic,video.upload,video.publish", client_id_param="client_key",
                      identity_params={"fields": "open_id,display_name"}),
    "youtube": Dialect("/youtube/o/oauth2/v2/auth", "/youtube/token", "/youtube/youtube/v3/channels",
                       f"{G}youtube.upload {G}youtube.readonly",
                       identity_params={"part": "id,snippet", "mine": "true"}),
    "linkedin": Dialect("/linkedin/oauth/v2/authorization", "/linkedin/oauth/v2/accessToken", "/linkedin/v2/userinfo",
                        "w_member_social openid profile"),
    "x": Dialect("/x/i/oauth2/authorize", "/x/2/oauth2/token", "/x/2/users/me",
                 "tweet.read tweet.write users.read offline.access", basic_auth=True),
    "pinterest": Dialect("/pinterest/oauth/", "/pinterest/v5/oauth/token", "/pinterest/v5/user_account",
                         "pins:write,boards:read,user_accounts:read", basic_auth=True),
    "mastodon": Dialect(f"/mastodon/{INSTANCE}/oauth/authorize", f"/mastodon/{INSTANCE}/oauth/token",
                        f"/mastodon/{INSTANCE}/api/v1/accounts/verify_credentials",
                        "write:statuses write:media read:accounts"),
}
# Where each identity answer keeps the platform account id.
ACCOUNT_ID = {
    "instagram": ("user_id",), "facebook": ("id",), "threads": ("id",), "tiktok": ("data", "user", "open_id"),
    "linkedin": ("sub",), "x": ("data", "id"), "pinterest": ("id",), "mastodon": ("id",),
}


def account_id(network: str, body: dict) -> str:
    return _pick(body, *ACCOUNT_ID[network])


def verifier_and_challenge() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


class Flows:
    def __init__(self, client):
        self.client = client
        self.apps: dict[str, tuple[str, str]] = {}

    def credentials(self, network: str) -> tuple[str, str]:
        if network != "mastodon":
            return CLIENT_ID, CLIENT_SECRET
        if network not in self.apps:  # Mastodon: register on the instance first
            answer = self.client.post(f"/mastodon/{INSTANCE}/api/v1/apps", data={
                "client_name": "Post Mate", "redirect_uris": REDIRECT, "scopes": NETWORKS[network].scope})
            assert answer.status_code == 200, answer.json
            self.apps[network] = answer.json["client_id"], answer.json["client_secret"]
        return self.apps[network]

    def authorize(self, network: str, *, method: str = "GET", form: dict | None = None, **params):
        """The authorize request (auto-approve answers it at once); `params` override or drop (None) fields."""
        dialect = NETWORKS[network]
        query = {dialect.client_id_param: self.credentials(network)[0], "redirect_uri": REDIRECT,
                 "response_type": "code", "scope": dialect.scope, "state": "state-123", **params}
        query = {k: v for k, v in query.items() if v is not None}
        if method == "POST":
            return self.client.post(dialect.authorize, query_string=query, data=form or {"decision": "approve"})
        return self.client.get(dialect.authorize, query_string=query)

    def code(self, network: str, **params) -> tuple[str, str | None]:
        """(code, verifier) from an approved authorize; PKCE S256 unless pkce=False."""
        verifier, challenge = verifier_and_challenge()
        if params.pop("pkce", True):
            params = {"code_challenge": challenge, "code_challenge_method": "S256", **params}
        else:
            verifier = None
        answer = self.authorize(network, **params)
        assert answer.status_code == 302, answer.get_data(as_text=True)
        return query_of(answer.headers["Location"])["code"], verifier

    def token_call(self, network: str, data: dict, *, auth: tuple[str, str] | None = None):
        dialect = NETWORKS[network]
        client_id, secret = auth or self.credentials(network)
        if dialect.basic_auth:
            return self.client.post(dialect.token, data=data, headers=basic(client_id, secret))
        data = {dialect.client_id_param: client_id, "client_secret": secret, **data}
        if dialect.token_get:
            return self.client.get(dialect.token, query_string=data)
        return self.client.post(dialect.token, data=data)

    def exchange(self, network: str, code: str, verifier: str | None = None, **overrides):
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        if verifier:
            data["code_verifier"] = verifier
        data.update(overrides)
        return self.token_call(network, {k: v for k, v in data.items() if v is not None})

    def refresh(self, network: str, refresh_token: str):
        return self.token_call(network, {"grant_type": "refresh_token", "refresh_token": refresh_token})

    def long_lived(self, network: str, short: str):
        dialect = NETWORKS[network]
        params = {"grant_type": dialect.exchange_grant, "client_secret": CLIENT_SECRET}
        if network == "facebook":
            params.update(client_id=CLIENT_ID, fb_exchange_token=short)
        else:
            params["access_token"] = short
        return self.client.get(dialect.exchange, query_string=params)

    def connect(self, network: str, **params) -> dict:
        """authorize → code → token (→ long-lived for Meta): the token answer to keep."""
        code, verifier = self.code(network, **params)
        answer = self.exchange(network, code, verifier)
        assert answer.status_code == 200, answer.json
        token = answer.json
        if NETWORKS[network].exchange:
            long = self.long_lived(network, token["access_token"])
            assert long.status_code == 200, long.json
            token = {**token, **long.json}
        return token

    def identity(self, network: str, access_token: str):
        dialect = NETWORKS[network]
        if dialect.identity_in_query:
            return self.client.get(dialect.identity, query_string={**dialect.identity_params,
                                                                   "access_token": access_token})
        return self.client.get(dialect.identity, query_string=dialect.identity_params,
                               headers={"Authorization": f"Bearer {access_token}"})

    def admin(self, path: str, body: dict | None = None):
        answer = self.client.post(f"/_sandbox/{path}", json=body or {})
        assert answer.status_code == 200, answer.json
        return answer.json
