"""The reference Bluesky PDS (with an in-memory PLC directory) as a test fixture.

    with LocalPds() as pds:
        alice = pds.create_account("alice")
        app_password = pds.create_app_password(alice)
        Client(base_url=pds.url).login(alice.handle, app_password, fetch_bsky_profile=False)

`tests/pds/install.sh` puts Node 22 and the PDS in a cache outside the repo (about 2 min
the first time on a machine, then a no-op); `tests/pds/server.mjs` runs them on 127.0.0.1.
"""
from __future__ import annotations

import base64
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import requests

PDS_DIR = Path(__file__).resolve().parent / "pds"
_installed: Optional[dict[str, str]] = None  # install.sh's NODE / NODE_MODULES, once per process


@dataclass(frozen=True)
class Account:
    handle: str
    did: str
    password: str  # the main password
    email: str


def install() -> dict[str, str]:
    """Run install.sh (once per process; itself a no-op when its cache is ready)."""
    global _installed
    if _installed is None:
        # stderr is inherited so a first, slow install shows progress; stdout ends in KEY=VALUE lines.
        out = subprocess.run(["bash", str(PDS_DIR / "install.sh")], stdout=subprocess.PIPE,
                             text=True, check=True, timeout=1800).stdout
        _installed = dict(line.split("=", 1) for line in out.splitlines() if re.match(r"^[A-Z_]+=", line))
    return _installed


def jwt_claims(token: str) -> dict:
    """Payload of a JWT, unverified: enough to read `scope`, `exp`, `jti` in tests."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _free_ports(count: int) -> list[int]:
    # Keep all sockets open until every port is chosen, so the ports are distinct.
    socks = [socket.socket() for _ in range(count)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


class LocalPds:
    """A fresh PDS + PLC (new data folder, new accounts) for as long as it runs."""

    def __init__(self, start_timeout: float = 60.0):
        self.start_timeout = start_timeout
        self.url = ""  # http://localhost:PORT: the PDS's own public URL (it listens on 127.0.0.1)
        self.admin_password = ""
        self.info: dict = {}  # the READY line: url, did, port, plcUrl, adminPassword, dataDir, pid
        self._proc: Optional[subprocess.Popen] = None
        self._tmp: Optional[tempfile.TemporaryDirectory] = None
        self._handles: set[str] = set()
        self.log_path: Optional[Path] = None  # server output; removed with the temp dir by stop()

    def start(self) -> "LocalPds":
        paths = install()
        self._tmp = tempfile.TemporaryDirectory(prefix="postmate-pds-")
        self.log_path = Path(self._tmp.name) / "server.log"
        pds_port, plc_port = _free_ports(2)
        env = {**os.environ, "PDS_PORT": str(pds_port), "PLC_PORT": str(plc_port),
               "PDS_DATA_DIR": str(Path(self._tmp.name) / "data"), "PDS_NODE_MODULES": paths["NODE_MODULES"]}
        # Output goes to a file, not a pipe nobody drains; own process group so stop() gets it all.
        with open(self.log_path, "wb") as log:
            self._proc = subprocess.Popen([paths["NODE"], str(PDS_DIR / "server.mjs")], env=env,
                                          stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while not self.info:
            lines = self.log_path.read_text(errors="replace").split("\n")[:-1]  # complete lines only
            ready = [line for line in lines if line.startswith("READY ")]
            if ready:
                self.info = json.loads(ready[0][len("READY "):])
                continue
            if self._proc.poll() is not None or time.monotonic() > deadline:
                why = f"exited with {self._proc.returncode}" if self._proc.poll() is not None \
                    else f"not ready after {self.start_timeout:.0f} s"
                log_text = self.log_path.read_text(errors="replace")[-4000:]
                self.stop()
                raise RuntimeError(f"local PDS {why}; its output:\n{log_text}")
            time.sleep(0.1)
        self.url, self.admin_password = self.info["url"], self.info["adminPassword"]
        return self

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            try:
                os.killpg(self._proc.pid, signal.SIGTERM)  # server.mjs closes both servers and exits 0
                self._proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait()
            except ProcessLookupError:
                pass
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> "LocalPds":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- XRPC -----------------------------------------------------------------------
    def xrpc(self, nsid: str, token: Optional[str] = None, body: Optional[dict] = None,
             params: Optional[dict] = None, method: Optional[str] = None) -> requests.Response:
        """Call one XRPC method (POST when `body` is given, else GET); returns the raw response."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.request(method or ("POST" if body is not None else "GET"), f"{self.url}/xrpc/{nsid}",
                                json=body, params=params, headers=headers, timeout=30)

    def _ok(self, response: requests.Response) -> dict:
        if response.status_code != 200:
            raise AssertionError(f"{response.request.method} {response.url}: {response.status_code} {response.text}")
        return response.json() if response.content else {}

    # --- accounts and app passwords --------------------------------------------------
    def create_account(self, handle_prefix: str = "user") -> Account:
        """A new account `<prefix>-xxxx.test` (the PDS allows at most 18 characters before .test)."""
        prefix = re.sub(r"[^a-z0-9-]", "", handle_prefix.lower())[:13].strip("-") or "user"
        handle = f"{prefix}-{secrets.token_hex(2)}.test"
        while handle in self._handles:
            handle = f"{prefix}-{secrets.token_hex(2)}.test"
        self._handles.add(handle)
        password, email = secrets.token_urlsafe(16), f"{handle.split('.')[0]}@example.com"
        created = self._ok(self.xrpc("com.atproto.server.createAccount",
                                     body={"handle": handle, "email": email, "password": password}))
        return Account(handle=handle, did=created["did"], password=password, email=email)

    def login(self, identifier: str, password: str) -> dict:
        """createSession: accessJwt, refreshJwt, did, handle, …"""
        return self._ok(self.xrpc("com.atproto.server.createSession",
                                  body={"identifier": identifier, "password": password}))

    def create_app_password(self, account: Account, name: str = "Post Mate", privileged: bool = False) -> str:
        """A new app password (xxxx-xxxx-xxxx-xxxx); the PDS only allows this from a main-password session."""
        token = self.login(account.handle, account.password)["accessJwt"]
        return self._ok(self.xrpc("com.atproto.server.createAppPassword", token,
                                  body={"name": name, "privileged": privileged}))["password"]

    def list_app_passwords(self, account: Account) -> list[str]:
        token = self.login(account.handle, account.password)["accessJwt"]
        return [p["name"] for p in self._ok(self.xrpc("com.atproto.server.listAppPasswords", token))["passwords"]]

    def revoke_app_password(self, account: Account, name: str = "Post Mate") -> None:
        """Revokes it: its sessions fail at the next refreshSession (access JWTs live on until they expire)."""
        token = self.login(account.handle, account.password)["accessJwt"]
        self._ok(self.xrpc("com.atproto.server.revokeAppPassword", token, body={"name": name}))

    def refresh(self, refresh_jwt: str) -> requests.Response:
        """Raw refreshSession. On success the token rotates (the old one stays valid ~2 h as a retry grace)."""
        return self.xrpc("com.atproto.server.refreshSession", refresh_jwt, method="POST")

    def refresh_works(self, refresh_jwt: str) -> bool:
        """False once the session is revoked (400 ExpiredToken "Token has been revoked") or invalid."""
        return self.refresh(refresh_jwt).status_code == 200
