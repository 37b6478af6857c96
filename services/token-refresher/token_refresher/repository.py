"""Every statement on the schedule table (the refresher's repository): leasing due work, reading and writing rows.

Leasing is one statement on both backends:

    UPDATE schedule SET lease_owner = :me, lease_until = :until, due_at = :until
    WHERE connection_id IN (SELECT connection_id FROM schedule
                            WHERE state = 'active' AND due_at <= :now
                              AND (lease_until IS NULL OR lease_until < :now)
                            ORDER BY due_at LIMIT :n FOR UPDATE SKIP LOCKED)
    RETURNING …

On PostgreSQL, SKIP LOCKED lets any number of refreshers lease side by side without
waiting on each other or taking the same row; on SQLite, shared.db opens every
transaction with BEGIN IMMEDIATE, which serialises writers. Moving `due_at` to the
lease's end keeps leased rows out of the due range (the index range scan stays
short) and makes a crashed refresher's rows due again when its lease runs out.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shared.db import is_postgres
from token_refresher.domain import ACTIVE, REVOKED
from token_refresher.tables import schedule

c = schedule.c


def due_query(now: datetime | sa.BindParameter, limit: int | sa.BindParameter) -> sa.Select:
    """The due-work query (also what the benchmark EXPLAINs)."""
    return (sa.select(c.connection_id)
            .where(c.state == ACTIVE, c.due_at <= now, sa.or_(c.lease_until.is_(None), c.lease_until < now))
            .order_by(c.due_at).limit(limit))


def lease_due(session: Session, owner: str, now: datetime, until: datetime, limit: int) -> list:
    statement = _lease_statement(is_postgres(session.bind))
    return list(session.execute(statement, {"_owner": owner, "_now": now, "_until": until, "_n": limit}).all())


@lru_cache(maxsize=2)
def _lease_statement(postgres: bool) -> sa.Update:
    """Built once (see settle_statement)."""
    pick = due_query(sa.bindparam("_now", type_=c.due_at.type), sa.bindparam("_n", type_=sa.Integer))
    if postgres:
        pick = pick.with_for_update(skip_locked=True)
    until = sa.bindparam("_until", type_=c.due_at.type)
    return (schedule.update().where(c.connection_id.in_(pick.scalar_subquery()))
            .values(lease_owner=sa.bindparam("_owner"), lease_until=until, due_at=until).returning(*schedule.c))


def take(session: Session, connection_id: str, owner: str, now: datetime, until: datetime):
    """Lease one connection now, whatever its due time (the "Check connection" button).
    None when it is unknown, revoked, or leased by someone else right now."""
    statement = (schedule.update()
                 .where(c.connection_id == connection_id, c.state != REVOKED,
                        sa.or_(c.lease_until.is_(None), c.lease_until < now, c.lease_owner == owner))
                 .values(lease_owner=owner, lease_until=until, due_at=until).returning(*schedule.c))
    return session.execute(statement).one_or_none()


def current(session: Session, connection_id: str, lock: bool = False):
    query = sa.select(schedule).where(c.connection_id == connection_id)
    if lock and is_postgres(session.bind):
        query = query.with_for_update()
    return session.execute(query).one_or_none()


def insert(session: Session, values: dict) -> None:
    session.execute(schedule.insert().values(**values))


def update(session: Session, connection_id: str, values: dict) -> None:
    session.execute(schedule.update().where(c.connection_id == connection_id).values(**values))


def release(session: Session, connection_id: str, owner: str, values: dict) -> int:
    """Write `values` and end our lease; a lease that is no longer ours is left alone."""
    result = session.execute(schedule.update().where(c.connection_id == connection_id, c.lease_owner == owner)
                             .values(lease_owner=None, lease_until=None, **values))
    return result.rowcount


def settle(session: Session, connection_id: str, owner: str, known_version: int, values: dict) -> bool:
    """Record an outcome — unless the connection changed since we read it (revoked,
    or a version newer than `known_version`: a reconnect, another replica's refresh).
    Ends our lease; if it ran out and another refresher holds one now, that lease stays.
    One statement; False means superseded and nothing was written."""
    params = settle_params(connection_id, owner, known_version, values)
    return session.execute(settle_statement(frozenset(values)), params).first() is not None


def settle_params(connection_id: str, owner: str, known_version: int, values: dict) -> dict:
    return {"_id": connection_id, "_owner": owner, "_known": known_version, **values}


@lru_cache(maxsize=64)
def settle_statement(columns: frozenset) -> sa.Update:
    """Built once per set of columns: building statements costs more than running them."""
    mine = c.lease_owner == sa.bindparam("_owner")
    return (schedule.update()
            .where(c.connection_id == sa.bindparam("_id"), c.state != REVOKED,
                   c.store_version <= sa.bindparam("_known"))
            .values(lease_owner=sa.case((mine, None), else_=c.lease_owner),
                    lease_until=sa.case((mine, None), else_=c.lease_until),
                    **{name: sa.bindparam(name) for name in sorted(columns)})
            .returning(c.connection_id))


def expiring_by_network(session: Session, horizons: dict[str, datetime]) -> dict:
    """{(network, window): count} of active tokens expiring before each horizon (already expired included)."""
    latest = max(horizons.values())
    columns = [sa.func.sum(sa.case((c.token_expires_at <= moment, 1), else_=0)).label(window)
               for window, moment in horizons.items()]
    rows = session.execute(sa.select(c.network, *columns)
                           .where(c.state == ACTIVE, c.token_expires_at.is_not(None), c.token_expires_at <= latest)
                           .group_by(c.network)).all()
    return {(row.network, window): int(getattr(row, window) or 0) for row in rows for window in horizons}


def count_by_state(session: Session) -> dict[str, int]:
    rows = session.execute(sa.select(c.state, sa.func.count()).group_by(c.state)).all()
    return {state: count for state, count in rows}
