"""The one way services call each other: JSON over pooled urllib3 with the internal token.

Never retried here (the caller knows whether a call may be repeated) and never
redirected (an internal service that redirects is misconfigured). An unreachable
service, a timeout, or an answer that isn't JSON raises `Unreachable`; each client
turns it into its own error type.
"""
from __future__ import annotations

import json
from typing import Any, NamedTuple
from urllib.parse import quote, urlencode

import urllib3
from urllib3.exceptions import HTTPError


class Unreachable(Exception):
    pass


class Answer(NamedTuple):
    status: int
    body: Any  # the decoded JSON (None for an empty body)


def path(template: str, *ids: str) -> str:
    """`template` with each `{}` filled by an id, URL-quoted whole (`/`, `?`, `#`, `%` included)."""
    return template.format(*(quote(str(i), safe="") for i in ids))


class InternalHttp:
    def __init__(self, base_url: str, token: str, timeout_s: float, pool: int = 16):
        self.base_url, self.timeout_s = base_url.rstrip("/"), timeout_s
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json",
                        "User-Agent": "PostMate-Connections/1"}
        self._pool = urllib3.PoolManager(num_pools=4, maxsize=pool, retries=False)

    def call(self, method: str, route: str, *, body: dict | None = None, params: dict | None = None) -> Answer:
        url = self.base_url + route + (f"?{urlencode(params)}" if params else "")
        headers, raw = self.headers, None
        if body is not None:
            headers, raw = {**headers, "Content-Type": "application/json"}, json.dumps(body).encode()
        try:
            response = self._pool.request(method, url, body=raw, headers=headers, redirect=False,
                                          timeout=urllib3.Timeout(total=self.timeout_s))
        except (OSError, HTTPError) as exc:  # timeouts among them
            raise Unreachable(exc.__class__.__name__) from None
        try:
            return Answer(response.status, json.loads(response.data) if response.data else None)
        except ValueError:  # a proxy's error page, a half-deployed service
            raise Unreachable(f"HTTP {response.status}, not JSON") from None
