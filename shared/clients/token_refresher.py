"""token-refresher's client: run one connection's refresh or health check now."""
from __future__ import annotations

from shared.clients.internal import InternalHttp, Unreachable, path

TIMEOUT_S = 20.0  # the refresher itself gives up on a platform after its own timeout


class RefresherUnavailable(Exception):
    pass


class RefresherClient:
    def __init__(self, base_url: str, token: str, timeout_s: float = TIMEOUT_S):
        self.http = InternalHttp(base_url, token, timeout_s)

    def check(self, connection_id: str) -> tuple[int, dict]:
        """(status, answer) of POST /v1/connections/<id>/check."""
        try:
            answer = self.http.call("POST", path("/v1/connections/{}/check", connection_id))
        except Unreachable as exc:
            raise RefresherUnavailable(str(exc)) from None
        if not isinstance(answer.body, dict):
            raise RefresherUnavailable(f"HTTP {answer.status}, no JSON object")
        return answer.status, answer.body
