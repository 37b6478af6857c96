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
from datetime import datetime, timedelta
from typing import Mapping

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from auth_gateway.bluesky.errors import refuse
from auth_gateway.tables import rate_limits
from shared.db import UtcDateTime


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
        windows = [(hit(session, key, now, limits.window), allowed) for key, allowed in keys]
    over = [start + limits.window for (count, start), allowed in windows if count > allowed]
    if over:
        raise refuse("too_many_attempts", retry_after_s=max(1, math.ceil((max(over) - now).total_seconds())))


def hit(session: Session, key: str, now: datetime, window: timedelta) -> tuple[int, datetime]:
    """Count one hit on `key`: (hits in the current window, when that window started)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stale = rate_limits.c.window_start <= now - window
    fresh_start = sa.literal(now, UtcDateTime())
    statement = dialect.insert(rate_limits).values(key=key, window_start=now, count=1)
    statement = statement.on_conflict_do_update(index_elements=[rate_limits.c.key], set_={
        "count": sa.case((stale, 1), else_=rate_limits.c.count + 1),
        "window_start": sa.case((stale, fresh_start), else_=rate_limits.c.window_start),
    }).returning(rate_limits.c.count, rate_limits.c.window_start)
    count, start = session.execute(statement).one()
    return count, start
