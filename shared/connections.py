"""A connection as other parts of Post Mate see it: the one definition of its public view.

connection-store presents its rows with it, the gateway shows the dashboard the same
fields (including its read-your-writes view of a connection it has just made, before
the store has caught up), and the panel proxies that. Credentials are never part
of it.

- `SHOWN`: what the dashboard sees.
- `INTERNAL`: `SHOWN` plus what services need to reconcile copies (whose it is, and
  the version that orders one connection's changes).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

SHOWN = ("id", "network", "provider_account_id", "handle", "display_name", "status", "status_reason",
         "status_message", "scopes", "token_expires_at", "connected_at", "updated_at")
INTERNAL = (*SHOWN, "user_id", "version")
TIMES = ("token_expires_at", "connected_at", "updated_at")


def view(source: Mapping[str, Any] | Any, fields: tuple[str, ...] = SHOWN) -> dict:
    """`fields` of a row (attributes) or a mapping, times as ISO 8601 text."""
    get = source.get if isinstance(source, Mapping) else lambda name: getattr(source, name, None)
    shown = {name: get(name) for name in fields}
    for name in TIMES:
        if isinstance(shown.get(name), datetime):
            shown[name] = shown[name].isoformat()
    return shown


def made(*, id: str, network: str, user_id: str, provider_account_id: str, handle: str, display_name: str,
         scopes: list[str], token_expires_at: datetime | None, now: datetime, version: int) -> dict:
    """The internal view of a connection just made (active, connected and updated now)."""
    return view({"id": id, "network": network, "user_id": user_id, "provider_account_id": provider_account_id,
                 "handle": handle, "display_name": display_name, "status": "active", "status_reason": None,
                 "status_message": None, "scopes": list(scopes), "token_expires_at": token_expires_at,
                 "connected_at": now, "updated_at": now, "version": version}, INTERNAL)
