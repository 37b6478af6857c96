""""Check connection": run one connection's refresh or health check now, through
the refresh loop's own code path, and say what it found.

The gateway proxies the dashboard's button here. If a refresher holds the
connection's lease right now, we wait (briefly) for it to finish rather than run
twice at once.
"""
from __future__ import annotations

import time
from dataclasses import asdict

from shared.web import ApiError
from token_refresher import repository
from token_refresher.domain import REVOKED
from token_refresher.record import Outcome

WAIT_FOR_LEASE_S = 15.0


def check_connection(connection_id: str, *, sessions, refresher, policy, clock, owner) -> dict:
    deadline = time.monotonic() + WAIT_FOR_LEASE_S
    while True:
        now = clock()
        with sessions.begin() as session:
            row = repository.take(session, connection_id, owner, now, now + policy.lease)
        if row is not None:
            return {"connection_id": connection_id, **asdict(refresher.run(row, scheduled=False))}
        with sessions() as session:
            existing = repository.current(session, connection_id)
        if existing is None:
            raise ApiError(404, "connection_not_found", "The refresher doesn't know this connection (yet).")
        if existing.state == REVOKED:
            outcome = Outcome(REVOKED, existing.reason or "revoked",
                              "This connection was disconnected; connect the account again to keep posting.")
            return {"connection_id": connection_id, **asdict(outcome)}
        if time.monotonic() > deadline:
            raise ApiError(409, "check_in_progress", "This connection is being checked right now; "
                                                     "try again in a moment.")
        time.sleep(0.1)  # another refresher holds the lease: its run is bounded by the HTTP timeout
