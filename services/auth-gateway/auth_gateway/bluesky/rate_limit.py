"""Brute-force guard on Bluesky sign-ins: fixed windows in the `rate_limits` table.

Each attempt that passed the shape checks counts once against the user (default
5 per 15 minutes) and once against the person's IP address (20 per 15 minutes),
whatever its outcome; over either limit → 429 with Retry-After (the end of that
window). The counters live in the gateway's database, so every worker and
replica shares them; one upsert per key keeps a window exact under concurrency
on SQLite and PostgreSQL alike.

The address is the one the dashboard saw (`X-PostMate-Client-Address`): the
gateway itself only sees the dashboard's. Without it only the per-user limit
applies — counting every user under the dashboard's one address would lock
everyone out together.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Mapping

from auth_gateway import repository
from auth_gateway.bluesky.errors import refuse


@dataclass(frozen=True)
class LoginLimits:
    per_user: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, str]) -> "LoginLimits":
        """POSTMATE_BLUESKY_LOGINS_PER_USER, …_LOGINS_PER_ADDRESS, …_LOGIN_WINDOW_S."""
        default = cls()
        return cls(per_user=int(overrides.get("logins_per_user") or default.per_user),
                   per_address=int(overrides.get("logins_per_address") or default.per_address),
                   window=timedelta(seconds=float(overrides.get("login_window_s") or default.window.total_seconds())))


def admit(user_id: str, address: str | None, *, limits: LoginLimits, sessions, clock) -> None:
    """Count this sign-in attempt; refuse it (429) when the user or the address is over its limit."""
    now = clock()
    keys = [(f"bluesky-login:user:{user_id}", limits.per_user)]
    if address:
        keys.append((f"bluesky-login:address:{address}", limits.per_address))
    with sessions.begin() as session:
        windows = [(repository.count_hit(session, key, now, limits.window), allowed) for key, allowed in keys]
    over = [start + limits.window for (count, start), allowed in windows if count > allowed]
    if over:
        raise refuse("too_many_attempts", retry_after_s=max(1, math.ceil((max(over) - now).total_seconds())))

