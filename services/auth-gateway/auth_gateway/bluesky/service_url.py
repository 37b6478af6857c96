"""The SSRF guard: Bluesky servers we reach because a user (or a DID document) named them.

A `service` URL typed by the user, and the PDS endpoint an account's DID document
names, are server-side request targets chosen by someone else. The rule: https
only, and every address the host resolves to must be public — not private,
loopback, link-local, unspecified, multicast or reserved (IPv4, IPv6, and IPv4
inside IPv6). `POSTMATE_BLUESKY_ALLOW_PRIVATE_SERVICE=1` lifts it for a PDS on
this machine (`make run`, tests). Endpoints the operator configured (the
entryway, the PLC directory) are trusted.

Checking once is not enough: DNS may answer differently when the connection is
made (rebinding), and a server may redirect. So every request goes through
`PinnedTransport`, which connects only to the addresses that were vetted (TLS
still checks the certificate against the hostname, via SNI) and refuses any
request for another origin, redirects included. Names are resolved through a
`Resolver` (host, port → addresses) that tests replace.
"""
from __future__ import annotations

import ipaddress
import socket
import ssl
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence
from urllib.parse import urlsplit

import httpx
from atproto_client import Client
from atproto_client.request import Request

from auth_gateway.bluesky.errors import refuse

Resolver = Callable[[str, int], Sequence[str]]  # raises OSError (or returns nothing) for an unknown name


def system_resolver(host: str, port: int) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_private or ip.is_loopback or ip.is_link_local
                                 or ip.is_unspecified or ip.is_reserved)


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
    return f"{parts.scheme}://{_netloc(host, port)}"


def origin_of(url: str | httpx.URL) -> str:
    parts = httpx.URL(str(url))
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    return f"{parts.scheme}://{_netloc(parts.host, port)}"


def _netloc(host: str, port: int | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}" if port else shown


@dataclass(frozen=True)
class Target:
    """A server we may talk to; `addresses` pins its connections (None: as DNS says, for trusted ones)."""
    url: str
    addresses: tuple[str, ...] | None = None

    @property
    def host(self) -> str:
        return httpx.URL(self.url).host

    @property
    def origin(self) -> str:
        return origin_of(self.url)


class Egress:
    def __init__(self, resolver: Resolver = system_resolver, allow_private: bool = False):
        self.resolver, self.allow_private = resolver, allow_private

    def trusted(self, url: str) -> Target:
        return Target(url.rstrip("/"))

    def vet(self, url: str) -> Target:
        """A user-named server, checked against the rule (and pinned to what was checked)."""
        url = url.rstrip("/")
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            raise refuse("invalid_service") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise refuse("invalid_service")
        if self.allow_private:
            return Target(url)
        if parsed.scheme != "https":
            raise refuse("service_not_https")
        addresses = self._addresses(parsed.host, parsed.port or 443)
        if not addresses or not all(is_public(a) for a in addresses):
            raise refuse("service_not_public", host=parsed.host)
        return Target(url, tuple(addresses))

    def _addresses(self, host: str, port: int) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        try:
            return list(dict.fromkeys(self.resolver(host, port)))
        except (OSError, UnicodeError, LookupError):
            raise refuse("service_not_found", host=host) from None


class PinnedTransport(httpx.BaseTransport):
    """Only `origin`, only at `addresses` (tried in order); everything else is refused."""

    def __init__(self, target: Target, verify: ssl.SSLContext | bool = True):
        self.origin, self.addresses, self.host = target.origin, target.addresses, target.host
        self._inner = httpx.HTTPTransport(verify=verify)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if origin_of(request.url) != self.origin:  # a redirect to somewhere else
            raise refuse("bluesky_error", host=self.host, error="it sent Post Mate to another server")
        if self.addresses is None:
            return self._inner.handle_request(request)
        request.extensions = {**request.extensions, "sni_hostname": self.host}  # Host header stays the name
        named, failure = request.url, None
        for address in self.addresses:
            request.url = named.copy_with(host=address)
            try:
                return self._inner.handle_request(request)
            except httpx.ConnectError as exc:
                failure = exc
        raise failure

    def close(self) -> None:
        self._inner.close()


@contextmanager
def xrpc_client(target: Target, timeout_s: float) -> Iterator[Client]:
    """An atproto SDK client whose every request goes through the guard."""
    request = Request(transport=PinnedTransport(target), timeout=timeout_s)
    try:
        yield Client(base_url=target.url, request=request)
    finally:
        request.close()


def get_json(target: Target, path: str, timeout_s: float) -> httpx.Response:
    with httpx.Client(transport=PinnedTransport(target), timeout=timeout_s) as http:
        return http.get(target.url + path, headers={"Accept": "application/json"})
