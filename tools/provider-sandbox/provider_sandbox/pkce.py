"""PKCE (RFC 7636): what the authorize request may send, and the check at the token endpoint."""
from __future__ import annotations

import base64
import hashlib
import hmac
import re

_SHAPE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def well_formed(value: str) -> bool:
    return bool(_SHAPE.match(value))


def verify(challenge: str | None, method: str | None, verifier: str | None, encoding: str = "base64url") -> bool:
    """True when no challenge was recorded, or the verifier answers it (an S256 challenge in the network's
    encoding: RFC 7636's base64url, or TikTok's hex — a base64url challenge sent to TikTok fails)."""
    if challenge is None:
        return True
    if not verifier:
        return False
    if method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        verifier = digest.hex() if encoding == "hex" else base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return hmac.compare_digest(verifier, challenge)
