"""One connection's due work, start to finish — the single code path of the
refresh loop and of "Check connection".

1. Read the credentials from connection-store (never kept here; the loop reads a
   lease batch in one call just before its runs start). The store must
   have reached every version we know of — in particular the TokenRefreshed we
   emitted last time — or we would refresh with a spent rotating token: if it
   hasn't, try again in a moment.
2. Decide the work: refresh (refresh-token grant, Meta's long-lived refresh,
   Bluesky refreshSession), a health check for tokens that never expire, or —
   with no way to renew — ask the user to reconnect ahead of expiry.
3. Call the platform (at most `per_network` at once per process; a 429 with
   Retry-After pauses the network).
4. Record the outcome with its event in one transaction (record.Ledger),
   immediately after the answer.

The remaining window, for rotating refresh tokens: a crash after the platform
answered and before that commit. Bluesky accepts the spent refresh JWT for a 2 h
grace and returns the same successor, so the retry after the lease runs out
recovers. X, TikTok and Pinterest have no grace: the retry gets invalid_grant;
we re-read the store (another replica or a reconnect may have replaced the token)
and, if it still holds the spent one, report ConnectionNeedsReauth — the user
sees "Reconnect", never a silently broken connection.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable

from shared.providers.spec import BLUESKY_SESSION, META_LONG_LIVED, NEVER_EXPIRES
from token_refresher import metrics
from token_refresher.domain import (
    GONE,
    MISCONFIGURED,
    REAUTH,
    REVOKED,
    PlatformError,
    Renewed,
    StoredConnection,
    StoreUnavailable,
)
from token_refresher.gates import Gates
from token_refresher.policy import HEALTH_CHECK, REAUTH_WARNING, Policy
from token_refresher.record import Ledger, Outcome

log = logging.getLogger(__name__)
Work = Callable[[dict, datetime], Renewed | None]


class Refresher:
    def __init__(self, *, ledger: Ledger, store, platforms, policy: Policy, gates: Gates,
                 clock: Callable[[], datetime]):
        self.ledger, self.store, self.platforms = ledger, store, platforms
        self.policy, self.gates, self.clock = policy, gates, clock

    def read_ahead(self, rows) -> dict[str, StoredConnection | None]:
        """A lease batch's credentials in one call to the store, for `run(ahead=…)`; {} when
        the store is away (each run then asks on its own, and defers)."""
        try:
            return self.store.credentials_many([row.connection_id for row in rows])
        except StoreUnavailable as exc:
            log.warning("connection-store unavailable (%s) for a batch read", exc)
            return {}

    def run(self, row, scheduled: bool = True, ahead: dict | None = None) -> Outcome:
        """`ahead`: what read_ahead returned for this row's batch; its entry is taken out
        (the credentials are held no longer than the run)."""
        outcome, label = self._run(row, scheduled, ahead)
        if outcome.reason in ("superseded", "replaced"):
            label = outcome.reason
        metrics.REFRESHES.labels(row.network, label).inc()
        return outcome

    def _run(self, row, scheduled: bool, ahead: dict | None) -> tuple[Outcome, str]:
        stored = self._read(row, ahead)
        if isinstance(stored, Outcome):
            return stored, stored.reason
        if stored.status == REVOKED or not stored.credentials:
            return self.ledger.store_says_revoked(row, stored), "revoked"
        work = self._work(row, stored)
        if isinstance(work, str):  # nothing to call: only the user can renew it
            return self.ledger.warned(row, stored, work), work
        gate, now = self.gates(row.network), self.clock()
        paused = gate.paused(now)
        if paused:
            self.ledger.defer(row, paused + self._stagger(row), "rate_limited")
            return _later(row, "rate_limited"), "paused"
        if scheduled:
            metrics.LAG.labels(row.network).observe(max(0.0, (now - row.planned_at).total_seconds()))
        try:
            with gate.slot():
                answer = work(stored.credentials, self.clock())
        except PlatformError as error:
            return self._refused(row, stored, error), _label(error)
        if answer is None:
            return self.ledger.healthy(row, stored), "healthy"
        return self.ledger.renewed(row, stored, answer), "refreshed"

    # -- 1. read -----------------------------------------------------------------------
    def _read(self, row, ahead: dict | None) -> StoredConnection | Outcome:
        now = self.clock()
        try:
            if ahead and row.connection_id in ahead:  # read with its batch a moment ago
                stored = ahead.pop(row.connection_id)
            else:
                stored = self.store.credentials(row.connection_id)
        except StoreUnavailable as exc:
            log.warning("connection-store unavailable (%s); %s postponed", exc, row.connection_id)
            self.ledger.defer(row, now + self.policy.backoff_base, "store_unavailable")
            return _later(row, "store_unavailable")
        lagging = stored is None or (  # our consumer saw the connection (or our last refresh) before the store
            stored.status != REVOKED and stored.version < max(row.store_version, row.awaiting_version or 0))
        if lagging:
            self.ledger.defer(row, now + self._store_wait(row, now), "store_lagging")
            return _later(row, "store_lagging")
        return stored

    def _store_wait(self, row, now: datetime) -> timedelta:
        """A moment at first; longer the longer the store has been behind (its consumer may be down)."""
        behind = now - (row.last_success_at or row.updated_at)
        return min(max(self.policy.store_retry, behind / 2), self.policy.store_retry_max)

    # -- 2. decide ---------------------------------------------------------------------
    def _work(self, row, stored: StoredConnection) -> Work | str:
        network, credentials = row.network, stored.credentials
        strategy = self.policy.network(network).strategy
        if row.kind == HEALTH_CHECK:
            return lambda creds, now: self.platforms.health_check(network, creds)
        if strategy == BLUESKY_SESSION:
            return self.platforms.bluesky_refresh
        if strategy == META_LONG_LIVED:
            if self.clock() < row.issued_at + self.policy.network(network).min_age:  # too young to renew
                return lambda creds, now: self.platforms.health_check(network, creds)
            return lambda creds, now: self.platforms.meta_refresh(network, creds, now)
        if strategy == NEVER_EXPIRES:
            return "token_expiring" if row.kind == REAUTH_WARNING else \
                (lambda creds, now: self.platforms.health_check(network, creds))
        if credentials.get("refresh_token"):
            return lambda creds, now: self.platforms.refresh_grant(network, creds, now)
        return "token_expiring" if row.kind == REAUTH_WARNING else "no_refresh_token"

    # -- 3./4. a refusal -----------------------------------------------------------------
    def _refused(self, row, stored: StoredConnection, error: PlatformError) -> Outcome:
        if error.kind not in (GONE, REAUTH):
            if error.retry_after_s:
                self.gates(row.network).pause(self.clock() + timedelta(seconds=error.retry_after_s))
            return self.ledger.failed(row, stored, error)
        replaced = self._replaced(row, stored)
        if replaced is not None:
            return replaced
        spent = " (its refresh tokens are single-use: spent by a lost answer?)" \
            if self.policy.network(row.network).rotates else ""
        log.info("%s refused %s for good: %s%s", row.network, row.connection_id, error.code, spent)
        return self.ledger.ended(row, stored, error, self._reason(row, stored))

    def _reason(self, row, stored: StoredConnection) -> str:
        """Why only the user can renew it now, for the store's status_reason."""
        if row.kind == HEALTH_CHECK or not stored.credentials.get("refresh_token"):
            return "token_invalid"  # the token itself stopped working (Meta, Mastodon, Facebook Pages)
        return "refresh_token_expired"

    def _replaced(self, row, stored: StoredConnection) -> Outcome | None:
        """Before believing a refusal, look again: a newer token in the store means
        another replica or a reconnect replaced the one we used."""
        try:
            again = self.store.credentials(row.connection_id)
        except StoreUnavailable:
            self.ledger.defer(row, self.clock() + self.policy.backoff_base, "store_unavailable")
            return _later(row, "store_unavailable")
        if again is not None and (again.version > stored.version or again.credentials != stored.credentials):
            log.info("connection %s got new credentials meanwhile; retrying with them", row.connection_id)
            self.ledger.defer(row, self.clock(), "replaced")
            return _later(row, "replaced")
        return None

    def _stagger(self, row) -> timedelta:
        """Rows paused together resume spread over a few seconds, not all at once."""
        return timedelta(milliseconds=hash(row.connection_id) % 5000)


TRANSIENT_LABELS = {"rate_limited", "platform_unavailable", "timeout", "unreachable", "bad_response"}


def _label(error: PlatformError) -> str:
    """A bounded metrics label for a refusal (platform error codes are not)."""
    if error.kind == GONE:
        return "revoked"
    if error.kind == REAUTH:
        return "needs_reauth"
    if error.kind == MISCONFIGURED:
        return "misconfigured"
    return error.code if error.code in TRANSIENT_LABELS else "transient"


def _later(row, reason: str) -> Outcome:
    return Outcome(row.reported if row.state != REVOKED else REVOKED, reason,
                   "Post Mate couldn't finish checking this connection right now; it tries again shortly.")
