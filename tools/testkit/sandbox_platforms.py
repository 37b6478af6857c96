"""The provider sandbox as the refresher's tests use it: accounts connected with the
gateway's own OAuth client (Bluesky: createSession with an app password), and the
sandbox's admin API (`/_sandbox/stats`, `faults`, `revoke`, `clock`) to count,
break, revoke and age things."""
from __future__ import annotations

import secrets
import threading
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import requests

from auth_gateway.adapters.oauth import AppCredentials, OAuthClient
from shared.encoding import unverified_expiry as jwt_expiry
from shared.providers import tokens
from shared.providers.registry import Registry

MASTODON_INSTANCE = "social.example"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"


class SandboxPlatforms:
    def __init__(self, url: str, registry: Registry):
        self.url, self.registry = url.rstrip("/"), registry
        self.http = requests.Session()
        self.http.trust_env = False
        self._mastodon_app: AppCredentials | None = None
        self._lock = threading.Lock()

    # -- connecting, as the gateway does ------------------------------------------------
    def connect(self, network: str, name: str, now: datetime) -> tuple[dict, datetime | None]:
        """Sandbox account `name` approves us on `network`: (the credentials the gateway stores, expiry)."""
        if network == "bluesky":
            return self._bluesky(name, now)
        provider = self.registry.get(network)
        instance = MASTODON_INSTANCE if provider.spec.per_instance else None
        client = OAuthClient(provider, self._app(provider) if instance else None, instance)
        verifier = secrets.token_urlsafe(48) if provider.spec.pkce else None
        consent = self.http.get(client.authorization_url(secrets.token_urlsafe(16), verifier),
                                allow_redirects=False, cookies={"sandbox_account": name}, timeout=10)
        code = parse_qs(urlsplit(consent.headers["Location"]).query)["code"][0]
        token = client.upgrade(client.exchange_code(code, verifier))
        if provider.spec.list_accounts:  # Facebook: the first granted Page, with its Page token
            token = dict(client.accounts(token)[0].token)
        scopes = tokens.granted_scopes(token, provider.spec.scope_names)
        return tokens.credentials(token, scopes, now, instance=instance or ""), tokens.expiry(token, now)

    def _app(self, provider) -> AppCredentials:
        with self._lock:
            if self._mastodon_app is None:
                answer = self.http.post(provider.url("apps_url", MASTODON_INSTANCE), timeout=10, data={
                    "client_name": "Post Mate", "redirect_uris": provider.redirect_uri,
                    "scopes": provider.spec.scope_string()}).json()
                self._mastodon_app = AppCredentials(answer["client_id"], answer["client_secret"])
            return self._mastodon_app

    def _bluesky(self, name: str, now: datetime) -> tuple[dict, datetime | None]:
        session = self.http.post(f"{self.url}/bluesky/xrpc/com.atproto.server.createSession", timeout=10,
                                 json={"identifier": f"{name}.sandbox", "password": APP_PASSWORD}).json()
        expires_at = jwt_expiry(session["accessJwt"])
        credentials = {"access_token": session["accessJwt"], "refresh_token": session["refreshJwt"],
                       "token_type": "bearer", "scope": "com.atproto.appPass",
                       "obtained_at": int(now.timestamp()), "expires_at": int(expires_at.timestamp()),
                       "pds_url": f"{self.url}/bluesky", "did": session["did"], "handle": session["handle"]}
        return credentials, expires_at

    # -- the admin API ------------------------------------------------------------------
    def _admin(self, method: str, path: str, body: dict | None = None) -> dict:
        answer = self.http.request(method, f"{self.url}/_sandbox/{path}", json=body, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def stats(self) -> dict:
        return self._admin("GET", "stats")

    def refreshes(self, network: str, name: str) -> int:
        """Successful refreshes the platform saw for this account."""
        return self.stats()["refreshes_by_account"].get(network, {}).get(name, 0)

    def counted(self, network: str, *events: str) -> int:
        """What the platform counted (refresh, identity, faults, errors, …) on a network."""
        counters = self.stats()["networks"][network]
        return sum(counters.get(event, 0) for event in events)

    def fail(self, network: str, mode: str, endpoint: str = "refresh", count: int | None = 1,
             retry_after: int | None = None) -> None:
        self._admin("POST", "faults", {"network": network, "endpoint": endpoint, "mode": mode, "count": count,
                                       "retry_after": retry_after})

    def heal(self, network: str) -> None:
        self._admin("POST", "faults", {"network": network, "endpoint": "any", "mode": "none"})

    def revoke(self, network: str, name: str, reason: str = "revoked") -> None:
        self._admin("POST", "revoke", {"network": network, "account": name, "reason": reason})

    def advance(self, delta: timedelta) -> None:
        """Platform time moves with ours: token ages (Meta's 24 h rule) and expiries."""
        if delta.total_seconds() > 0:
            self._admin("POST", "clock", {"advance_s": delta.total_seconds()})

