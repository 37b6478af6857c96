"""Talking to Bluesky servers through the egress rule (shared.providers.egress).

`xrpc_client` is an atproto SDK client whose every request goes through the
pinned transport; `get_json` is one plain GET the same way (DID documents). A
refusal by the rule becomes the connect's own sentence (errors.py).
`parse_service` reads the server address a person typed.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urlsplit

import httpx
from atproto_client import Client
from atproto_client.request import Request

from auth_gateway.bluesky.errors import refuse
from shared.providers.egress import (
    ELSEWHERE,
    INVALID_URL,
    NOT_FOUND,
    NOT_HTTPS,
    NOT_PUBLIC,
    TOO_LARGE,
    TOO_SLOW,
    Egress,
    EgressRefused,
    PinnedTransport,
    Target,
    http_client,
)

UNTRUSTWORTHY = {ELSEWHERE: "it sent Post Mate to another server", TOO_SLOW: "it took too long to answer",
                 TOO_LARGE: "its answer was far larger than a Bluesky server's"}
REFUSAL_CODES = {INVALID_URL: "invalid_service", NOT_HTTPS: "service_not_https", NOT_FOUND: "service_not_found",
                 NOT_PUBLIC: "service_not_public"}


def refusal(exc: EgressRefused):
    """The connect's ApiError for a host the egress rule refused."""
    if exc.reason in UNTRUSTWORTHY:
        return refuse("bluesky_error", host=exc.host, error=UNTRUSTWORTHY[exc.reason])
    return refuse(REFUSAL_CODES[exc.reason], host=exc.host)


def vet(egress: Egress, url: str) -> Target:
    try:
        return egress.vet(url)
    except EgressRefused as exc:
        raise refusal(exc) from None


@contextmanager
def xrpc_client(target: Target, timeout_s: float) -> Iterator[Client]:
    """An atproto SDK client whose every request goes through the guard."""
    request = Request(transport=PinnedTransport(target, deadline_s=timeout_s), timeout=timeout_s)
    try:
        yield Client(base_url=target.url, request=request)
    except EgressRefused as exc:  # the SDK passes what the transport raises through unchanged
        raise refusal(exc) from None
    finally:
        request.close()


def get_json(target: Target, path: str, timeout_s: float) -> httpx.Response:
    try:
        with http_client(target, timeout_s) as http:
            return http.get(target.url + path, headers={"Accept": "application/json"})
    except EgressRefused as exc:
        raise refusal(exc) from None


def parse_service(raw) -> str:
    """What the user typed → "https://host[:port]"; a bare host name gets https://."""
    text = raw.strip() if isinstance(raw, str) else ""
    if text and "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode()
    except (ValueError, UnicodeError):
        raise refuse("invalid_service") from None
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password \
            or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise refuse("invalid_service")
    shown = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown}:{port}" if port else f"{parts.scheme}://{shown}"
