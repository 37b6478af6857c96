"""connection-store's internal credentials read: the only way the refresher sees a
token, at the moment it needs it (nothing is kept afterwards)."""
from __future__ import annotations

from datetime import datetime

import requests
from requests.adapters import HTTPAdapter

from shared.logs import remember_secret

from token_refresher.domain import StoreUnavailable, StoredConnection


class HttpConnectionStore:
    def __init__(self, base_url: str, token: str, timeout_s: float = 5.0, pool: int = 64):
        self.base_url, self.timeout_s = base_url.rstrip("/"), timeout_s
        self.http = requests.Session()
        self.http.trust_env = False  # an internal service: no proxy from the environment, no per-call lookups
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.http.mount("http://", HTTPAdapter(pool_maxsize=pool))
        self.http.mount("https://", HTTPAdapter(pool_maxsize=pool))

    def credentials(self, connection_id: str) -> StoredConnection | None:
        """The connection with plaintext credentials; None when the store doesn't know it."""
        url = f"{self.base_url}/v1/connections/{connection_id}/credentials"
        try:
            response = self.http.get(url, timeout=self.timeout_s)
        except requests.RequestException as exc:
            raise StoreUnavailable(exc.__class__.__name__) from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise StoreUnavailable(f"HTTP {response.status_code}")
        body = response.json()
        credentials = body.get("credentials")
        if credentials:
            remember_secret(*(str(v) for k, v in credentials.items() if "token" in k or "Jwt" in k))
        expires = body.get("token_expires_at")
        return StoredConnection(
            connection_id=body["connection_id"], network=body["network"], user_id=body["user_id"],
            status=body["status"], version=int(body["version"]),
            token_expires_at=datetime.fromisoformat(expires) if expires else None, credentials=credentials)
