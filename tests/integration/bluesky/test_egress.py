"""The SSRF guard on its own: which addresses count as public, and that connections go
only where the check said (pinned addresses, no redirect elsewhere)."""
from __future__ import annotations

import http.server
import ssl
import threading
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask, jsonify, redirect, request

from auth_gateway.bluesky.xrpc import parse_service, xrpc_client
from shared.providers.egress import (
    INVALID_URL,
    TOO_LARGE,
    TOO_SLOW,
    Egress,
    EgressRefused,
    PinnedTransport,
    Target,
    http_client,
    is_public,
)
from shared.web import ApiError
from tests.fixtures.stand_ins import StaticResolver
from tests.support import serve


@pytest.mark.parametrize("address,public", [
    ("93.184.215.14", True), ("2606:4700:4700::1111", True),
    ("10.0.0.1", False), ("172.16.5.4", False), ("192.168.1.1", False),  # private
    ("127.0.0.1", False), ("::1", False),  # loopback
    ("169.254.169.254", False), ("fe80::1%eth0", False),  # link-local (cloud metadata lives here)
    ("0.0.0.0", False), ("::", False),  # unspecified
    ("224.0.0.251", False), ("ff02::1", False),  # multicast
    ("100.64.0.1", False), ("192.0.2.10", False), ("240.0.0.1", False), ("2001:db8::1", False),  # shared, docs, reserved
    ("fd12:3456::1", False), ("::ffff:10.0.0.1", False), ("::ffff:93.184.215.14", True),  # ULA, v4 inside v6
    # IPv6 transition ranges carry an IPv4 address that may be private: refused whatever it is.
    ("2002:c0a8:0101::1", False), ("2002:5db8:d70e::1", False),  # 6to4 (192.168.1.1, 93.184.215.14)
    ("64:ff9b::a00:1", False), ("64:ff9b::5db8:d70e", False), ("64:ff9b:1::1", False),  # NAT64
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
    ("::10.0.0.1", False), ("::93.184.215.14", False),  # IPv4-compatible
])
def test_only_global_addresses_are_public(address, public):
    assert is_public(address) is public


@pytest.mark.parametrize("typed,parsed", [
    ("pds.example.com", "https://pds.example.com"), ("https://PDS.Example.com/", "https://pds.example.com"),
    ("https://pds.example.com:8443", "https://pds.example.com:8443"), ("https://[2001:db8::1]", "https://[2001:db8::1]"),
    ("https://bücher.example", "https://xn--bcher-kva.example"),
])
def test_a_service_is_reduced_to_its_origin(typed, parsed):
    assert parse_service(typed) == parsed


def test_vetting_pins_the_addresses_it_checked():
    egress = Egress(StaticResolver({"pds.example.com": ["93.184.215.14", "2606:4700:4700::1111"]}))
    assert egress.vet("https://pds.example.com") == Target("https://pds.example.com",
                                                           ("93.184.215.14", "2606:4700:4700::1111"))


def test_allowing_private_servers_lifts_the_rule_but_not_the_scheme_check():
    egress = Egress(StaticResolver(), allow_private=True)
    assert egress.vet("http://localhost:2583") == Target("http://localhost:2583")
    with pytest.raises(EgressRefused) as refused:
        egress.vet("file:///etc/passwd")
    assert refused.value.reason == INVALID_URL


@pytest.fixture
def server():
    """A tiny XRPC server on loopback that reports the Host it was asked for, and can redirect."""
    app = Flask("pinned")
    seen, bounce_to = [], []

    @app.get("/xrpc/com.atproto.server.describeServer")
    def describe():
        seen.append(request.host)
        return jsonify(did="did:web:pinned.example", availableUserDomains=[])

    @app.get("/xrpc/com.atproto.identity.resolveHandle")
    def bounce():
        return redirect(bounce_to[0], 307)

    with serve(app) as url:
        bounce_to.append(url.replace("127.0.0.1", "localhost") + "/xrpc/com.atproto.server.describeServer")
        yield url, seen


def test_requests_go_to_the_vetted_address_whatever_dns_says_later(server):
    url, seen = server
    port = url.rsplit(":", 1)[1]
    # No DNS knows "pds.pinned.example": the connection can only have gone to the pinned address.
    target = Target(f"http://pds.pinned.example:{port}", ("127.0.0.1",))
    with xrpc_client(target, 5) as client:
        assert client.com.atproto.server.describe_server().did == "did:web:pinned.example"
    assert seen == [f"pds.pinned.example:{port}"], "the Host header still names the server"


def test_a_redirect_to_another_server_is_refused(server):
    url, _ = server
    target = Target(url, ("127.0.0.1",))
    with pytest.raises(ApiError) as refused, xrpc_client(target, 5) as client:
        client.com.atproto.identity.resolve_handle({"handle": "alice.example.com"})
    assert refused.value.code == "bluesky_error" and "another server" in refused.value.message


def _self_signed(tmp_path, name: str) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=1))
            .not_valid_after(now + timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_tls_to_a_pinned_address_still_checks_the_certificate_against_the_name(tmp_path):
    cert, key = _self_signed(tmp_path, "pds.pinned.example")

    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Answer)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port, trust = server.server_address[1], ssl.create_default_context(cafile=cert)
    try:
        for name, works in (("pds.pinned.example", True), ("pds.other.example", False)):
            transport = PinnedTransport(Target(f"https://{name}:{port}", ("127.0.0.1",)), verify=trust)
            with httpx.Client(transport=transport) as client:
                if works:
                    assert client.get(f"https://{name}:{port}/").status_code == 204
                else:
                    with pytest.raises(httpx.ConnectError, match="certificate"):
                        client.get(f"https://{name}:{port}/")
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def hostile():
    """A server that drips its answer a byte at a time, or sends far too much."""
    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if self.path == "/drip":
                self.end_headers()
                for byte in b'{"did": "did:web:slow.example"}':
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.1)  # each read is quick; the whole answer is not
            elif self.path == "/huge-declared":
                self.send_header("Content-Length", str(50 * 1024 * 1024))
                self.end_headers()
                self.wfile.write(b"{")
            else:  # /huge: no length declared, just bytes
                self.end_headers()
                for _ in range(2048):
                    self.wfile.write(b"x" * 1024)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_that_drips_its_answer_is_cut_at_the_deadline(hostile):
    started = time.monotonic()
    with pytest.raises(EgressRefused) as refused, http_client(Target(hostile, ("127.0.0.1",)), 1.0) as client:
        client.get(hostile + "/drip")
    assert refused.value.reason == TOO_SLOW
    assert time.monotonic() - started < 2.5, "the whole call, not each read, is bounded"


@pytest.mark.parametrize("path", ["/huge", "/huge-declared"])
def test_an_answer_larger_than_the_cap_is_refused(hostile, path):
    with pytest.raises(EgressRefused) as refused, http_client(Target(hostile, ("127.0.0.1",)), 5.0) as client:
        client.get(hostile + path)
    assert refused.value.reason == TOO_LARGE


def test_a_prompt_small_answer_passes_through_whole(server):
    url, _ = server
    with http_client(Target(url, ("127.0.0.1",)), 5.0) as client:
        answer = client.get(url + "/xrpc/com.atproto.server.describeServer")
    assert answer.status_code == 200 and answer.json()["did"] == "did:web:pinned.example"
