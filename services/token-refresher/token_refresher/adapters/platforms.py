"""Renewing and checking tokens at each network, over plain HTTP.

Endpoints and client credentials come from the gateway's provider registry
(read-only): live, sandbox or an operator's override, exactly as the connect flow
resolves them. Endpoints the connect flow never calls (Instagram/Threads
`refresh_access_token`, Facebook's `/me`, Bluesky's `refreshSession`) are written
here as the platform's real URL and go through the same sandbox mapping; each can
be overridden with POSTMATE_<NETWORK>_REFRESH_URL / …_HEALTH_URL (Bluesky: the PDS
stored with the session, else POSTMATE_BLUESKY_SERVICE_URL as the gateway uses it).
"""
from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from shared.logs import remember_secret

from auth_gateway.providers import SANDBOX, Registry
from auth_gateway.providers.catalog import GRAPH
from auth_gateway.providers.registry import Provider, sandbox_address

from token_refresher.adapters.client import TIMEOUT, UNREACHABLE, HttpClient
from token_refresher.answers import classify
from token_refresher.domain import TRANSIENT, PlatformError, Renewal, merge_credentials

META_REFRESH = {  # network: (real URL, grant type)
    "instagram": ("https://graph.instagram.com/refresh_access_token", "ig_refresh_token"),
    "threads": ("https://graph.threads.com/refresh_access_token", "th_refresh_token"),
}
HEALTH_URLS = {"facebook": f"https://graph.facebook.com/{GRAPH}/me"}  # a Page token's /me is the Page
BLUESKY_ENTRYWAY = "https://bsky.social"
PDS_KEYS = ("pds_url", "pds", "service", "service_url", "service_endpoint")


def endpoint(provider: Provider, name: str, real: str, instance: str | None = None) -> str:
    """`real`, or the operator's override, or the sandbox's address for it."""
    if provider.overrides.get(name):
        return provider.overrides[name].replace("{instance}", instance or "")
    real = real.replace("{instance}", instance or "")
    if provider.mode == SANDBOX:
        return sandbox_address(provider.sandbox_url, provider.id, real, provider.spec.per_instance)
    return real


def jwt_expiry(token: str) -> datetime | None:
    """`exp` of a JWT, unverified: only to plan the next refresh."""
    try:
        payload = token.split(".")[1]
        exp = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"]
        return datetime.fromtimestamp(int(exp), timezone.utc)
    except (IndexError, KeyError, TypeError, ValueError):
        return None


class HttpPlatforms:
    def __init__(self, registry: Registry, timeout_s: float = 10.0, pool: int = 64):
        self.registry, self.timeout_s = registry, timeout_s
        self.http = HttpClient(pool)

    # -- the three ways a token is renewed ---------------------------------------
    def refresh_grant(self, network: str, credentials: dict, now: datetime) -> Renewal:
        """OAuth refresh-token grant with the network's client authentication."""
        provider = self.registry.get(network)
        spec = provider.spec
        form = {"grant_type": "refresh_token", "refresh_token": credentials["refresh_token"]}
        auth = None
        if spec.client_auth == "basic":
            auth = (provider.client_id, provider.client_secret)
        else:
            form.update({spec.client_id_param: provider.client_id, "client_secret": provider.client_secret})
        url = provider.url("token_url", credentials.get("instance"))
        answer = self._call("POST", url, network, data=form, auth=auth)
        return self._renewal(credentials, answer, now)

    def meta_refresh(self, network: str, credentials: dict, now: datetime) -> Renewal:
        """Instagram/Threads: the long-lived token renews itself (≥ 24 h old, unexpired)."""
        real, grant = META_REFRESH[network]
        url = endpoint(self.registry.get(network), "refresh_url", real)
        answer = self._call("GET", url, network,
                            params={"grant_type": grant, "access_token": credentials["access_token"]})
        return self._renewal(credentials, answer, now)

    def bluesky_refresh(self, credentials: dict, now: datetime) -> Renewal:
        """refreshSession with the refresh JWT as Bearer; both JWTs rotate."""
        refresh_key = "refresh_token" if credentials.get("refresh_token") else "refreshJwt"
        access_key = "access_token" if refresh_key == "refresh_token" else "accessJwt"
        url = self._pds(credentials) + "/xrpc/com.atproto.server.refreshSession"
        answer = self._call("POST", url, "bluesky", bearer=credentials[refresh_key])
        if not answer.get("accessJwt") or not answer.get("refreshJwt"):
            raise PlatformError(TRANSIENT, "bad_response", "refreshSession answered without tokens")
        remember_secret(answer["accessJwt"], answer["refreshJwt"])
        expires_at = jwt_expiry(answer["accessJwt"])
        fresh = {access_key: answer["accessJwt"], refresh_key: answer["refreshJwt"],
                 "obtained_at": int(now.timestamp())}
        if expires_at:
            fresh["expires_at"] = int(expires_at.timestamp())
        return Renewal(merge_credentials(credentials, fresh), expires_at)

    # -- tokens that never expire --------------------------------------------------
    def health_check(self, network: str, credentials: dict) -> None:
        """One cheap identity call with the token; raises PlatformError when it no longer works."""
        if network == "bluesky":  # the access JWT, on the PDS that issued it
            self._call("GET", self._pds(credentials) + "/xrpc/com.atproto.server.getSession", network,
                       bearer=credentials.get("access_token") or credentials.get("accessJwt"))
            return
        provider = self.registry.get(network)
        instance = credentials.get("instance")
        if network in HEALTH_URLS:
            url, params, token_in = endpoint(provider, "health_url", HEALTH_URLS[network]), {"fields": "id"}, "query"
        else:
            call = provider.spec.identity
            url, params, token_in = provider.url("identity_url", instance), dict(call.params), call.token_in
        token = credentials["access_token"]
        if token_in == "query":
            self._call("GET", url, network, params={**params, "access_token": token}, never_expires=True)
        else:
            self._call("GET", url, network, params=params, bearer=token, never_expires=True)

    # -- plumbing ------------------------------------------------------------------
    def _pds(self, credentials: dict) -> str:
        for key in PDS_KEYS:
            if credentials.get(key):
                return str(credentials[key]).rstrip("/")
        return endpoint(self.registry.get("bluesky"), "service_url", BLUESKY_ENTRYWAY).rstrip("/")

    def _renewal(self, old: dict, answer: dict, now: datetime) -> Renewal:
        if not answer.get("access_token"):
            raise PlatformError(TRANSIENT, "bad_response", "the answer holds no access token")
        remember_secret(answer["access_token"], answer.get("refresh_token") or "")
        fresh = {"access_token": answer["access_token"], "obtained_at": int(now.timestamp())}
        for key in ("refresh_token", "token_type", "scope"):
            if answer.get(key):
                fresh[key] = answer[key]
        expires_at = _after(now, answer.get("expires_in"))
        if expires_at:
            fresh["expires_at"] = int(expires_at.timestamp())
        refresh_ends = _after(now, answer.get("refresh_expires_in"))
        if refresh_ends:
            fresh["refresh_expires_at"] = int(refresh_ends.timestamp())
        return Renewal(merge_credentials(old, fresh), expires_at)

    def _call(self, method: str, url: str, network: str, *, params=None, data=None, auth=None, bearer=None,
              never_expires: bool = False) -> dict:
        headers = {"Accept": "application/json"}
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        elif auth:
            headers["Authorization"] = _basic(*auth)
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
        body = None
        if data is not None:
            body = urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        timeout = min(self.timeout_s, self.registry.get(network).timeout_s)  # POSTMATE_<NETWORK>_TIMEOUT_S
        try:
            response = self.http.request(method, url, headers=headers, body=body, timeout=timeout)
        except TIMEOUT:
            raise PlatformError(TRANSIENT, "timeout", f"{network} did not answer in time") from None
        except UNREACHABLE as exc:
            raise PlatformError(TRANSIENT, "unreachable", exc.__class__.__name__) from None
        try:
            answer = json.loads(response.body)
        except ValueError:  # (UnicodeDecodeError is one)
            answer = None
        if 200 <= response.status < 300 and not isinstance(answer, dict):
            raise PlatformError(TRANSIENT, "bad_response", "not a JSON object", status=response.status)
        if _refused(response.status, answer):
            raise classify(response.status, response.headers, answer, never_expires=never_expires)
        return answer


def _basic(user: str, password: str) -> str:
    """HTTP Basic credentials, encoded as requests did (latin-1)."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode("latin1")).decode()


def _refused(status: int, body) -> bool:
    if status >= 300 or not isinstance(body, dict):
        return True
    error = body.get("error")
    if isinstance(error, dict):  # TikTok's API answers carry {"error": {"code": "ok"}} on success
        return error.get("code") not in ("ok", 0, "0")
    return bool(error)


def _after(now: datetime, seconds) -> datetime | None:
    try:
        value = int(float(seconds))
    except (TypeError, ValueError):
        return None
    return now + timedelta(seconds=value) if value > 0 else None
