"""base64url without padding (JWTs, signed requests, sealed credentials) and the
claims of a JWT read without checking its signature."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    """Raises ValueError (binascii.Error is one) for text that isn't base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def unverified_claims(token: str) -> dict:
    """A JWT's payload, unverified: only for what we may read without trusting it
    (when to refresh, which account a server says it is). {} when it isn't a JWT."""
    try:
        claims = json.loads(b64url_decode(token.split(".")[1]))
    except (AttributeError, IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def unverified_expiry(token: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(unverified_claims(token)["exp"]), timezone.utc)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return None
