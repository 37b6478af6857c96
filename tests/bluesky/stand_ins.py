"""Small stand-ins for what neither the provider sandbox nor the reference PDS can
be made to do on demand, and a DNS the tests control.

- `StaticResolver`: the gateway's DNS seam (names → addresses).
- `StubPds`: a PDS that answers createSession the way a test says — a lexicon
  error (AccountTakedown…), a deactivated account, another DID — and records
  deleteSession calls. The sandbox has no takedown; the real PDS hides one behind
  "Invalid identifier or password" for app passwords (see test_real_pds.py).
- `RecordingProxy`: forwards to the real PDS and keeps each answer, so a test can
  hold the refresh JWT of a session the gateway opened and ended; it can also
  resolve chosen handles itself (`did_for`), as a server would that still finds
  an account the PDS has taken down.
"""
from __future__ import annotations

import base64
import json
import socket
import threading
import time

import requests
from flask import Flask, Response, jsonify, request


class StaticResolver:
    """DNS for tests: names → addresses; any other name doesn't resolve."""

    def __init__(self, names: dict[str, list[str]] | None = None):
        self.names = dict(names or {})
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.names[host]


def fake_jwt(claims: dict, typ: str = "at+jwt") -> str:
    part = lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")  # noqa: E731
    return f"{part({'typ': typ, 'alg': 'HS256'})}.{part(claims)}.c2lnbmF0dXJl"


class StubPds:
    DID = "did:plc:stubstubstubstubstubstub"

    def __init__(self):
        self.error: tuple[int, str, str] | None = None  # (status, XRPC error, message)
        self.session = {"did": self.DID, "active": True}
        self.scope = "com.atproto.appPass"
        self.deleted: list[str] = []  # bearer tokens deleteSession was called with
        self.logins = 0

    def app(self) -> Flask:
        app = Flask("stub-pds")

        @app.get("/xrpc/com.atproto.identity.resolveHandle")
        def resolve_handle():
            return jsonify(did=self.DID)

        @app.post("/xrpc/com.atproto.server.createSession")
        def create_session():
            self.logins += 1
            if self.error:
                status, name, message = self.error
                return jsonify(error=name, message=message), status
            exp = int(time.time()) + 7200
            return jsonify(handle=request.get_json()["identifier"], did=self.session["did"],
                           accessJwt=fake_jwt({"scope": self.scope, "sub": self.session["did"], "exp": exp}),
                           refreshJwt=fake_jwt({"scope": "com.atproto.refresh", "jti": str(self.logins)},
                                               "refresh+jwt"),
                           **{k: v for k, v in self.session.items() if k != "did"})

        @app.post("/xrpc/com.atproto.server.deleteSession")
        def delete_session():
            self.deleted.append(request.headers.get("Authorization", ""))
            return "", 200

        return app


class RecordingProxy:
    """Forwards every request to `upstream` and keeps (path, JSON answer) pairs."""

    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.answers: list[tuple[str, dict]] = []
        self.did_for: dict[str, str] = {}  # handle → DID answered here, without asking the PDS
        self._lock = threading.Lock()

    def app(self) -> Flask:
        app = Flask("recording-proxy")

        @app.route("/<path:path>", methods=["GET", "POST"])
        def forward(path: str):
            if path.endswith("resolveHandle") and request.args.get("handle") in self.did_for:
                return jsonify(did=self.did_for[request.args["handle"]])
            headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
            answer = requests.request(request.method, f"{self.upstream}/{path}", params=request.args,
                                      data=request.get_data(), headers=headers, timeout=30)
            if answer.headers.get("content-type", "").startswith("application/json"):
                with self._lock:
                    self.answers.append((path, answer.json()))
            kept = {k: v for k, v in answer.headers.items() if k.lower() in ("content-type", "retry-after")}
            return Response(answer.content, answer.status_code, headers=kept)

        return app

    def sessions(self) -> list[dict]:
        with self._lock:
            return [body for path, body in self.answers if path.endswith("createSession") and "refreshJwt" in body]
