"""connection-store over internal HTTP: the user's connections; credentials only to revoke them."""
from __future__ import annotations

import requests

TIMEOUT_S = 3.0


class StoreUnavailable(Exception):
    pass


class HttpConnectionStore:
    def __init__(self, base_url: str, token: str):
        self.base_url, self.http = base_url.rstrip("/"), requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def list(self, user_id: str, include_revoked: bool = False) -> list[dict]:
        params = {"user_id": user_id, **({"include_revoked": "1"} if include_revoked else {})}
        try:
            response = self.http.get(f"{self.base_url}/v1/connections", params=params, timeout=TIMEOUT_S)
            response.raise_for_status()
            return response.json()["connections"]
        except (requests.RequestException, ValueError, KeyError) as exc:
            raise StoreUnavailable(exc.__class__.__name__) from None

    def get(self, connection_id: str) -> dict | None:
        return self._one(f"/v1/connections/{connection_id}")

    def credentials(self, connection_id: str) -> dict | None:
        """The connection with its plaintext credentials (None once revoked): for a disconnect only."""
        return self._one(f"/v1/connections/{connection_id}/credentials")

    def _one(self, path: str) -> dict | None:
        try:
            response = self.http.get(self.base_url + path, timeout=TIMEOUT_S)
            if response.status_code == 404:
                return None
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as exc:
            raise StoreUnavailable(exc.__class__.__name__) from None
