"""The engine every service uses on PostgreSQL: a pooled connection is pinged only
after it sat idle (where servers, proxies and restarts drop them), and one the
server dropped meanwhile is replaced before a statement can fail on it."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from shared import db

pytestmark = pytest.mark.integration


@pytest.fixture
def engine(make_settings, monkeypatch):
    def build(idle_s: float):
        monkeypatch.setattr(db, "PING_AFTER_IDLE_S", idle_s)
        engine = db.make_engine(make_settings("real").database_url("connection-store"), pool_size=1, max_overflow=0)
        engines.append(engine)
        return engine
    engines: list = []
    yield build
    for engine in engines:
        engine.dispose()


def backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def terminate(engine, pid: int) -> None:
    """What a server restart or an idle-timeout proxy does to a pooled connection."""
    other = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
    with other.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()


@pytest.fixture
def pings(monkeypatch):
    count = []
    original = db.sa.engine.default.DefaultDialect.do_ping

    def counted(self, dbapi_conn):
        count.append(1)
        return original(self, dbapi_conn)
    monkeypatch.setattr(db.sa.engine.default.DefaultDialect, "do_ping", counted)
    return count


def test_a_connection_dropped_while_idle_is_replaced_before_use(engine):
    engine = engine(idle_s=0.0)
    dropped = backend_pid(engine)
    terminate(engine, dropped)
    assert backend_pid(engine) != dropped  # answered on a new connection, no error


def test_a_connection_returned_a_moment_ago_is_used_without_a_ping(engine, pings):
    engine = engine(idle_s=60.0)
    first = backend_pid(engine)
    assert pings == [], "a new connection needs no ping"
    assert backend_pid(engine) == first and pings == []
