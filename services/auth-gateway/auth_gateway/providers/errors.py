"""What a platform's answer means when it isn't a success.

Two error shapes cover the nine networks: OAuth's `{error, error_description}`
(TikTok, Google, LinkedIn, X, Pinterest, Mastodon) and Meta's Graph shape
`{"error": {"message", "type", "code", "error_subcode"}}`. TikTok's API answers
carry `"error": {"code": "ok"}` on success. 5xx, 429, timeouts and Meta's
throttling codes are retryable; everything else is the platform saying no.
"""
from __future__ import annotations

import requests

META_THROTTLING = {4, 17, 32, 613}


class ProviderError(Exception):
    """The platform refused, or did not answer. `retryable`: the same request may work later."""

    def __init__(self, error: str, description: str = "", *, retryable: bool = False, status: int | None = None):
        super().__init__(f"{error}: {description}" if description else error)
        self.error, self.description, self.retryable, self.status = error, description, retryable, status


def parse_error(body: dict) -> tuple[str, str, bool] | None:
    """(error, description, retryable) when `body` reports an error, else None."""
    error = body.get("error")
    if isinstance(error, dict):
        code = error.get("code")
        if code in ("ok", 0, "0"):
            return None
        retryable = code in META_THROTTLING
        detail = error.get("message") or error.get("error_user_msg") or ""
        name = error.get("type") or "error"
        return (f"{name}:{code}" if code is not None else name), str(detail), retryable
    if error:
        return str(error), str(body.get("error_description") or body.get("error_message") or ""), False
    if body.get("errors") or body.get("title"):  # X API problem documents
        first = (body.get("errors") or [{}])[0]
        return str(body.get("title") or first.get("title") or "error"), \
            str(body.get("detail") or first.get("message") or ""), False
    return None


def json_or_raise(response: requests.Response) -> dict:
    """The JSON object of a successful answer; ProviderError for anything else."""
    status = response.status_code
    if status >= 500 or status == 429:
        raise ProviderError("platform_unavailable", f"HTTP {status}", retryable=True, status=status)
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ProviderError("bad_response", f"HTTP {status}, not a JSON object", status=status)
    problem = parse_error(body)
    if problem or status >= 400:
        error, description, retryable = problem or (f"http_{status}", "", False)
        raise ProviderError(error, description, retryable=retryable, status=status)
    return body


def translate(exc: Exception) -> ProviderError:
    """A transport failure as a ProviderError (all retryable)."""
    if isinstance(exc, requests.Timeout):
        return ProviderError("timeout", "the platform did not answer in time", retryable=True)
    return ProviderError("unreachable", exc.__class__.__name__, retryable=True)
