"""The gateway's dashboard-facing API, called with the dashboard's service token.

Answers come back as (status, JSON body, Retry-After) so the proxy can pass them
on unchanged. What a browser must never see is added here and only here: the
token. Failures to reach the gateway become a 503 with a sentence.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import requests

log = logging.getLogger(__name__)
TIMEOUT_S = 15.0  # a Bluesky login resolves a handle and calls the PDS: give it time


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict
    retry_after: str | None = None


UNREACHABLE = Answer(503, {"error": "gateway_unavailable",
                           "message": "Post Mate can't reach its connections service right now. "
                                      "Please try again in a minute."})
NOT_YET = Answer(501, {"error": "not_available_yet",
                       "message": "This Post Mate server can't do that yet."})


class DashboardApi:
    def __init__(self, base_url: str, token: str, timeout_s: float = TIMEOUT_S):
        self.base_url, self.timeout_s = base_url.rstrip("/"), timeout_s
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, user: str, body: dict | None = None,
             client_address: str | None = None) -> Answer:
        headers = {"X-PostMate-User": user}
        if client_address:  # the gateway's per-address brute-force limit (Bluesky logins)
            headers["X-PostMate-Client-Address"] = client_address
        try:
            response = self.http.request(method, self.base_url + path, json=body, timeout=self.timeout_s,
                                         headers=headers)
        except requests.RequestException as exc:
            log.warning("gateway %s %s failed: %s", method, path, exc.__class__.__name__)
            return UNREACHABLE
        return _answer(response)


def _answer(response: requests.Response) -> Answer:
    try:
        body = response.json()
    except ValueError:
        body = None
    # A route the gateway doesn't have yet answers with a generic 404/405 (no code of ours).
    if response.status_code in (404, 405) and (not isinstance(body, dict)
                                               or body.get("error") in (None, "not_found", "method_not_allowed")):
        return NOT_YET
    if not isinstance(body, dict):
        log.warning("gateway answered %s without a JSON object", response.status_code)
        return Answer(502, {"error": "gateway_error", "message": "Post Mate's connections service gave an answer "
                                                                 "we couldn't read. Please try again."})
    return Answer(response.status_code, body, response.headers.get("Retry-After"))
