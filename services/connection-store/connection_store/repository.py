"""Every SQL statement of the connection store.

The event path and the refresher's credential reads are hot: their statements are
built once (building costs more than executing), and on PostgreSQL the reads run in
autocommit — one round trip, not BEGIN, SELECT, ROLLBACK.
"""
from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from connection_store.tables import audit, connections
from shared.db import is_postgres

_c = connections.c
_SELECT = sa.select(connections).where(_c.id == sa.bindparam("_id"))
_INSERT = connections.insert()
_UPDATE = connections.update().where(_c.id == sa.bindparam("_id"))
_AUDIT = audit.insert()
_CREDENTIAL_COLUMNS = (_c.id, _c.network, _c.user_id, _c.status, _c.version, _c.token_expires_at, _c.credentials)
_CREDENTIALS = sa.select(*_CREDENTIAL_COLUMNS).where(_c.id == sa.bindparam("connection_id"))
_MANY_CREDENTIALS = sa.select(*_CREDENTIAL_COLUMNS).where(_c.id.in_(sa.bindparam("ids", expanding=True)))


# -- the event path (inside the consumer's transaction) ---------------------------------
def current(session: Session, connection_id: str):
    return session.execute(_SELECT, {"_id": connection_id}).one_or_none()


def write(session: Session, row, connection_id: str, values: dict) -> None:
    """Insert the connection (`row` is None) or update it."""
    if row is None:
        session.execute(_INSERT, {"id": connection_id, **values})
    else:
        session.execute(_UPDATE, {"_id": connection_id, **values})


def note(session: Session, *, connection_id: str, event_id: str, event_type: str, detail: str, at) -> None:
    session.execute(_AUDIT, {"connection_id": connection_id, "event_id": event_id, "event_type": event_type,
                             "detail": detail, "at": at})


# -- reads -----------------------------------------------------------------------------
def of_user(engine: Engine, user_id: str, include_revoked: bool) -> list:
    """A user's connections, oldest first (tombstones of never-connected accounts left out)."""
    query = sa.select(connections).where(_c.user_id == user_id, _c.provider_account_id.is_not(None))
    if not include_revoked:
        query = query.where(_c.status != "revoked")
    with engine.connect() as conn:
        return conn.execute(query.order_by(_c.connected_at, _c.id)).all()


def one(engine: Engine, connection_id: str):
    with engine.connect() as conn:
        return conn.execute(sa.select(connections).where(_c.id == connection_id)).one_or_none()


def credentials_of(engine: Engine, connection_id: str):
    with _reader(engine).connect() as conn:
        return conn.execute(_CREDENTIALS, {"connection_id": connection_id}).one_or_none()


def credentials_of_many(engine: Engine, ids: list[str]) -> list:
    if not ids:
        return []
    with _reader(engine).connect() as conn:
        return conn.execute(_MANY_CREDENTIALS, {"ids": ids}).all()


@lru_cache(maxsize=4)
def _reader(engine: Engine) -> Engine:
    return engine.execution_options(isolation_level="AUTOCOMMIT") if is_postgres(engine) else engine
