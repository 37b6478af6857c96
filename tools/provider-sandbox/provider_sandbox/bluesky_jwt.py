"""HS256 JWTs for Bluesky sessions, signed with the sandbox's own secret (config `jwt_secret`)."""
from __future__ import annotations

import hashlib
import hmac
import json

from shared.encoding import b64url_decode, b64url_encode


class InvalidJwt(ValueError):
    pass


_b64, _unb64 = b64url_encode, b64url_decode

def _sign(signing_input: str, secret: str) -> str:
    return _b64(hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest())


def encode(claims: dict, secret: str, typ: str) -> str:
    header = {"typ": typ, "alg": "HS256"}
    signing_input = ".".join(_b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims))
    return f"{signing_input}.{_sign(signing_input, secret)}"


def decode(token: str, secret: str) -> tuple[dict, dict]:
    """(header, claims) of a token this sandbox signed; InvalidJwt otherwise. Expiry is the caller's check."""
    parts = token.split(".")
    if len(parts) != 3 or not hmac.compare_digest(_sign(f"{parts[0]}.{parts[1]}", secret), parts[2]):
        raise InvalidJwt("bad signature")
    try:
        header, claims = json.loads(_unb64(parts[0])), json.loads(_unb64(parts[1]))
    except ValueError:
        raise InvalidJwt("malformed") from None
    if not isinstance(header, dict) or not isinstance(claims, dict) or header.get("alg") != "HS256":
        raise InvalidJwt("malformed")
    return header, claims
