"""Refusals, raised once and rendered in each network's own error shape.

Views raise `SandboxError` with an OAuth-style error name; the network's table
entry picks the renderer: `oauth_error` for its OAuth endpoints, `api_error`
for its API (identity) endpoints, which on most networks look nothing alike.
"""
from __future__ import annotations

import secrets

from flask import jsonify

STATUS = {
    "invalid_request": 400, "invalid_client": 401, "invalid_grant": 400, "unauthorized_client": 401,
    "unsupported_grant_type": 400, "unsupported_response_type": 400, "invalid_scope": 400,
    "redirect_uri_mismatch": 400, "invalid_token": 401, "insufficient_scope": 403, "not_found": 404,
    "rate_limited": 429, "unavailable": 503,
}


class SandboxError(Exception):
    def __init__(self, error: str, description: str = "", *, status: int | None = None,
                 subcode: int | None = None, retry_after: int | None = None, api: bool = False):
        super().__init__(f"{error}: {description}")
        self.error, self.description, self.subcode, self.retry_after = error, description, subcode, retry_after
        self.status = status or STATUS.get(error, 400)
        self.api = api  # raised by an API (identity) endpoint, not an OAuth one


def respond(body: dict, err: SandboxError, status: int | None = None):
    response = jsonify(body)
    response.status_code = status or err.status
    if err.retry_after is not None:
        response.headers["Retry-After"] = str(err.retry_after)
    return response


def _trace() -> str:
    return secrets.token_urlsafe(12)


# -- token problems, worded per family ----------------------------------------
META_REVOKED = {
    "password_changed": (460, "Error validating access token: The session has been invalidated because the user "
                              "changed their password or Facebook has changed the session for security reasons."),
}


def token_error(family: str, status: str, grant=None, *, api: bool = True) -> SandboxError:
    """A dead or unknown access token: Meta's 190 (with 458/460/463), elsewhere invalid_token."""
    if family == "meta":
        if status == "revoked":
            subcode, message = META_REVOKED.get(grant.revoked_reason if grant else "", (
                458, f"Error validating access token: The user has not authorized application "
                     f"{grant.client_id if grant else ''}."))
            return SandboxError("invalid_token", message, subcode=subcode, api=api)
        if status == "expired":
            return SandboxError("invalid_token", "Error validating access token: Session has expired.",
                                subcode=463, api=api)
        return SandboxError("invalid_token", "Invalid OAuth access token - Cannot parse access token", api=api)
    wording = {"revoked": "The access token was revoked", "expired": "The access token expired"}
    return SandboxError("invalid_token", wording.get(status, "The access token is invalid"), api=api)


# -- renderers ------------------------------------------------------------------
_OAUTH_NAMES = {"rate_limited": "rate_limit_exceeded", "unavailable": "temporarily_unavailable",
                "not_found": "invalid_request"}


def oauth(err: SandboxError):
    """RFC 6749 §5.2: Google, LinkedIn, X and Mastodon token endpoints."""
    return respond({"error": _OAUTH_NAMES.get(err.error, err.error), "error_description": err.description}, err)


def tiktok(err: SandboxError):
    return respond({"error": _OAUTH_NAMES.get(err.error, err.error), "error_description": err.description,
                    "log_id": _trace()}, err)


_TIKTOK_API = {"invalid_token": "access_token_invalid", "insufficient_scope": "scope_not_authorized",
               "rate_limited": "rate_limit_exceeded", "unavailable": "internal_error",
               "invalid_request": "invalid_params"}


def tiktok_api(err: SandboxError):
    return respond({"data": {}, "error": {"code": _TIKTOK_API.get(err.error, err.error),
                                          "message": err.description, "log_id": _trace()}}, err)


_META_CODES = {"invalid_token": 190, "insufficient_scope": 200, "rate_limited": 4, "unavailable": 2,
               "invalid_client": 101}


def meta(err: SandboxError):
    """Graph API: {"error": {message, type, code, error_subcode, fbtrace_id}}; HTTP 400 for OAuth errors."""
    body = {"message": err.description, "type": "OAuthException", "code": _META_CODES.get(err.error, 100),
            "fbtrace_id": _trace()}
    if err.subcode:
        body["error_subcode"] = err.subcode
    if err.error in ("rate_limited", "unavailable"):
        body["is_transient"] = True
    status = err.status if err.error in ("rate_limited", "unavailable", "insufficient_scope", "not_found") else 400
    return respond({"error": body}, err, status)


def instagram_flat(err: SandboxError):
    """api.instagram.com (Instagram Login's token endpoint): {error_type, code, error_message}, flat, unlike
    graph.instagram.com's Graph shape (developers.facebook.com/docs/instagram-platform/instagram-api-with-
    instagram-login/business-login; providers.md §17)."""
    status = err.status if err.error in ("rate_limited", "unavailable") else 400
    return respond({"error_type": "OAuthException", "code": status, "error_message": err.description}, err, status)


_GOOGLE_STATUS = {401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE"}


def google_api(err: SandboxError):
    reason = {"invalid_token": "authError", "insufficient_scope": "insufficientPermissions",
              "rate_limited": "rateLimitExceeded"}.get(err.error, "badRequest")
    return respond({"error": {"code": err.status, "message": err.description,
                              "errors": [{"message": err.description, "domain": "global", "reason": reason}],
                              "status": _GOOGLE_STATUS.get(err.status, "INVALID_ARGUMENT")}}, err)


def linkedin_api(err: SandboxError):
    code = {"invalid_token": 65600, "insufficient_scope": 100, "rate_limited": 101}.get(err.error, 0)
    return respond({"serviceErrorCode": code, "message": err.description, "status": err.status}, err)


_X_TITLES = {401: "Unauthorized", 403: "Forbidden", 429: "Too Many Requests", 503: "Service Unavailable"}


def x_api(err: SandboxError):
    """X API v2 answers with problem documents."""
    return respond({"title": _X_TITLES.get(err.status, "Invalid Request"), "detail": err.description,
                    "type": "about:blank", "status": err.status}, err)


_PINTEREST_CODES = {"invalid_grant": 283, "invalid_client": 2, "invalid_token": 2, "insufficient_scope": 3,
                    "rate_limited": 8, "unavailable": 0}


def pinterest(err: SandboxError):
    """Pinterest answers OAuth and API calls alike: {"code": n, "message": "…"}."""
    return respond({"code": _PINTEREST_CODES.get(err.error, 1), "message": err.description}, err)


def mastodon_api(err: SandboxError):
    return respond({"error": err.description}, err)


_XRPC_NAMES = {"rate_limited": "RateLimitExceeded", "unavailable": "InternalServerError",
               "invalid_request": "InvalidRequest", "not_found": "InvalidRequest"}


def xrpc(err: SandboxError):
    """AT Protocol XRPC: {"error": Name, "message": "…"}; Bluesky views raise the real names."""
    return respond({"error": _XRPC_NAMES.get(err.error, err.error), "message": err.description}, err)


def plain(err: SandboxError):
    """The sandbox's own admin API."""
    return respond({"error": err.error, "message": err.description}, err)
