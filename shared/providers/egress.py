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

A server someone else chose may also answer slowly on purpose (a byte every
half-second keeps a per-read timeout happy forever) or without end. So every
call has a total deadline (connect, send and the whole body) and a body size
cap: past either the call ends as TOO_SLOW or TOO_LARGE.
"""
from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import httpx

Resolver = Callable[[str, int], Sequence[str]]  # raises OSError (or returns nothing) for an unknown name

# Why a host was refused.
INVALID_URL, NOT_HTTPS, NOT_PUBLIC, NOT_FOUND, ELSEWHERE = "invalid_url", "not_https", "not_public", "not_found", \
    "elsewhere"
TOO_SLOW, TOO_LARGE = "too_slow", "too_large"

MAX_BODY = 1024 * 1024  # bytes: every answer we expect (tokens, profiles, DID documents) is a few KB

# IPv6 ranges that carry, or translate to, an IPv4 address (RFC 6052 NAT64, RFC 3056
# 6to4, RFC 4380 Teredo, RFC 4291 IPv4-compatible): the address inside may be private,
# and what a gateway does with it is up to the network we'd be calling from.
TRANSITION = tuple(ipaddress.ip_network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "2001::/32",
                                                      "::/96"))


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
    if isinstance(ip, ipaddress.IPv6Address) and any(ip in net for net in TRANSITION):
        return False
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
    """Only `origin`, only at `addresses` (tried in order); everything else is refused.
    Each request ends by `deadline_s` (None: only the client's timeouts) and reads at
    most `max_body` bytes."""

    def __init__(self, target: Target, verify: ssl.SSLContext | bool = True, deadline_s: float | None = None,
                 max_body: int = MAX_BODY):
        self.origin, self.addresses, self.host = target.origin, target.addresses, target.host
        self.deadline_s, self.max_body = deadline_s, max_body
        self._inner = httpx.HTTPTransport(verify=verify)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if origin_of(request.url) != self.origin:  # a redirect to somewhere else
            raise EgressRefused(ELSEWHERE, self.host)
        ends = time.monotonic() + self.deadline_s if self.deadline_s else None
        if ends is not None:  # no single phase may outlive the whole call
            timeout = dict(request.extensions.get("timeout") or {})
            request.extensions = {**request.extensions,
                                  "timeout": {k: min(v or self.deadline_s, self.deadline_s) for k, v in
                                              {"connect": None, "read": None, "write": None, "pool": None,
                                               **timeout}.items()}}
        response = self._send(request)
        try:
            body = self._read(response, ends)
        finally:
            response.close()
        return httpx.Response(response.status_code, headers=response.headers, content=body,
                              extensions={k: v for k, v in response.extensions.items() if k != "network_stream"})

    def _send(self, request: httpx.Request) -> httpx.Response:
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

    def _read(self, response: httpx.Response, ends: float | None) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            raise EgressRefused(TOO_LARGE, self.host)
        chunks, size = [], 0
        for chunk in response.stream:
            size += len(chunk)
            if size > self.max_body:
                raise EgressRefused(TOO_LARGE, self.host)
            if ends is not None and time.monotonic() > ends:
                raise EgressRefused(TOO_SLOW, self.host)
            chunks.append(chunk)
        if ends is not None and time.monotonic() > ends:
            raise EgressRefused(TOO_SLOW, self.host)
        return b"".join(chunks)

    def close(self) -> None:
        self._inner.close()


def http_client(target: Target, timeout_s: float) -> httpx.Client:
    """An httpx client that reaches only `target` (pinned; a redirect elsewhere is refused),
    each call over within `timeout_s` in all."""
    return httpx.Client(transport=PinnedTransport(target, deadline_s=timeout_s), timeout=timeout_s)
