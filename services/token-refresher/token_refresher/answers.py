"""What a platform's refusal means for the connection (pure; no I/O).

The shapes of every network's errors are read by shared.providers.errors; this
module decides what each means here. The rule that matters most: an outage or a throttle is never
a revocation (peers disconnected users on a 5xx). Only the platform's own words
— `invalid_grant`, Meta 190, Bluesky ExpiredToken/InvalidToken, a 401 on a token
that never expires — end a connection, and of those only the ones that say
"revoked" (or Meta's "app removed") free the socket.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from shared.logs import scrub
from shared.providers.errors import (
    META_APP_REMOVED,
    META_THROTTLING,
    META_TRANSIENT,
    PINTEREST_AUTH_FAILED,
    PINTEREST_INVALID_GRANT,
    PINTEREST_THROTTLED,
    ErrorShape,
    read_error,
)
from token_refresher.domain import GONE, MISCONFIGURED, REAUTH, TRANSIENT, PlatformError

GRANT_ERRORS = {"invalid_grant", "invalid_token", "access_denied", "ExpiredToken", "InvalidToken",
                "AuthenticationRequired", "AccountTakedown", "AccountDeactivated", "unauthorized"}
CONFIG_ERRORS = {"invalid_client", "unauthorized_client", "unsupported_grant_type", "invalid_scope",
                 "invalid_request", "InvalidRequest"}
SERVER_ERRORS = {"server_error", "temporarily_unavailable", "InternalServerError", "UpstreamFailure"}
_REVOKED = re.compile(r"\brevoked?\b|\bdeauthori[sz]ed\b", re.IGNORECASE)


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - (now or datetime.now(timezone.utc))).total_seconds())


def classify(status: int, headers, body, *, never_expires: bool = False) -> PlatformError:
    """A refusal (non-2xx, or a 2xx carrying an error) as a PlatformError."""
    wait = retry_after((headers or {}).get("Retry-After"))
    if status == 429:
        return PlatformError(TRANSIENT, "rate_limited", f"HTTP {status}", retry_after_s=wait, status=status)
    if status >= 500:
        return PlatformError(TRANSIENT, "platform_unavailable", f"HTTP {status}", retry_after_s=wait, status=status)
    shape = read_error(body)
    if shape is not None and shape.shape == "graph":
        return _meta(shape, status, wait)
    if shape is not None and shape.shape == "oauth":
        return _named(shape.error, scrub(shape.words)[:200], status, never_expires)
    if shape is not None and shape.shape == "pinterest":
        return _pinterest(shape.code, scrub(shape.description)[:200], status, wait, never_expires)
    if status in (401, 403):
        return _dead(f"http_{status}", "", status, never_expires)
    return PlatformError(MISCONFIGURED, f"http_{status}", "unexpected answer", status=status)


def _meta(error: ErrorShape, status: int, wait: float | None) -> PlatformError:
    code, sub = error.code, error.subcode
    message = scrub(error.description)[:200]
    name = f"OAuthException:{code}" + (f"/{sub}" if sub else "")
    if error.throttled:
        return PlatformError(TRANSIENT, "rate_limited" if code in META_THROTTLING else name, message,
                             retry_after_s=wait, status=status)
    if code in META_TRANSIENT:
        return PlatformError(TRANSIENT, name, message, status=status)
    if code in (190, 102):
        gone = sub == META_APP_REMOVED or bool(_REVOKED.search(message))
        return PlatformError(GONE if gone else REAUTH, name, message, status=status)
    if code == 10 or (isinstance(code, int) and 200 <= code < 300):
        return PlatformError(REAUTH, name, message, status=status)  # a permission was withdrawn
    return PlatformError(MISCONFIGURED, name, message, status=status)


def _pinterest(code: int, message: str, status: int, wait: float | None, never_expires: bool) -> PlatformError:
    if code == PINTEREST_THROTTLED:
        return PlatformError(TRANSIENT, "rate_limited", message, retry_after_s=wait, status=status)
    if code == PINTEREST_INVALID_GRANT:
        return _dead("invalid_grant", message, status, never_expires)
    if status in (401, 403) and code != PINTEREST_AUTH_FAILED:  # 2 is also our own client failing to sign in
        return _dead(f"pinterest:{code}", message, status, never_expires)
    return PlatformError(MISCONFIGURED, f"pinterest:{code}", message, status=status)


def _named(error: str, words: str, status: int, never_expires: bool) -> PlatformError:
    if error in SERVER_ERRORS:
        return PlatformError(TRANSIENT, error, words, status=status)
    if error in GRANT_ERRORS:
        return _dead(error, words, status, never_expires)
    # X answers a spent refresh token with invalid_request "…token was invalid".
    if error in CONFIG_ERRORS and "token" in words.lower() and error != "invalid_client":
        return _dead(error, words, status, never_expires)
    if error in CONFIG_ERRORS:
        return PlatformError(MISCONFIGURED, error, words, status=status)
    if status in (401, 403):
        return _dead(error, words, status, never_expires)
    return PlatformError(MISCONFIGURED, error[:64], words, status=status)


def _dead(code: str, words: str, status: int, never_expires: bool) -> PlatformError:
    """The grant is dead: revoked when the platform says so, or when a token that
    never expires stops working (it can only have been withdrawn); else reauth."""
    gone = bool(_REVOKED.search(words)) or (never_expires and status in (401, 403))
    return PlatformError(GONE if gone else REAUTH, code[:64], words, status=status)
