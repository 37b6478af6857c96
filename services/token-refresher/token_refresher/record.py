"""Recording what happened to one connection: the schedule row and the event it
causes, in ONE transaction (the outbox), right after the platform answered — on
PostgreSQL in one statement (the guarded UPDATE as a CTE, the outbox INSERT
hanging off it), so an outcome costs one round trip instead of four.

Every write is one guarded UPDATE (schedule.settle): if the connection changed
while the platform was being called — a reconnect, a revocation, another
replica's refresh — the answer belongs to an older grant and is dropped
("superseded"): the newer credentials win, and a spent refresh token is never
mistaken for a dead connection. What the write needs to know about the row
(failures so far, what was reported) comes from the leased row: only the lease
holder changes those, and anything else that changes the connection supersedes.

One event per transition: `reported` remembers what the store was last told
(active / needs_reauth / revoked), so retries of a failing connection emit nothing
new, and a connection that works again emits the TokenRefreshed that brings it
back to active.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared import providers
from shared.db import is_postgres
from shared.events import AccountRevoked, ConnectionNeedsReauth, Event, TokenRefreshed
from shared.logs import scrub
from shared.outbox import Outbox
from token_refresher import SERVICE, metrics, repository
from token_refresher.domain import (
    ACTIVE,
    GONE,
    NEEDS_REAUTH,
    REVOKED,
    REVOKED_MESSAGE,
    PlatformError,
    Renewed,
    StoredConnection,
    reauth_message,
)
from token_refresher.policy import Policy, backoff, plan

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What a run found: the connection's status now, a machine reason, a sentence."""
    status: str
    reason: str
    message: str


class Ledger:
    def __init__(self, *, sessions, outbox, cipher, policy: Policy, clock: Callable[[], datetime], owner: str,
                 engine: Engine | None = None):
        self.sessions, self.outbox, self.cipher = sessions, outbox, cipher
        self.policy, self.clock, self.owner = policy, clock, owner
        # PostgreSQL: outcomes are single statements, each atomic on its own (see _settle_at_once).
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT") \
            if engine is not None and is_postgres(engine) else None

    # -- it works ------------------------------------------------------------------
    def renewed(self, row, stored: StoredConnection, renewal: Renewed) -> Outcome:
        now = self.clock()
        known, version = self._versions(row, stored)
        values = {**self._fresh(row, renewal.expires_at, now, now), "store_version": version,
                  "awaiting_version": version, "last_outcome": "refreshed"}
        event = self._event(TokenRefreshed, row, version, token_expires_at=renewal.expires_at,
                            credentials=self.cipher.encrypt(renewal.credentials, row.connection_id))
        if not self._settle(row, known, values, event):
            return self._dropped(row)
        self._recovered(row)
        return Outcome(ACTIVE, "refreshed", "The connection works; Post Mate renewed its access just now.")

    def healthy(self, row, stored: StoredConnection) -> Outcome:
        """The token still works. A connection we had reported broken is announced as back."""
        now = self.clock()
        known, version = self._versions(row, stored)
        values = {**self._fresh(row, stored.token_expires_at, row.issued_at, now), "last_outcome": "healthy"}
        event = None
        if row.reported != ACTIVE:
            event = self._event(TokenRefreshed, row, version, token_expires_at=stored.token_expires_at,
                                credentials=self.cipher.encrypt(stored.credentials, row.connection_id))
            values.update(store_version=version, awaiting_version=version)
        if not self._settle(row, known, values, event):
            return self._dropped(row)
        self._recovered(row)
        return Outcome(ACTIVE, "healthy", "The connection works.")

    # -- it doesn't ----------------------------------------------------------------
    def failed(self, row, stored: StoredConnection, error: PlatformError) -> Outcome:
        """Transient (or our own misconfiguration): back off; only days of it ask the user."""
        now = self.clock()
        failures, first = row.failures + 1, row.first_failure_at or now
        delay = backoff(self.policy, failures, error.retry_after_s)
        values = dict(failures=failures, first_failure_at=first, due_at=now + delay, last_attempt_at=now,
                      last_outcome=error.code[:32], last_error=scrub(str(error))[:300], updated_at=now)
        event, reported = None, row.reported
        if now - first >= self.policy.sustained_failure and reported == ACTIVE:
            event, changes = self._report(row, stored, NEEDS_REAUTH, "refresh_failing", now)
            values.update(changes)
            reported = NEEDS_REAUTH
        if not self._settle(row, self._versions(row, stored)[0], values, event):
            return self._dropped(row)
        minutes = max(1, round(delay.total_seconds() / 60))
        return Outcome(reported, error.code, f"{providers.name(row.network)} didn't renew the connection just now "
                       f"({error.code}); Post Mate tries again in about {minutes} min. Nothing was disconnected.")

    def ended(self, row, stored: StoredConnection, error: PlatformError, reason: str) -> Outcome:
        """The platform refused for good: revoked there, or only the user can renew it."""
        status = REVOKED if error.kind == GONE else NEEDS_REAUTH
        now = self.clock()
        values = dict(state=status, last_attempt_at=now, last_outcome=error.code[:32],
                      last_error=scrub(str(error))[:300], updated_at=now)
        event, changes = self._report(row, stored, status, reason, now, detail=error.code)
        if not self._settle(row, self._versions(row, stored)[0], {**values, **changes}, event):
            return self._dropped(row)
        return self._ended_outcome(row.network, status, reason, stored.token_expires_at)

    def warned(self, row, stored: StoredConnection, reason: str) -> Outcome:
        """No way to renew without the user (LinkedIn's 60 days): ask ahead of expiry."""
        now = self.clock()
        values = dict(state=NEEDS_REAUTH, last_attempt_at=now, last_outcome=reason[:32], updated_at=now)
        event, changes = self._report(row, stored, NEEDS_REAUTH, reason, now)
        if not self._settle(row, self._versions(row, stored)[0], {**values, **changes}, event):
            return self._dropped(row)
        return self._ended_outcome(row.network, NEEDS_REAUTH, reason, stored.token_expires_at)

    # -- nothing decided -------------------------------------------------------------
    def defer(self, row, until: datetime, label: str) -> None:
        with self.sessions.begin() as session:
            repository.release(session, row.connection_id, self.owner, dict(due_at=until, last_outcome=label[:32]))

    def store_says_revoked(self, row, stored: StoredConnection) -> Outcome:
        values = dict(state=REVOKED, reported=REVOKED, updated_at=self.clock(),
                      store_version=max(row.store_version, stored.version))
        self._settle(row, max(row.store_version, stored.version), values, None)
        return Outcome(REVOKED, "revoked", "This connection was disconnected; connect the account again.")

    # -- helpers -------------------------------------------------------------------------
    def _settle(self, row, known: int, values: dict, event: Event | None) -> bool:
        """The row and its event together, right after the platform's answer; nothing is
        written if the connection changed meanwhile (see the module doc)."""
        if self._autocommit is not None:
            settled = self._settle_at_once(row, known, values, event)
        else:
            settled = self._settle_in_transaction(row, known, values, event)
        if settled and event is not None and not isinstance(event, TokenRefreshed):
            log.info("connection %s (%s) is now %s", row.connection_id, row.network, event.type)
        return settled

    def _settle_in_transaction(self, row, known: int, values: dict, event: Event | None) -> bool:
        with self.sessions.begin() as session:
            if not repository.settle(session, row.connection_id, self.owner, known, values):
                repository.release(session, row.connection_id, self.owner, {})
                return False
            if event is not None:
                self.outbox.add(session, event)
        return True

    def _settle_at_once(self, row, known: int, values: dict, event: Event | None) -> bool:
        """One statement: the event's INSERT selects from the guarded UPDATE, so it is
        written exactly when the row is; a row back from RETURNING says both were."""
        params = repository.settle_params(row.connection_id, self.owner, known, values)
        if event is None:
            statement = repository.settle_statement(frozenset(values))
        else:
            statement = _settle_and_emit(self.outbox, frozenset(values))
            params.update(self.outbox.params(event))
        with self._autocommit.connect() as conn:
            if conn.execute(statement, params).first() is not None:
                return True
            repository.release(conn, row.connection_id, self.owner, {})  # superseded: just end our lease
        return False

    def _dropped(self, row) -> Outcome:
        log.info("connection %s changed while %s was being called; its answer is dropped",
                 row.connection_id, row.network)
        return Outcome(row.reported, "superseded", "The connection changed meanwhile; nothing else was done.")

    def _versions(self, row, stored: StoredConnection | None) -> tuple[int, int]:
        """(the newest version we acted on, the version of what we emit: its direct successor).

        Not the time of our commit: what the user did while the platform was being
        called — a reconnect, a disconnect — carries the time it happened, later than
        anything we read, and must win in the store even if it got there before our
        event (a refresh of the old grant must not overwrite a reconnect's tokens)."""
        known = max(row.store_version, stored.version if stored else 0)
        return known, known + 1

    def _fresh(self, row, expires_at, issued_at: datetime, now: datetime) -> dict:
        kind, when = plan(self.policy, row.connection_id, row.network, expires_at=expires_at, issued_at=issued_at,
                          now=now)
        return dict(state=ACTIVE, reported=ACTIVE, reason=None, kind=kind, token_expires_at=expires_at,
                    issued_at=issued_at, planned_at=when, due_at=max(when, now + timedelta(seconds=1)), failures=0,
                    first_failure_at=None, last_attempt_at=now, last_success_at=now, last_error=None, updated_at=now)

    def _report(self, row, stored, status: str, reason: str, now: datetime, detail: str = ""):
        """Tell the store about a new status, once: (the event or None, the row's changes)."""
        if row.reported in (status, REVOKED):
            return None, {"reason": reason[:64]}
        version = self._versions(row, stored)[1]
        if status == REVOKED:
            event = self._event(AccountRevoked, row, version, reason="revoked_at_provider", detail=detail[:200])
            metrics.REVOCATIONS.labels(row.network, "revoked_at_provider").inc()
        else:
            event = self._event(ConnectionNeedsReauth, row, version, reason=reason,
                                message=reauth_message(reason, row.network, stored.token_expires_at))
            metrics.REVOCATIONS.labels(row.network, reason).inc()
        return event, dict(reported=status, reason=reason[:64], store_version=version, awaiting_version=None)

    def _event(self, cls: type[Event], row, version: int, **fields) -> Event:
        return cls(producer=SERVICE, user_id=row.user_id, connection_id=row.connection_id, network=row.network,
                   version=version, **fields)

    def _recovered(self, row) -> None:
        if row.reported != ACTIVE:
            metrics.RECOVERIES.labels(row.network).inc()
            log.info("connection %s (%s) works again; reported active", row.connection_id, row.network)

    @staticmethod
    def _ended_outcome(network: str, status: str, reason: str, expires_at) -> Outcome:
        if status == REVOKED:
            return Outcome(REVOKED, "revoked_at_provider", REVOKED_MESSAGE.format(name=providers.name(network)))
        return Outcome(NEEDS_REAUTH, reason, reauth_message(reason, network, expires_at))


@lru_cache(maxsize=64)
def _settle_and_emit(outbox: Outbox, columns: frozenset) -> sa.Insert:
    """Built once per set of columns (see schedule.settle_statement)."""
    return outbox.insert_after(repository.settle_statement(columns).cte("settled"))
