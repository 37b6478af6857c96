"""connection-store's internal credentials reads: the only way the refresher sees a
token, at the moment it needs it — one connection, or a lease batch in one call —
and nothing is kept afterwards."""
from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import quote

from shared.logs import remember_secret
from token_refresher.adapters.client import UNREACHABLE, HttpClient
from token_refresher.domain import StoredConnection, StoreUnavailable

LOOKUP_MAX = 200  # the store's limit per lookup


class HttpConnectionStore:
    def __init__(self, base_url: str, token: str, timeout_s: float = 5.0, pool: int = 64):
        self.base_url, self.timeout_s = base_url.rstrip("/"), timeout_s
        self.http = HttpClient(pool, trust_env=False)  # an internal service: no proxy
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def credentials(self, connection_id: str) -> StoredConnection | None:
        """The connection with plaintext credentials; None when the store doesn't know it."""
        response = self._call("GET", f"/v1/connections/{quote(connection_id, safe='')}/credentials")
        if response.status == 404:
            return None
        if response.status != 200:
            raise StoreUnavailable(f"HTTP {response.status}")
        return _parsed(response.body, _stored)

    def credentials_many(self, connection_ids: list[str]) -> dict[str, StoredConnection | None]:
        """Several at once (one call per LOOKUP_MAX): every id asked for, None where the store doesn't know it."""
        found: dict[str, StoredConnection | None] = dict.fromkeys(connection_ids)
        for start in range(0, len(connection_ids), LOOKUP_MAX):
            ids = connection_ids[start:start + LOOKUP_MAX]
            response = self._call("POST", "/v1/credentials/lookup", json.dumps({"connection_ids": ids}).encode())
            if response.status != 200:
                raise StoreUnavailable(f"HTTP {response.status}")
            for stored in _parsed(response.body, lambda body: [_stored(c) for c in body["connections"]]):
                found[stored.connection_id] = stored
        return found

    def _call(self, method: str, path: str, body: bytes | None = None):
        headers = self.headers if body is None else {**self.headers, "Content-Type": "application/json"}
        try:
            return self.http.request(method, self.base_url + path, headers=headers, body=body, timeout=self.timeout_s)
        except UNREACHABLE as exc:  # (timeouts among them)
            raise StoreUnavailable(exc.__class__.__name__) from None


def _parsed(raw: bytes, read):
    """An answer not shaped as documented (a proxy's error page, a half-deployed store)
    is the store being unavailable: the work waits, nothing is decided from it."""
    try:
        return read(json.loads(raw))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StoreUnavailable(f"unexpected answer ({exc.__class__.__name__})") from None


def _stored(body: dict) -> StoredConnection:
    credentials = body.get("credentials")
    if credentials:
        remember_secret(*(str(v) for k, v in credentials.items() if "token" in k or "Jwt" in k))
    expires = body.get("token_expires_at")
    return StoredConnection(
        connection_id=body["connection_id"], network=body["network"], user_id=body["user_id"],
        status=body["status"], version=int(body["version"]),
        token_expires_at=datetime.fromisoformat(expires) if expires else None, credentials=credentials)
