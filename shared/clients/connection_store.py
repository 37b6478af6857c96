"""connection-store's client: a user's connections (never credentials), one connection,
and — for the refresher and the gateway's revoker only — plaintext credentials, read
at the moment they are needed and kept nowhere."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.clients.internal import InternalHttp, Unreachable, path
from shared.logs import remember_secret

LOOKUP_MAX = 200  # the store's limit per credentials lookup


class StoreUnavailable(Exception):
    """The store did not answer as documented; nothing was decided from it."""


@dataclass(frozen=True)
class StoredConnection:
    """GET /v1/connections/<id>/credentials, in memory only."""
    connection_id: str
    network: str
    user_id: str
    status: str
    version: int
    token_expires_at: datetime | None
    credentials: dict | None

    def __repr__(self) -> str:  # never print credentials
        return f"StoredConnection({self.connection_id!r}, {self.network!r}, {self.status!r}, v{self.version})"


class ConnectionStoreClient:
    def __init__(self, base_url: str, token: str, timeout_s: float = 5.0, pool: int = 16):
        self.http = InternalHttp(base_url, token, timeout_s, pool)

    def list(self, user_id: str, include_revoked: bool = False) -> list[dict]:
        """A user's connections in the internal view (shared.connections.INTERNAL)."""
        params = {"user_id": user_id, **({"include_revoked": "1"} if include_revoked else {})}
        answer = self._call("GET", "/v1/connections", params=params)
        return _read(answer, 200, lambda body: list(body["connections"]))

    def get(self, connection_id: str) -> dict | None:
        answer = self._call("GET", path("/v1/connections/{}", connection_id))
        return None if answer.status == 404 else _read(answer, 200, dict)

    def credentials(self, connection_id: str) -> StoredConnection | None:
        """The connection with plaintext credentials (None in it once revoked); None when the store doesn't know it."""
        answer = self._call("GET", path("/v1/connections/{}/credentials", connection_id))
        return None if answer.status == 404 else _read(answer, 200, _stored)

    def credentials_many(self, connection_ids: list[str]) -> dict[str, StoredConnection | None]:
        """Several at once (one call per LOOKUP_MAX): every id asked for, None where the store doesn't know it."""
        found: dict[str, StoredConnection | None] = dict.fromkeys(connection_ids)
        for start in range(0, len(connection_ids), LOOKUP_MAX):
            answer = self._call("POST", "/v1/credentials/lookup",
                                body={"connection_ids": connection_ids[start:start + LOOKUP_MAX]})
            for stored in _read(answer, 200, lambda body: [_stored(c) for c in body["connections"]]):
                found[stored.connection_id] = stored
        return found

    def _call(self, method: str, route: str, **kwargs):
        try:
            return self.http.call(method, route, **kwargs)
        except Unreachable as exc:
            raise StoreUnavailable(str(exc)) from None


def _read(answer, status: int, shape):
    """An answer not shaped as documented is the store being unavailable: the work waits."""
    if answer.status != status:
        raise StoreUnavailable(f"HTTP {answer.status}")
    try:
        return shape(answer.body)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
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
