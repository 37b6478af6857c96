"""token-refresher over internal HTTP: run one connection's refresh or health check now."""
from __future__ import annotations

import requests

TIMEOUT_S = 20.0  # the refresher itself gives up on a platform after its own timeout


class RefresherUnavailable(Exception):
    pass


class HttpRefresher:
    def __init__(self, base_url: str, token: str):
        self.base_url, self.http = base_url.rstrip("/"), requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def check(self, connection_id: str) -> tuple[int, dict]:
        try:
            response = self.http.post(f"{self.base_url}/v1/connections/{connection_id}/check", timeout=TIMEOUT_S)
            return response.status_code, response.json()
        except (requests.RequestException, ValueError) as exc:
            raise RefresherUnavailable(exc.__class__.__name__) from None
