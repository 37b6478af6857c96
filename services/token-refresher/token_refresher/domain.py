"""The refresher's vocabulary, free of I/O: what a platform answered, and the
sentences a user reads when a connection needs them. What the store hands us is
shared.clients.connection_store's StoredConnection (re-exported here)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared import providers
from shared.clients.connection_store import StoredConnection, StoreUnavailable  # noqa: F401 (the refresher's words)

# Schedule states (and what we last reported to the store).
ACTIVE, NEEDS_REAUTH, REVOKED = "active", "needs_reauth", "revoked"

# How a failed platform call is handled.
TRANSIENT = "transient"  # 5xx, 429, timeouts, throttling: back off, never disconnect
GONE = "revoked"         # the platform says access was revoked: AccountRevoked(revoked_at_provider)
REAUTH = "reauth"        # the grant can't be renewed without the user: ConnectionNeedsReauth
MISCONFIGURED = "config"  # our app's credentials or request are wrong: back off, alert ops, never blame the user


@dataclass(frozen=True)
class Renewed:
    """The platform renewed the token: the complete new credentials (the catalogue's `Renewal` is how it renews)."""
    credentials: dict
    expires_at: datetime | None

    def __repr__(self) -> str:
        return f"Renewed(expires_at={self.expires_at!r})"


class PlatformError(Exception):
    """A platform call that did not renew or confirm the token."""

    def __init__(self, kind: str, code: str, description: str = "", *, retry_after_s: float | None = None,
                 status: int | None = None):
        super().__init__(f"{code}: {description}" if description else code)
        self.kind, self.code, self.description = kind, code, description
        self.retry_after_s, self.status = retry_after_s, status


def reauth_message(reason: str, network: str, expires_at: datetime | None = None) -> str:
    """The sentence the dashboard shows beside "Reconnect"."""
    name = providers.name(network)
    if reason == "token_expiring":
        when = f" on {expires_at:%d %B %Y}" if expires_at else " soon"
        return (f"{name} asks you to sign in again every 60 days; its access ends{when}. "
                "Reconnect now to keep posting without a gap.")
    if reason == "refresh_failing":
        return (f"{name} has not let Post Mate renew this connection for several days. "
                "Reconnect the account so your scheduled posts keep going out.")
    if reason == "no_refresh_token":
        return f"{name} didn't give Post Mate a way to renew this connection. Reconnect the account to keep posting."
    return f"{name} no longer accepts this connection's access (it expired or was withdrawn). Reconnect the account."


REVOKED_MESSAGE = "Access was revoked on {name}; connect the account again to keep posting."
