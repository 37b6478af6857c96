"""Renewing and checking tokens at each network, over plain HTTP.

Every endpoint comes from shared.providers (read-only): the catalogue's real URLs
(`refresh_url` for Instagram/Threads, `health_url` for Facebook Pages), resolved
live, sandbox or an operator's override exactly as the connect flow resolves them
(POSTMATE_<NETWORK>_REFRESH_URL / …_HEALTH_URL). Hosts a user named (a Mastodon
instance, a Bluesky PDS) are reached only through shared.providers.egress (public,
pinned, no redirects); the Bluesky entryway (POSTMATE_BLUESKY_SERVICE_URL) is the
operator's and trusted.
"""
from __future__ import annotations

import base64
import json
from datetime import datetime
from urllib.parse import urlencode

import httpx

from shared.encoding import unverified_expiry
from shared.logs import remember_secret
from shared.providers import tokens
from shared.providers.egress import (
    Egress,
    EgressRefused,
    Target,
    http_client,
    origin_of,
)
from shared.providers.errors import read_error
from shared.providers.registry import LIVE, Registry
from token_refresher.adapters.client import TIMEOUT, UNREACHABLE, Answer, HttpClient
from token_refresher.answers import classify
from token_refresher.domain import TRANSIENT, PlatformError, Renewed

META_GRANTS = {"instagram": "ig_refresh_token", "threads": "th_refresh_token"}  # refresh_access_token's grant_type
PDS_KEYS = ("pds_url", "pds", "service", "service_url", "service_endpoint")  # older rows named it differently


class HttpPlatforms:
    def __init__(self, registry: Registry, egress: Egress, timeout_s: float = 10.0, pool: int = 64):
        self.registry, self.egress, self.timeout_s = registry, egress, timeout_s
        self.http = HttpClient(pool)

    # -- the three ways a token is renewed ---------------------------------------
    def refresh_grant(self, network: str, credentials: dict, now: datetime) -> Renewed:
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

    def meta_refresh(self, network: str, credentials: dict, now: datetime) -> Renewed:
        """Instagram/Threads: the long-lived token renews itself (≥ 24 h old, unexpired)."""
        url = self.registry.get(network).url("refresh_url")
        answer = self._call("GET", url, network,
                            params={"grant_type": META_GRANTS[network], "access_token": credentials["access_token"]})
        return self._renewal(credentials, answer, now)

    def bluesky_refresh(self, credentials: dict, now: datetime) -> Renewed:
        """refreshSession with the refresh JWT as Bearer; both JWTs rotate."""
        refresh_key = "refresh_token" if credentials.get("refresh_token") else "refreshJwt"
        access_key = "access_token" if refresh_key == "refresh_token" else "accessJwt"
        pds = self._pds(credentials)
        answer = self._call("POST", pds.url + "/xrpc/com.atproto.server.refreshSession", "bluesky",
                            bearer=credentials[refresh_key], target=pds)
        if not answer.get("accessJwt") or not answer.get("refreshJwt"):
            raise PlatformError(TRANSIENT, "bad_response", "refreshSession answered without tokens")
        remember_secret(answer["accessJwt"], answer["refreshJwt"])
        expires_at = unverified_expiry(answer["accessJwt"])
        fresh = {access_key: answer["accessJwt"], refresh_key: answer["refreshJwt"],
                 "obtained_at": int(now.timestamp())}
        if expires_at:
            fresh["expires_at"] = int(expires_at.timestamp())
        return Renewed(tokens.merge(credentials, fresh), expires_at)

    # -- tokens that never expire --------------------------------------------------
    def health_check(self, network: str, credentials: dict) -> None:
        """One cheap identity call with the token; raises PlatformError when it no longer works."""
        if network == "bluesky":  # the access JWT, on the PDS that issued it
            pds = self._pds(credentials)
            self._call("GET", pds.url + "/xrpc/com.atproto.server.getSession", network, target=pds,
                       bearer=credentials.get("access_token") or credentials.get("accessJwt"))
            return
        provider = self.registry.get(network)
        instance = credentials.get("instance")
        if provider.spec.health_url:
            url, params, token_in = provider.url("health_url"), {"fields": "id"}, "query"
        else:
            call = provider.spec.identity
            url, params, token_in = provider.url("identity_url", instance), dict(call.params), call.token_in
        target = None
        if instance and provider.mode == LIVE:  # a server the user named
            target = self._vetted(f"https://{instance}", network)
        token = credentials["access_token"]
        if token_in == "query":
            self._call("GET", url, network, params={**params, "access_token": token}, never_expires=True,
                       target=target)
        else:
            self._call("GET", url, network, params=params, bearer=token, never_expires=True, target=target)

    # -- plumbing ------------------------------------------------------------------
    def _pds(self, credentials: dict) -> Target:
        """The PDS stored with the session (user-named: vetted), else the operator's entryway (trusted)."""
        entryway = self.registry.get("bluesky").url("service_url").rstrip("/")
        stored = next((str(credentials[key]).rstrip("/") for key in PDS_KEYS if credentials.get(key)), entryway)
        if origin_of(stored) == origin_of(entryway):
            return self.egress.trusted(stored)
        return self._vetted(stored, "bluesky")

    def _vetted(self, url: str, network: str) -> Target:
        try:
            return self.egress.vet(url)
        except EgressRefused as exc:  # the server moved somewhere we won't go: wait, never blame the user
            raise PlatformError(TRANSIENT, "unreachable", f"{network} server refused by the egress rule ({exc.reason})") \
                from None

    def _renewal(self, old: dict, answer: dict, now: datetime) -> Renewed:
        if not answer.get("access_token"):
            raise PlatformError(TRANSIENT, "bad_response", "the answer holds no access token")
        remember_secret(answer["access_token"], answer.get("refresh_token") or "")
        fresh = tokens.renewed(old, answer, now)
        return Renewed(fresh, tokens.after(now, answer.get("expires_in")))

    def _call(self, method: str, url: str, network: str, *, params=None, data=None, auth=None, bearer=None,
              never_expires: bool = False, target: Target | None = None) -> dict:
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
            response = self._send(method, url, headers=headers, body=body, timeout=timeout, target=target)
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
        if response.status >= 300 or not isinstance(answer, dict) or read_error(answer) is not None:
            raise classify(response.status, response.headers, answer, never_expires=never_expires)
        return answer

    def _send(self, method: str, url: str, *, headers: dict, body: bytes | None, timeout: float,
              target: Target | None) -> Answer:
        """urllib3 for the networks' own hosts; the pinned egress client for a host a user named."""
        if target is None:
            return self.http.request(method, url, headers=headers, body=body, timeout=timeout)
        try:
            with http_client(target, timeout) as client:
                response = client.request(method, url, headers=headers, content=body)
        except EgressRefused as exc:  # a redirect to another server
            raise PlatformError(TRANSIENT, "unreachable", f"redirected elsewhere ({exc.reason})") from None
        except httpx.TimeoutException:
            raise TimeoutError from None
        except httpx.HTTPError as exc:
            raise OSError(exc.__class__.__name__) from None
        return Answer(response.status_code, response.headers, response.content)


def _basic(user: str, password: str) -> str:
    """HTTP Basic credentials, encoded as requests did (latin-1)."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode("latin1")).decode()

