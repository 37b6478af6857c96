"""The attempts table: every read and write of a connect attempt."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from auth_gateway.domain import CONNECTED, EXPIRED, FAILED, OPEN
from auth_gateway.tables import attempts


def insert(session: Session, **values) -> None:
    session.execute(attempts.insert().values(**values))


def get(session: Session, attempt_id: str):
    return session.execute(sa.select(attempts).where(attempts.c.id == attempt_id)).one_or_none()


def by_state(session: Session, state_hash: str):
    return session.execute(sa.select(attempts).where(attempts.c.state_hash == state_hash)).one_or_none()


def transition(session: Session, attempt_id: str, from_statuses: tuple[str, ...], *guards, **values) -> bool:
    """Change an attempt only if it is still in one of `from_statuses` (and `guards` hold);
    False when another request got there first."""
    result = session.execute(attempts.update()
                             .where(attempts.c.id == attempt_id, attempts.c.status.in_(from_statuses), *guards)
                             .values(**values))
    return result.rowcount == 1


def recent_connected(session: Session, user_id: str, since: datetime) -> list:
    return session.execute(sa.select(attempts.c.result).where(
        attempts.c.user_id == user_id, attempts.c.completed_at >= since, attempts.c.status == CONNECTED)).all()


def overdue(session: Session, now: datetime, limit: int = 200) -> list:
    return session.execute(sa.select(attempts).where(attempts.c.status.in_(OPEN), attempts.c.expires_at <= now)
                           .order_by(attempts.c.expires_at).limit(limit)).all()


def unreleased(session: Session, limit: int = 200) -> list:
    """Failed or expired attempts whose reservation plan-limits has not confirmed freeing."""
    return session.execute(sa.select(attempts.c.id, attempts.c.reservation_id).where(
        attempts.c.status.in_((FAILED, EXPIRED)), attempts.c.reservation_id.is_not(None),
        attempts.c.reservation_released_at.is_(None)).limit(limit)).all()


def mark_released(session: Session, attempt_id: str, now: datetime) -> None:
    session.execute(attempts.update().where(attempts.c.id == attempt_id).values(reservation_released_at=now))
