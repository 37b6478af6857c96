"""Meta's signed_request, as sent to deauthorize and data-deletion callbacks.

`<sig>.<payload>`, both base64url without padding; sig = HMAC-SHA256 of the
still-encoded payload, keyed with the app secret. Payload:
{"algorithm": "HMAC-SHA256", "issued_at", "user_id"}.
"""
from __future__ import annotations

import hashlib
import hmac
import json

import requests

from shared.encoding import b64url_encode

_b64 = b64url_encode

def payload(user_id: str, issued_at: float) -> dict:
    return {"algorithm": "HMAC-SHA256", "issued_at": int(issued_at), "user_id": user_id}


def sign(body: dict, app_secret: str) -> str:
    encoded = _b64(json.dumps(body, separators=(",", ":")).encode())
    signature = hmac.new(app_secret.encode(), encoded.encode(), hashlib.sha256).digest()
    return f"{_b64(signature)}.{encoded}"


def deliver(callback_url: str, signed_request: str, timeout_s: float) -> requests.Response:
    """POST it as Meta does: one form field, `signed_request`."""
    return requests.post(callback_url, data={"signed_request": signed_request}, timeout=timeout_s)
