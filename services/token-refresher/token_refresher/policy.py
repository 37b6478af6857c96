"""When each network's tokens are renewed, checked or flagged, and how hard we push.

The facts of each network (how long its tokens live, how far ahead to renew them)
sit in shared/providers/catalog.py as `Renewal`s, from ../shared/providers.md:
- short-lived access tokens with a refresh token (YouTube 1 h, X 2 h, TikTok 2–24 h)
  are refreshed minutes ahead of expiry; Pinterest's 30-day tokens days ahead;
- Instagram/Threads long-lived tokens (60 days) are refreshed days ahead, never
  sooner than 24 h after they were issued (the platform refuses younger ones);
- LinkedIn gives most apps no refresh token: the user is asked to reconnect a week
  before the 60 days run out (partner apps that do get one are refreshed instead);
- Facebook Page tokens and Mastodon tokens never expire: a cheap identity call once
  a day tells us they still work;
- Bluesky: a revoked app password only shows at refreshSession, so sessions are
  refreshed on a short cycle;
- a network that drops refresh tokens unused for months (Google: 6 months) gets a
  keep-alive refresh when nothing else would touch the token for that long.

Defaults live here; `Policy.from_settings` is where POSTMATE_REFRESHER_* settings
plug in once shared/config.py carries them (per-network lead times already work:
POSTMATE_<NETWORK>_REFRESH_LEAD_S lands in settings.providers).
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Mapping

from shared import providers
from shared.providers.spec import (
    BLUESKY_SESSION,
    DAY,
    HOUR,
    MINUTE,
    NEVER_EXPIRES,
    OAUTH_REFRESH,
    REAUTH_ONLY,
    Renewal,
)

# Kinds of work a schedule row can be due for.
REFRESH, HEALTH_CHECK, KEEPALIVE, REAUTH_WARNING = "refresh", "health_check", "keepalive", "reauth_warning"


# A network's renewal facts (shared/providers/catalog.py); a setting may change its lead.
NetworkPolicy = Renewal


def network_rules() -> dict[str, NetworkPolicy]:
    return {spec.id: spec.renewal for spec in providers.specs()}


UNKNOWN_NETWORK = NetworkPolicy(OAUTH_REFRESH)


@dataclass(frozen=True)
class Policy:
    networks: Mapping[str, NetworkPolicy] = field(default_factory=network_rules)
    health_check_every: timedelta = DAY
    bluesky_cycle: timedelta = 15 * MINUTE
    keepalive_every: timedelta = 30 * DAY
    # Outcomes.
    backoff_base: timedelta = timedelta(seconds=30)
    backoff_max: timedelta = HOUR
    sustained_failure: timedelta = 3 * DAY  # transient failures this long → needs_reauth (reported once)
    store_retry: timedelta = timedelta(seconds=2)  # the store hasn't caught up with our last refresh yet…
    store_retry_max: timedelta = 5 * MINUTE  # …growing to this while it stays behind
    # Work.
    lease: timedelta = timedelta(seconds=120)  # longer than one refresh can take (HTTP timeout 10 s)
    concurrency: int = 16  # refreshes in flight per process (more threads only fight over the GIL)
    per_network: int = 8  # of which at most this many on one network
    batch: int = 100  # rows leased per query
    idle_poll_s: float = 0.5
    gauges_every_s: float = 30.0
    timeout_s: float = 10.0

    def network(self, network: str) -> NetworkPolicy:
        return self.networks.get(network, UNKNOWN_NETWORK)

    @classmethod
    def from_settings(cls, settings) -> "Policy":
        """Defaults, overridden by Settings fields `refresher_<field>` (`…_s` in seconds for
        durations, from POSTMATE_REFRESHER_<FIELD>[_S]) once shared/config.py carries them, and
        per network by POSTMATE_<NETWORK>_REFRESH_LEAD_S (already in settings.providers)."""
        changes = {}
        for name, default in vars(cls()).items():
            if name == "networks":
                continue
            duration = isinstance(default, timedelta)
            value = getattr(settings, f"refresher_{name}_s" if duration else f"refresher_{name}", None)
            if value is not None:
                changes[name] = timedelta(seconds=float(value)) if duration else type(default)(value)
        networks = network_rules()
        for network, overrides in (getattr(settings, "providers", None) or {}).items():
            lead = overrides.get("refresh_lead_s")
            if lead and network in networks:
                networks[network] = replace(networks[network], lead=timedelta(seconds=float(lead)))
        return cls(networks=networks, **changes)


def _spread(connection_id: str, span: timedelta) -> timedelta:
    """A stable share of `span` per connection, so tokens issued together aren't all due together."""
    fraction = int(hashlib.sha256(connection_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return span * fraction


def plan(policy: Policy, connection_id: str, network: str, *, expires_at: datetime | None,
         issued_at: datetime, now: datetime) -> tuple[str, datetime]:
    """(kind of work, when) for a token issued at `issued_at` and expiring at `expires_at`."""
    rules = policy.network(network)
    if rules.strategy == BLUESKY_SESSION:
        when = issued_at + policy.bluesky_cycle
        return REFRESH, min(when, _ahead(rules, connection_id, issued_at, expires_at)) if expires_at else when
    if rules.strategy == NEVER_EXPIRES:
        if expires_at:  # e.g. a Facebook user token: only the user can renew it
            return REAUTH_WARNING, _ahead(rules, connection_id, issued_at, expires_at)
        return HEALTH_CHECK, max(now, issued_at) + policy.health_check_every - _spread(connection_id, HOUR)
    expires_at = expires_at or (issued_at + rules.lifetime if rules.lifetime else None)
    if expires_at is None:  # a token with no stated end: touch it before the platform forgets it
        return KEEPALIVE, max(now, issued_at) + min(policy.keepalive_every, rules.idle_limit or policy.keepalive_every)
    when = _ahead(rules, connection_id, issued_at, expires_at)
    if rules.min_age:
        when = max(when, min(issued_at + rules.min_age, expires_at - MINUTE))
    return (REAUTH_WARNING if rules.strategy == REAUTH_ONLY else REFRESH), when


def _ahead(rules: NetworkPolicy, connection_id: str, issued_at: datetime, expires_at: datetime) -> datetime:
    """`lead` before expiry — never more than half-way through the token's life — and
    up to a tenth earlier, spread per connection."""
    lead = min(rules.lead, max(expires_at - issued_at, timedelta(0)) / 2)
    return expires_at - lead - _spread(connection_id, lead / 10)


def backoff(policy: Policy, failures: int, retry_after_s: float | None, rng=random) -> timedelta:
    """Exponential back-off with jitter (half to full delay); Retry-After is a floor."""
    exponent = min(max(failures - 1, 0), 20)
    delay = min(policy.backoff_base * (2 ** exponent), policy.backoff_max)
    delay = delay * rng.uniform(0.5, 1.0)
    if retry_after_s:
        delay = max(delay, timedelta(seconds=retry_after_s))
    return delay
