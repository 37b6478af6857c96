"""Token answers, normalised into the credentials the store keeps.

Every network answers differently (expires_in or not, a refresh token or not,
granted scopes in `scope` or Instagram's `permissions`); the store, the refresher
and the publisher see one shape:
  {access_token, token_type, refresh_token?, expires_at?, refresh_expires_at?,
   scope, obtained_at, + where the account lives: user_id, open_id, page_id,
   instance (Mastodon), pds_url, did, handle (a Bluesky session)}
Times are Unix seconds. A missing refresh token is left out, never blanked, and
`merge` keeps the stored one (peers' reconnect-loop bug).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

# Where the account lives and who it is: kept through every refresh.
ACCOUNT_KEYS = ("user_id", "open_id", "page_id", "instance", "pds_url", "did", "handle")


def seconds(value) -> int | None:
    try:
        return int(float(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def after(now: datetime, value) -> datetime | None:
    """`now` plus a lifetime in seconds as a platform states it (None when it doesn't say)."""
    count = seconds(value)
    return now + timedelta(seconds=count) if count and count > 0 else None


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
    return after(now, token.get("expires_in"))


def credentials(token: dict, scopes: list[str], now: datetime, **account: str) -> dict:
    """A token answer at connect time → the stored shape (`account`: where it lives, e.g. instance)."""
    creds = {"access_token": token["access_token"], "token_type": str(token.get("token_type") or "bearer"),
             "scope": " ".join(scopes), "obtained_at": int(now.timestamp())}
    creds.update(_lifetimes(token, now))
    if token.get("refresh_token"):
        creds["refresh_token"] = token["refresh_token"]
    for name in ACCOUNT_KEYS:
        value = account.get(name) or token.get(name)
        if value not in (None, ""):
            creds[name] = str(value)
    return creds


def renewed(old: dict, answer: dict, now: datetime) -> dict:
    """A refresh answer over the stored credentials (see `merge`)."""
    fresh = {"access_token": answer["access_token"], "obtained_at": int(now.timestamp())}
    for key in ("refresh_token", "token_type", "scope"):
        if answer.get(key):
            fresh[key] = answer[key]
    fresh.update(_lifetimes(answer, now))
    return merge(old, fresh)


def merge(old: dict, fresh: dict) -> dict:
    """New credentials over the old ones: a missing refresh token keeps the stored one, the
    account's keys (instance, did, page id…) are kept, and an old expiry no longer describes
    a new token that didn't state one."""
    merged = {**old, **{k: v for k, v in fresh.items() if v not in (None, "")}}
    if "expires_at" not in fresh:
        merged.pop("expires_at", None)
    return merged


def _lifetimes(answer: dict, now: datetime) -> dict:
    found = {}
    expires_at = after(now, answer.get("expires_in"))
    if expires_at:
        found["expires_at"] = int(expires_at.timestamp())
    # TikTok says refresh_expires_in; LinkedIn (a fixed 365 days that refreshing does not extend), Pinterest
    # and Google say refresh_token_expires_in (providers.md §17, checked 2026-12-02).
    refresh_ends = after(now, answer.get("refresh_expires_in") or answer.get("refresh_token_expires_in"))
    if refresh_ends:
        found["refresh_expires_at"] = int(refresh_ends.timestamp())
    return found
