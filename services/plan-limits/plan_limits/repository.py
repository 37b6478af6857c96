"""SQL for plans, users, sockets and reservations (SQLite and PostgreSQL alike).

Statements are built once at import: decisions are the hot path, and building a
statement costs more than running it.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from plan_limits.domain import COUNTED, Plan, Quota, Reservation
from plan_limits.tables import plans, reservations, sockets, users

_user, _default, _now = sa.bindparam("user_id"), sa.bindparam("default_plan"), sa.bindparam("now")

_NEW_USER = {dialect: insert(users).values(user_id=_user).on_conflict_do_nothing()
             for dialect, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))}
# Locks the user's row (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers).
_LOCKED_PLAN = (sa.select(plans)
                .join(users, plans.c.name == sa.func.coalesce(users.c.plan, _default))
                .where(users.c.user_id == _user).with_for_update(of=users))
_PLAN_OF = sa.select(plans).where(plans.c.name == sa.func.coalesce(
    sa.select(users.c.plan).where(users.c.user_id == _user).scalar_subquery(), _default))

_target = sockets.alias("target")
_USED = sa.select(sa.func.count()).select_from(sockets).where(sockets.c.user_id == _user,
                                                             sockets.c.status.in_(COUNTED))
_RESERVED = sa.select(sa.func.count()).select_from(reservations).where(
    reservations.c.user_id == _user, reservations.c.expires_at > _now,
    # A reconnect takes no place while the connection it brings back is still a socket.
    ~sa.exists().where(_target.c.connection_id == reservations.c.connection_id, _target.c.status.in_(COUNTED)))
_COUNTS = sa.select(_USED.scalar_subquery().label("used"), _RESERVED.scalar_subquery().label("reserved"))

_SOCKET = sa.select(sockets.c.user_id, sockets.c.status, sockets.c.version) \
    .where(sockets.c.connection_id == sa.bindparam("connection_id"))
_ADD = reservations.insert()
_FREE = reservations.delete().where(reservations.c.id == sa.bindparam("reservation_id")) \
    .returning(reservations.c.expires_at)


def lock_user(session: Session, user_id: str, default_plan: str) -> Plan:
    """Lock the user's row until the transaction ends (creating it the first
    time); returns the user's plan. Every decision for one user goes through
    here, so they happen one after the other."""
    params = {"user_id": user_id, "default_plan": default_plan}
    row = session.execute(_LOCKED_PLAN, params).one_or_none()
    if row is None:  # first decision for this user: a concurrent first one waits on the insert
        session.execute(_NEW_USER[session.bind.dialect.name], params)
        row = session.execute(_LOCKED_PLAN, params).one_or_none()
    # The counts that follow are separate statements on purpose: under READ
    # COMMITTED a statement that waited for the lock reads from the snapshot it
    # started with; the next statement sees what the previous holder committed.
    return _plan(row, default_plan)


def plan_of(session: Session, user_id: str, default_plan: str) -> Plan:
    return _plan(session.execute(_PLAN_OF, {"user_id": user_id, "default_plan": default_plan}).one_or_none(),
                 default_plan)


def _plan(row, default_plan: str) -> Plan:
    if row is None:
        raise LookupError(f"the default plan {default_plan!r} (POSTMATE_DEFAULT_PLAN) is not a plan")
    return Plan(row.name, row.socket_limit, row.upgrade_to)


def quota(session: Session, user_id: str, plan: Plan, now: datetime) -> Quota:
    used, reserved = session.execute(_COUNTS, {"user_id": user_id, "now": now}).one()
    return Quota(user_id, plan, used, reserved)


def plan_names(session: Session) -> list[str]:
    return list(session.execute(sa.select(plans.c.name).order_by(plans.c.name)).scalars())


def set_plan(session: Session, user_id: str, plan: str, now: datetime) -> None:
    session.execute(users.update().where(users.c.user_id == user_id).values(plan=plan, plan_set_at=now))


def holds_socket(session: Session, user_id: str, connection_id: str) -> bool:
    row = socket(session, connection_id)
    return row is not None and row.user_id == user_id and row.status in COUNTED


def add_reservation(session: Session, reservation: Reservation, now: datetime) -> None:
    session.execute(_ADD, dict(
        id=reservation.id, user_id=reservation.user_id, network=reservation.network, kind=reservation.kind,
        connection_id=reservation.connection_id, created_at=now, expires_at=reservation.expires_at))


def free_reservation(session: Session, reservation_id: str) -> datetime | None:
    """Delete a reservation; returns when it would have expired (None: there was none)."""
    return session.execute(_FREE, {"reservation_id": reservation_id}).scalar_one_or_none()


def free_expired(session: Session, now: datetime) -> int:
    return session.execute(reservations.delete().where(reservations.c.expires_at <= now)).rowcount


def socket(session: Session, connection_id: str):
    return session.execute(_SOCKET, {"connection_id": connection_id}).one_or_none()


def write_socket(session: Session, row, connection_id: str, values: dict) -> None:
    if row is None:
        session.execute(sockets.insert().values(connection_id=connection_id, **values))
    else:
        session.execute(sockets.update().where(sockets.c.connection_id == connection_id).values(**values))


# -- figures for the gauges ------------------------------------------------
def live_reservations(session: Session, now: datetime) -> int:
    return session.execute(sa.select(sa.func.count()).select_from(reservations)
                           .where(reservations.c.expires_at > now)).scalar_one()


def sockets_by_plan(session: Session, default_plan: str) -> dict[str, int]:
    counts = {name: 0 for name in plan_names(session)}
    rows = session.execute(sa.select(users.c.plan, sa.func.count()).select_from(sockets)
                           .outerjoin(users, users.c.user_id == sockets.c.user_id)
                           .where(sockets.c.status.in_(COUNTED)).group_by(users.c.plan))
    for plan, count in rows:
        counts[plan or default_plan] = counts.get(plan or default_plan, 0) + count
    return counts
