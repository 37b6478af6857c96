"""Every statement the gateway runs against its own database, grouped by table.

Callers own the transaction (`sessions.begin()`): a use case that must write an
attempt and an event together passes the same session to both. Nothing here
calls out or decides; it reads and writes rows.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth_gateway.domain import CONNECTED, EXPIRED, FAILED, OPEN
from auth_gateway.tables import (
    attempts,
    disconnections,
    mastodon_apps,
    meta_deletions,
    meta_grants,
    meta_seen_requests,
    pending_revocations,
    rate_limits,
)
from shared.db import UtcDateTime

# --- attempts ---------------------------------------------------------------------------------------------------


def add_attempt(session: Session, **values) -> None:
    session.execute(attempts.insert().values(**values))


def attempt(session: Session, attempt_id: str):
    return session.execute(sa.select(attempts).where(attempts.c.id == attempt_id)).one_or_none()


def attempt_by_state(session: Session, state_hash: str):
    return session.execute(sa.select(attempts).where(attempts.c.state_hash == state_hash)).one_or_none()


def move_attempt(session: Session, attempt_id: str, from_statuses: tuple[str, ...], *guards, **values) -> bool:
    """Change an attempt only if it is still in one of `from_statuses` (and `guards` hold);
    False when another request got there first."""
    result = session.execute(attempts.update()
                             .where(attempts.c.id == attempt_id, attempts.c.status.in_(from_statuses), *guards)
                             .values(**values))
    return result.rowcount == 1


def unbound_or(browser_hash: str):
    """The guard for binding an attempt to a browser: not bound yet, or bound to this one."""
    return sa.or_(attempts.c.browser_hash.is_(None), attempts.c.browser_hash == browser_hash)


def state_still(state_hash: str):
    """The guard for taking an attempt's OAuth state: no other callback has taken it meanwhile."""
    return attempts.c.state_hash == state_hash


def recently_connected(session: Session, user_id: str, since: datetime) -> list:
    return session.execute(sa.select(attempts.c.result).where(
        attempts.c.user_id == user_id, attempts.c.completed_at >= since, attempts.c.status == CONNECTED)).all()


def overdue_attempts(session: Session, now: datetime, limit: int = 200) -> list:
    return session.execute(sa.select(attempts).where(attempts.c.status.in_(OPEN), attempts.c.expires_at <= now)
                           .order_by(attempts.c.expires_at).limit(limit)).all()


def unreleased_attempts(session: Session, limit: int = 200) -> list:
    """Failed or expired attempts whose reservation plan-limits has not confirmed freeing."""
    return session.execute(sa.select(attempts.c.id, attempts.c.reservation_id).where(
        attempts.c.status.in_((FAILED, EXPIRED)), attempts.c.reservation_id.is_not(None),
        attempts.c.reservation_released_at.is_(None)).limit(limit)).all()


def mark_released(session: Session, attempt_id: str, now: datetime) -> None:
    session.execute(attempts.update().where(attempts.c.id == attempt_id).values(reservation_released_at=now))


# --- rate_limits (fixed windows; one upsert per key keeps a window exact under concurrency) -------------------


def count_hit(session: Session, key: str, now: datetime, window: timedelta) -> tuple[int, datetime]:
    """Count one hit on `key`: (hits in the current window, when that window started)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stale = rate_limits.c.window_start <= now - window
    fresh_start = sa.literal(now, UtcDateTime())
    statement = dialect.insert(rate_limits).values(key=key, window_start=now, count=1)
    statement = statement.on_conflict_do_update(index_elements=[rate_limits.c.key], set_={
        "count": sa.case((stale, 1), else_=rate_limits.c.count + 1),
        "window_start": sa.case((stale, fresh_start), else_=rate_limits.c.window_start),
    }).returning(rate_limits.c.count, rate_limits.c.window_start)
    count, start = session.execute(statement).one()
    return count, start


# --- disconnections (what the list hides until the store has caught up) ----------------------------------------


def disconnected_version(session: Session, connection_id: str) -> int | None:
    return session.execute(sa.select(disconnections.c.version)
                           .where(disconnections.c.connection_id == connection_id)).scalar()


def record_disconnection(session: Session, connection_id: str, user_id: str, version: int, now: datetime) -> None:
    session.execute(disconnections.delete().where(disconnections.c.connection_id == connection_id))
    session.execute(disconnections.insert().values(connection_id=connection_id, user_id=user_id, version=version,
                                                   disconnected_at=now))


def disconnected_versions(session: Session, user_id: str) -> dict[str, int]:
    """connection id → version of this user's disconnects."""
    rows = session.execute(sa.select(disconnections.c.connection_id, disconnections.c.version)
                           .where(disconnections.c.user_id == user_id))
    return dict(rows.all())


# --- meta_grants, meta_deletions (Meta's signed callbacks) -----------------------------------------------------


def remember_grant(session: Session, connection_id: str, **values) -> None:
    forget_grant(session, connection_id)
    session.execute(meta_grants.insert().values(connection_id=connection_id, **values))


def forget_grant(session: Session, connection_id: str) -> None:
    session.execute(meta_grants.delete().where(meta_grants.c.connection_id == connection_id))


def take_grants(session: Session, network: str, platform_user_id: str) -> list:
    """The grants this person made on `network`, removed as they are read."""
    who = (meta_grants.c.network == network, meta_grants.c.platform_user_id == platform_user_id)
    granted = session.execute(sa.select(meta_grants).where(*who)).all()
    session.execute(meta_grants.delete().where(*who))
    return granted


def first_sight(session: Session, digest: str, now: datetime) -> bool:
    """Record a signed_request as seen; False when it was seen before (a replay). Concurrent deliveries
    of one request meet at the primary key: one inserts, the other waits and then finds it."""
    if session.execute(sa.select(meta_seen_requests.c.digest).where(meta_seen_requests.c.digest == digest)).first():
        return False
    try:
        with session.begin_nested():
            session.execute(meta_seen_requests.insert().values(digest=digest, seen_at=now))
    except IntegrityError:
        return False
    return True


def forget_seen_requests(session: Session, before: datetime) -> int:
    """Past their window a replay is refused as stale anyway; the rows can go."""
    return session.execute(meta_seen_requests.delete().where(meta_seen_requests.c.seen_at < before)).rowcount


def add_deletion(session: Session, **values) -> None:
    session.execute(meta_deletions.insert().values(**values))


def deletion(session: Session, confirmation_code: str):
    return session.execute(sa.select(meta_deletions).where(
        meta_deletions.c.confirmation_code == confirmation_code)).one_or_none()


# --- mastodon_apps (our client credentials on each instance) --------------------------------------------------


def mastodon_app(session: Session, instance: str):
    return session.execute(sa.select(mastodon_apps).where(mastodon_apps.c.instance == instance)).one_or_none()


def save_mastodon_app(session: Session, instance: str, **values) -> None:
    session.execute(mastodon_apps.delete().where(mastodon_apps.c.instance == instance))
    session.execute(mastodon_apps.insert().values(instance=instance, **values))


# --- pending_revocations (the revoker's queue) -----------------------------------------------------------------


def queue_revocation(session: Session, **values) -> None:
    session.execute(pending_revocations.insert().values(attempts=0, **values))


def claim_revocations(session: Session, now: datetime, limit: int, lease: timedelta) -> list:
    """Due rows, leased by moving `next_attempt_at` forward (SKIP LOCKED on PostgreSQL), so
    several workers never work one row at the same time."""
    rows = session.execute(
        sa.select(pending_revocations).where(pending_revocations.c.next_attempt_at <= now)
        .order_by(pending_revocations.c.next_attempt_at).limit(limit)
        .with_for_update(skip_locked=True)).all()
    if rows:
        session.execute(pending_revocations.update()
                        .where(pending_revocations.c.id.in_([r.id for r in rows]))
                        .values(next_attempt_at=now + lease))
    return rows


def drop_revocation(session: Session, row_id: int) -> None:
    session.execute(pending_revocations.delete().where(pending_revocations.c.id == row_id))


def retry_revocation(session: Session, row_id: int, *, attempts: int, next_attempt_at: datetime,
                     last_error: str) -> None:
    session.execute(pending_revocations.update().where(pending_revocations.c.id == row_id).values(
        attempts=attempts, next_attempt_at=next_attempt_at, last_error=last_error))


def pending_revocations_by_network(session: Session) -> dict[str, int]:
    return dict(session.execute(sa.select(pending_revocations.c.network, sa.func.count())
                                .group_by(pending_revocations.c.network)).all())
