"""The worker's loops: lease due work and run it on a thread pool; refresh the gauges.

The refresh loop keeps at most as many leased rows waiting as it has threads, and
leases again once that queue has run dry: one lease statement, and one read of the
batch's credentials from the store, per batch of rows rather than per run.
A waiting row starts within one run's time (each is bounded by the HTTP timeouts),
far inside its lease; a row whose run dies with the process comes back when its
lease runs out. On stop, runs in hand finish and rows leased but not started are
released at once.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from typing import Callable

import sqlalchemy as sa

from token_refresher import metrics, repository
from token_refresher.policy import Policy
from token_refresher.record import Ledger
from token_refresher.refresh import Refresher

log = logging.getLogger(__name__)


class RefreshLoop:
    def __init__(self, *, refresher: Refresher, ledger: Ledger, sessions, policy: Policy,
                 clock: Callable[[], datetime], owner: str):
        self.refresher, self.ledger, self.sessions = refresher, ledger, sessions
        self.policy, self.clock, self.owner = policy, clock, owner

    def lease(self, limit: int) -> list:
        now = self.clock()
        with self.sessions.begin() as session:
            rows = repository.lease_due(session, self.owner, now, now + self.policy.lease, limit)
        if rows:
            log.debug("leased %d due connection(s)", len(rows))
        return rows

    def run_once(self, limit: int | None = None) -> int:
        """Lease what is due and run it in this thread (tests, and the benchmark's probe)."""
        rows = self.lease(limit or self.policy.batch)
        ahead = self.refresher.read_ahead(rows) if rows else {}
        for row in rows:
            self._one(row, ahead)
        return len(rows)

    def run(self, stop: threading.Event) -> None:
        size = self.policy.concurrency
        inflight: dict[Future, object] = {}  # running, and waiting for a thread
        with ThreadPoolExecutor(size, thread_name_prefix="refresh") as pool:
            while not stop.is_set():
                for future in [f for f in inflight if f.done()]:
                    del inflight[future]
                asked = min(2 * size - len(inflight), self.policy.batch) if len(inflight) <= size else 0
                rows = self._lease_safely(asked, stop) if asked else []
                ahead = self.refresher.read_ahead(rows) if rows else {}
                for row in rows:
                    inflight[pool.submit(self._one, row, ahead)] = row
                if len(inflight) > size:  # rows are waiting: lease again when they have started
                    wait(list(inflight), timeout=1.0, return_when=FIRST_COMPLETED)
                elif len(rows) < asked:  # nothing more is due right now
                    stop.wait(self.policy.idle_poll_s)
            self._release_unstarted(inflight)

    def _lease_safely(self, limit: int, stop: threading.Event) -> list:
        try:
            return self.lease(limit)
        except sa.exc.OperationalError as exc:  # the database is away: wait, the rows keep
            log.warning("leasing failed (%s); retrying", exc.__class__.__name__)
            stop.wait(1.0)
            return []

    def _one(self, row, ahead: dict) -> None:
        try:
            self.refresher.run(row, ahead=ahead)
        except Exception:  # the lease runs out and the row comes back; never kill the loop
            log.exception("run for %s failed; it comes back when its lease ends", row.connection_id)

    def _release_unstarted(self, inflight: dict) -> None:
        for future, row in inflight.items():
            if future.cancel():
                self.ledger.defer(row, self.clock(), "released")


class Gauges:
    """Tokens expiring within 24 h and 7 d by network, connections by state."""
    WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7)}

    def __init__(self, *, sessions, policy: Policy, clock: Callable[[], datetime]):
        self.sessions, self.policy, self.clock = sessions, policy, clock

    def update(self) -> None:
        now = self.clock()
        with self.sessions() as session:
            expiring = repository.expiring_by_network(session, {w: now + d for w, d in self.WINDOWS.items()})
            states = repository.count_by_state(session)
        networks = set(self.policy.networks) | {network for network, _ in expiring}
        for network in networks:  # every known network, so a count that fell to 0 shows 0
            for window in self.WINDOWS:
                metrics.EXPIRING.labels(network, window).set(expiring.get((network, window), 0))
        for state in ("active", "needs_reauth", "revoked"):
            metrics.CONNECTIONS.labels(state).set(states.get(state, 0))

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.update()
            except sa.exc.OperationalError as exc:
                log.warning("gauges not updated: %s", exc.__class__.__name__)
            stop.wait(self.policy.gauges_every_s)
