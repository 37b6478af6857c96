"""The worker's sweep: expire attempts whose tab never came back, free the
plan reservations of failed or expired attempts that plan-limits hasn't
confirmed yet (it was away when the attempt ended), and forget the Meta
signed_requests whose replay window has passed."""
from __future__ import annotations

import logging
import threading

from auth_gateway import meta_callbacks, outcomes, repository

log = logging.getLogger(__name__)


def sweep_once(*, registry, sessions, plans, clock) -> int:
    """One pass; returns how many attempts it expired or released."""
    with sessions() as session:
        overdue = repository.overdue_attempts(session, clock())
    for row in overdue:
        outcomes.expired(row, registry.get(row.network), sessions=sessions, plans=plans, clock=clock)
    with sessions() as session:
        unreleased = repository.unreleased_attempts(session)
    for attempt_id, reservation_id in unreleased:
        outcomes.release(attempt_id, reservation_id, sessions=sessions, plans=plans, clock=clock)
    with sessions.begin() as session:  # the replay guard's rows, once a replay would be stale anyway
        repository.forget_seen_requests(session, clock() - meta_callbacks.MAX_AGE - meta_callbacks.MAX_SKEW)
    return len(overdue) + len(unreleased)


def sweeper(interval_s: float = 5.0, *, registry, sessions, plans, clock):
    """A worker loop (see shared.worker.run_loops) running `sweep_once` every `interval_s`."""
    def run(stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                sweep_once(registry=registry, sessions=sessions, plans=plans, clock=clock)
            except Exception as exc:  # database away: try again next round
                log.warning("attempt sweep failed: %s", exc.__class__.__name__)
            stop.wait(interval_s)
    return run
