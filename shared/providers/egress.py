"""The only way to reach a host a user named: Mastodon instances, Bluesky PDSes, and
the servers an account's DID document names — server-side request targets chosen
by someone else.

The rule: https only, and every address the host resolves to must be public — not
private, loopback, link-local, unspecified, multicast or reserved (IPv4, IPv6, and
IPv4 inside IPv6). `allow_private` (POSTMATE_BLUESKY_ALLOW_PRIVATE_SERVICE=1) lifts
it for a server on this machine (`make run`, tests). Endpoints the operator
configured (the provider sandbox, the Bluesky entryway, the PLC directory) are
`trusted`.

Checking once is not enough: DNS may answer differently when the connection is
made (rebinding), and a server may redirect. So every request goes through
`PinnedTransport` (httpx), which connects only to the addresses that were vetted
(TLS still checks the certificate against the hostname, via SNI) and refuses any
request for another origin, redirects included. Names are resolved through a
`Resolver` (host, port → addresses) that tests replace. A refusal is
`EgressRefused`, with a reason each caller turns into its own sentence.
"""
from __future__ import annotations

import ipaddress
import socket
import ssl
from dataclasses import dataclass
from typing import Callable, Sequence

import httpx

Resolver = Callable[[str, int], Sequence[str]]  # raises OSError (or returns nothing) for an unknown name

# Why a host was refused.
INVALID_URL, NOT_HTTPS, NOT_PUBLIC, NOT_FOUND, ELSEWHERE = "invalid_url", "not_https", "not_public", "not_found", \
    "elsewhere"


class EgressRefused(Exception):
    def __init__(self, reason: str, host: str = ""):
        super().__init__(f"{reason}: {host}" if host else reason)
        self.reason, self.host = reason, host


def system_resolver(host: str, port: int) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_private or ip.is_loopback or ip.is_link_local
                                 or ip.is_unspecified or ip.is_reserved)


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
            raise EgressRefused(INVALID_URL) from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise EgressRefused(INVALID_URL)
        if self.allow_private:
            return Target(url)
        if parsed.scheme != "https":
            raise EgressRefused(NOT_HTTPS, parsed.host)
        addresses = self._addresses(parsed.host, parsed.port or 443)
        if not addresses or not all(is_public(a) for a in addresses):
            raise EgressRefused(NOT_PUBLIC, parsed.host)
        return Target(url, tuple(addresses))

    def _addresses(self, host: str, port: int) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        try:
            return list(dict.fromkeys(self.resolver(host, port)))
        except (OSError, UnicodeError, LookupError):
            raise EgressRefused(NOT_FOUND, host) from None


class PinnedTransport(httpx.BaseTransport):
    """Only `origin`, only at `addresses` (tried in order); everything else is refused."""

    def __init__(self, target: Target, verify: ssl.SSLContext | bool = True):
        self.origin, self.addresses, self.host = target.origin, target.addresses, target.host
        self._inner = httpx.HTTPTransport(verify=verify)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if origin_of(request.url) != self.origin:  # a redirect to somewhere else
            raise EgressRefused(ELSEWHERE, self.host)
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


def http_client(target: Target, timeout_s: float) -> httpx.Client:
    """An httpx client that reaches only `target` (pinned; a redirect elsewhere is refused)."""
    return httpx.Client(transport=PinnedTransport(target), timeout=timeout_s)
