"""The HTTP client both adapters use: urllib3's connection pools, without requests.

A refresh is bound by CPU, and requests spends several times what urllib3 (which
it is built on) does per call: environment and netrc lookups, hooks, cookie jars.
Calls here are never retried (a refresh-token grant must not be replayed: a second
try could spend a rotating token whose first answer was lost) and never follow a
redirect (a token endpoint that redirects is misconfigured, and shows as such).
urllib3 drops a pooled connection the server closed while it sat idle before
reusing it. Proxies come from the environment (HTTPS_PROXY, …, NO_PROXY) as they
did through requests, unless `trust_env` is off.
"""
from __future__ import annotations

import os
import urllib.request
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

import certifi
import urllib3
from urllib3.exceptions import HTTPError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

USER_AGENT = "PostMate-TokenRefresher/1"
TIMEOUT = (TimeoutError, Urllib3Timeout)  # the server took too long
UNREACHABLE = (OSError, HTTPError)  # any other failed call (a timeout is one of these too: catch TIMEOUT first)


class Answer(NamedTuple):
    status: int
    headers: object  # case-insensitive .get()
    body: bytes


class HttpClient:
    def __init__(self, pool: int = 64, trust_env: bool = True):
        options = dict(maxsize=pool, retries=False, ca_certs=_ca_bundle())
        self._direct = urllib3.PoolManager(num_pools=32, **options)
        self._proxies = {scheme: urllib3.ProxyManager(url, **options)
                         for scheme, url in urllib.request.getproxies().items()
                         if scheme in ("http", "https")} if trust_env else {}

    def request(self, method: str, url: str, *, headers: dict, body: bytes | None = None,
                timeout: float) -> Answer:
        """Raises one of TIMEOUT when the server is too slow, one of UNREACHABLE when it can't be reached."""
        response = self._manager(url).request(method, url, body=body, headers={"User-Agent": USER_AGENT, **headers},
                                              redirect=False,
                                              timeout=urllib3.Timeout(total=timeout))
        return Answer(response.status, response.headers, response.data)

    def _manager(self, url: str) -> urllib3.PoolManager:
        if self._proxies:
            parts = urlsplit(url)
            if parts.scheme in self._proxies and not _bypassed(parts.hostname or ""):
                return self._proxies[parts.scheme]
        return self._direct


def _ca_bundle() -> str:
    """The CA bundle requests would use."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()


@lru_cache(maxsize=256)
def _bypassed(host: str) -> bool:
    return bool(urllib.request.proxy_bypass(host))
