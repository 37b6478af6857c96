"""The refresher's HTTP client: a call is sent once (a refresh-token grant must never
be replayed), a redirect is answered, not followed, and proxies come from the
environment unless told otherwise."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from token_refresher.adapters import client as http_client
from token_refresher.adapters.client import TIMEOUT, UNREACHABLE, HttpClient


class Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]]

    def do_POST(self):
        self.seen.append(("POST", self.path))
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.endswith("/drop"):  # the answer is lost: the connection just closes
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if self.path.endswith("/redirect"):
            self._answer(302, b"", {"Location": "/elsewhere"})
            return
        self._answer(200, b'{"ok": true}', {"Content-Type": "application/json"})

    do_GET = do_POST

    def _answer(self, status: int, body: bytes, headers: dict) -> None:
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    handler = type("Handler", (Recorder,), {"seen": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", handler.seen
    httpd.shutdown()
    thread.join(5)


def call(client: HttpClient, url: str):
    return client.request("POST", url, headers={"Content-Type": "application/x-www-form-urlencoded"},
                          body=b"grant_type=refresh_token", timeout=5)


def test_a_call_whose_answer_is_lost_is_not_sent_again(server):
    url, seen = server
    with pytest.raises(UNREACHABLE) as raised:
        call(HttpClient(trust_env=False), f"{url}/token/drop")
    assert not isinstance(raised.value, TIMEOUT)
    assert seen == [("POST", "/token/drop")], "sent exactly once"


def test_a_redirect_is_answered_not_followed(server):
    url, seen = server
    answer = call(HttpClient(trust_env=False), f"{url}/token/redirect")
    assert answer.status == 302 and answer.headers.get("location") == "/elsewhere"
    assert seen == [("POST", "/token/redirect")]


def test_kept_alive_connections_serve_call_after_call(server):
    url, seen = server
    client = HttpClient(trust_env=False)
    answers = [call(client, f"{url}/token") for _ in range(3)]
    assert [(a.status, a.body) for a in answers] == [(200, b'{"ok": true}')] * 3 and len(seen) == 3


def test_proxies_come_from_the_environment_unless_trust_env_is_off(server, monkeypatch):
    proxy, seen = server
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy)
    http_client._bypassed.cache_clear()

    assert call(HttpClient(), "http://platform.example/token").status == 200
    assert seen == [("POST", "http://platform.example/token")], "asked of the proxy, absolute URI"
    with pytest.raises(UNREACHABLE):
        call(HttpClient(trust_env=False), "http://platform.example.invalid/token")
    assert len(seen) == 1
