"""Token responses, normalised into the credentials the store keeps.

Every network answers differently (expires_in or not, a refresh token or not,
granted scopes in `scope` or Instagram's `permissions`); the store and the
refresher see one shape:
  {access_token, token_type, refresh_token?, expires_at?, refresh_expires_at?,
   scope, obtained_at, + the account's ids (user_id, open_id, page_id, instance)}
Times are Unix seconds. A missing refresh token is left out, never blanked: the
store keeps the one it holds (peers' reconnect-loop bug).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

KEPT_IDS = ("user_id", "open_id", "page_id", "instance")


def _seconds(value) -> int | None:
    try:
        return int(float(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def granted_scopes(token: dict, requested: list[str]) -> list[str]:
    """The scopes the platform says it granted, or the requested ones when it doesn't say."""
    raw = token.get("scope")
    if raw is None:
        raw = token.get("permissions")
    if raw is None:
        return list(requested)
    items = raw if isinstance(raw, list) else re.split(r"[\s,]+", str(raw))
    return [str(item) for item in items if item]


def missing_scopes(token: dict, requested: list[str]) -> list[str]:
    """Requested scopes the user unticked, when the platform reports grants."""
    if token.get("scope") is None and token.get("permissions") is None:
        return []
    granted = set(granted_scopes(token, requested))
    return [scope for scope in requested if scope not in granted]


def expiry(token: dict, now: datetime) -> datetime | None:
    seconds = _seconds(token.get("expires_in"))
    return now + timedelta(seconds=seconds) if seconds and seconds > 0 else None


def credentials(token: dict, scopes: list[str], now: datetime, **ids: str) -> dict:
    creds = {"access_token": token["access_token"], "token_type": str(token.get("token_type") or "bearer"),
             "scope": " ".join(scopes), "obtained_at": int(now.timestamp())}
    if token.get("refresh_token"):
        creds["refresh_token"] = token["refresh_token"]
    expires_at = expiry(token, now)
    if expires_at:
        creds["expires_at"] = int(expires_at.timestamp())
    refresh_seconds = _seconds(token.get("refresh_expires_in"))
    if refresh_seconds:
        creds["refresh_expires_at"] = int((now + timedelta(seconds=refresh_seconds)).timestamp())
    for name in KEPT_IDS:
        value = ids.get(name) or token.get(name)
        if value not in (None, ""):
            creds[name] = str(value)
    return creds
