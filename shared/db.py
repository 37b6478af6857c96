"""Database plumbing every service shares: engines, the tables of the delivery
rules (outbox, processed events), and running a service's Alembic migrations.

The same code and migrations run on SQLite (embedded default) and PostgreSQL.
"""
from __future__ import annotations

import time
from datetime import timezone
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

PING_AFTER_IDLE_S = 10.0  # pooled PostgreSQL connections idle longer than this are pinged before use


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Several processes share a SQLite file: WAL lets readers run beside the
        # writer, and a busy timeout turns lock contention into waiting, not errors.
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's implicit transactions don't lock early enough; start them ourselves.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    if "poolclass" in kwargs:
        return sa.create_engine(url, **kwargs)
    engine = sa.create_engine(url, **{"pool_size": 10, "max_overflow": 20, **kwargs})
    _ping_when_idle(engine, PING_AFTER_IDLE_S)
    return engine


def _ping_when_idle(engine: Engine, idle_s: float) -> None:
    """pool_pre_ping for connections that sat idle in the pool (where servers, proxies and
    restarts drop them): one returned a moment ago was working then, and a ping round trip
    on every checkout costs about what a short query does. A connection that died within
    the window fails one statement, and SQLAlchemy then replaces the pool's older ones."""
    def fresh(_dbapi_conn, record, *_):
        record.info["idle_since"] = time.monotonic()

    def checkout(dbapi_conn, record, _proxy):
        if time.monotonic() - record.info.get("idle_since", 0.0) < idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # the pool replaces the connection and tries again
            raise sa.exc.DisconnectionError(f"ping failed: {exc.__class__.__name__}") from exc

    event.listen(engine, "connect", fresh)
    event.listen(engine, "checkin", fresh)
    event.listen(engine, "checkout", checkout)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # let the "begin" hook above open transactions
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class UtcDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC datetimes on both backends (SQLite hands back naive ones)."""
    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime; use shared.events.utcnow()")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


def is_postgres(bind) -> bool:
    return bind.dialect.name == "postgresql"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def outbox_table(metadata: sa.MetaData) -> sa.Table:
    """Events written in the same transaction as the change they announce."""
    return sa.Table(
        "outbox", metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("routing_key", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )


def processed_events_table(metadata: sa.MetaData) -> sa.Table:
    """Tracking records: an event id here was applied in the same transaction."""
    return sa.Table(
        "processed_events", metadata,
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("processed_at", UtcDateTime, nullable=False),
    )


def migrate(migrations_dir: Path, url: str, revision: str = "head") -> None:
    """Upgrade the database at `url` with the Alembic scripts in `migrations_dir`."""
    if url.startswith("sqlite"):
        make_engine(url).dispose()  # creates the folder
    config = AlembicConfig()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    command.upgrade(config, revision)


def run_alembic_env(target_metadata: sa.MetaData) -> None:
    """The body of every service's migrations/env.py (online mode only)."""
    from alembic import context

    url = context.config.get_main_option("sqlalchemy.url")
    engine = make_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
