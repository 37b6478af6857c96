"""Every network's error shapes, read one way (pure; no I/O).

Six shapes cover the ten networks:
- OAuth's `{error, error_description}` (TikTok, Google, LinkedIn, X, Pinterest's
  token endpoint, Mastodon), and Bluesky's XRPC `{error, message}`;
- Meta's Graph `{"error": {message, type, code, error_subcode, is_transient}}`;
  TikTok's API answers carry `"error": {"code": "ok"}` on success;
- Instagram Login's token endpoint (api.instagram.com) is flat:
  `{error_type, code, error_message}`; graph.instagram.com answers in the Graph shape
  (providers.md §17, checked 2026-12-02);
- Pinterest's API `{code, message}`;
- X's API problem documents `{title, detail, errors: [...]}`.
`read_error` says which, or None when the body reports no error. What an error
*means* for a connection is each caller's rule (the gateway's connect, the
refresher's classifier); the shapes and Meta's throttling codes live here.
"""
from __future__ import annotations

from dataclasses import dataclass

META_THROTTLING = frozenset({4, 17, 32, 613})  # Graph: app/user/page rate limits
META_TRANSIENT = frozenset({1, 2})  # Graph: unknown error / service temporarily unavailable
META_APP_REMOVED = 458  # Graph subcode: the person removed the app
PINTEREST_INVALID_GRANT, PINTEREST_THROTTLED, PINTEREST_AUTH_FAILED = 283, 8, 2
SUCCESS_CODES = ("ok", 0, "0")  # TikTok's {"error": {"code": "ok"}} on a successful answer


@dataclass(frozen=True)
class ErrorShape:
    shape: str  # oauth | graph | instagram | pinterest | problem
    error: str  # the error's name (Graph: "OAuthException:190", Pinterest: its numeric code)
    description: str = ""
    code: int | str | None = None  # Graph and Pinterest codes
    subcode: int | None = None
    throttled: bool = False  # the platform says: later, not never

    @property
    def words(self) -> str:
        """Name and description together, for rules that read what the platform said."""
        return f"{self.error} {self.description}".strip()


def read_error(body) -> ErrorShape | None:
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict):
        return _graph(error)
    if isinstance(error, str) and error:
        description = body.get("error_description") or body.get("message") or body.get("error_message") or ""
        return ErrorShape("oauth", error, str(description))
    if isinstance(body.get("error_type"), str) and ("error_message" in body or "code" in body):
        code = body.get("code")
        return ErrorShape("instagram", f"{body['error_type']}:{code}", str(body.get("error_message") or ""),
                          code=code, throttled=code in META_THROTTLING)
    if isinstance(body.get("code"), int) and "message" in body:
        return ErrorShape("pinterest", f"pinterest:{body['code']}", str(body.get("message") or ""),
                             code=body["code"], throttled=body["code"] == PINTEREST_THROTTLED)
    if body.get("errors") or body.get("title"):
        first = (body.get("errors") or [{}])[0]
        first = first if isinstance(first, dict) else {}
        return ErrorShape("problem", str(body.get("title") or first.get("title") or "error"),
                             str(body.get("detail") or first.get("message") or ""))
    return None



def _graph(error: dict) -> ErrorShape | None:
    code = error.get("code")
    if code in SUCCESS_CODES:
        return None
    sub = error.get("error_subcode")
    name = f"{error.get('type') or 'error'}:{code}" if code is not None else str(error.get("type") or "error")
    return ErrorShape("graph", name, str(error.get("message") or error.get("error_user_msg") or ""),
                         code=code, subcode=sub if isinstance(sub, int) else None,
                         throttled=code in META_THROTTLING or bool(error.get("is_transient")))
