"""The brute-force guard's fixed windows in the `rate_limits` table, on SQLite and on
PostgreSQL, exact when many workers count at once."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from auth_gateway.bluesky.rate_limit import LoginLimits, admit
from shared.db import make_engine, session_factory
from shared.web import ApiError
from tests.support import Clock

LIMITS = LoginLimits(per_user=3, per_address=5, window=timedelta(minutes=15))




@pytest.fixture
def sessions(settings):
    engine = make_engine(settings.database_url("auth-gateway"))
    yield session_factory(engine)
    engine.dispose()


def _refused(user, address, sessions, clock) -> ApiError | None:
    try:
        admit(user, address, limits=LIMITS, sessions=sessions, clock=clock)
    except ApiError as exc:
        return exc
    return None


def test_a_window_admits_its_limit_then_says_when_to_come_back(sessions):
    clock = Clock()
    assert [_refused("u", None, sessions, clock) for _ in range(3)] == [None, None, None]
    clock.now += timedelta(minutes=5)
    refused = _refused("u", None, sessions, clock)
    assert refused.status == 429 and refused.code == "too_many_attempts"
    assert refused.extra["retry_after"] == 600, "the window that started 5 minutes ago ends in 10"
    clock.now += timedelta(minutes=10)
    assert _refused("u", None, sessions, clock) is None, "a new window starts"


def test_the_address_limit_spans_users(sessions):
    clock = Clock()
    for user in ("a", "b", "c", "d", "e"):
        assert _refused(user, "198.51.100.7", sessions, clock) is None
    assert _refused("f", "198.51.100.7", sessions, clock).code == "too_many_attempts"
    assert _refused("f", "198.51.100.8", sessions, clock) is None


def test_concurrent_attempts_never_exceed_the_limit(sessions):
    clock, results = Clock(), []
    barrier = threading.Barrier(12)

    def attempt():
        barrier.wait()
        results.append(_refused("racer", None, sessions, clock) is None)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [False] * 9 + [True] * 3
