"""How an attempt ends.

Connected: the attempt's new status and one AccountConnected per account are
written in ONE transaction (outbox), guarded by the attempt's status so a raced
or replayed callback can't emit twice. Failed or expired: the status and the
sentence are written, then the plan reservation is released; if plan-limits is
away, the worker's sweep releases it later (`reservation_released_at` says when
it is done).
"""
from __future__ import annotations

import logging

from auth_gateway import SERVICE, meta_callbacks, metrics, repository
from auth_gateway.domain import (
    CONNECTED,
    EXPIRED,
    FAILED,
    FAILURES,
    OPEN,
    connection_id,
    failure_message,
)
from shared import connections
from shared.events import AccountConnected, version_at
from shared.providers import Account, tokens
from shared.providers.registry import Provider
from shared.web import ApiError

log = logging.getLogger(__name__)


def connected(row, provider: Provider, accounts: list[Account], reservations: list[str | None], *,
              sessions, cipher, outbox, clock) -> list[dict]:
    """Record the accounts as connected; returns what the dashboard shows for each."""
    now = clock()
    made = [_announce(row, provider, account, reservation_id, now, cipher)
            for account, reservation_id in zip(accounts, reservations)]
    shown = [view for _, view in made]
    with sessions.begin() as session:
        if not repository.move_attempt(session, row.id, OPEN, status=CONNECTED, completed_at=now, secrets=None,
                                       connection_id=shown[0]["id"], result={"connections": shown}):
            raise ApiError(409, "state_used", "This sign-in was already completed; nothing else was changed.")
        for (event, _), account in zip(made, accounts):
            outbox.add(session, event)
            meta_callbacks.remember_grant(session, row.network, account.token.get("granted_by")
                                          or account.provider_account_id, event.connection_id, row.user_id, now)
    metrics.CONNECTS_FINISHED.labels(row.network, "connected").inc(len(made))
    log.info("attempt %s connected %d %s account(s)", row.id, len(made), row.network)
    return shown


def _announce(row, provider: Provider, account: Account, reservation_id: str | None, now, cipher):
    """The AccountConnected for one account, and the dashboard's view of the connection it makes."""
    cid = connection_id(row.user_id, row.network, account.provider_account_id)
    scopes = tokens.granted_scopes(account.token, provider.spec.scope_names)
    expires_at = tokens.expiry(account.token, now)
    creds = tokens.credentials(account.token, scopes, now, instance=row.instance or "")
    event = AccountConnected(
        producer=SERVICE, user_id=row.user_id, connection_id=cid, network=row.network, version=version_at(now),
        provider_account_id=account.provider_account_id, handle=account.handle, display_name=account.display_name,
        scopes=scopes, token_expires_at=expires_at, credentials=cipher.encrypt(creds, cid), attempt_id=row.id,
        reservation_id=reservation_id)
    view = connections.made(id=cid, network=row.network, user_id=row.user_id,
                            provider_account_id=account.provider_account_id, handle=account.handle,
                            display_name=account.display_name, scopes=scopes, token_expires_at=expires_at, now=now,
                            version=event.version)
    return event, view


def failed(row, provider: Provider, code: str, detail: str = "", *, sessions, plans, clock) -> str:
    """Mark the attempt failed with a sentence; free its reservation. Returns the sentence."""
    message = failure_message(code, provider.spec.name, detail)
    _close(row, FAILED, code, message, sessions=sessions, plans=plans, clock=clock)
    return message


def refused(row, code: str, message: str, *, sessions, plans, clock) -> None:
    """Mark the attempt failed with a refusal the caller already worded (Bluesky's sign-in); never
    raises, so the refusal itself reaches the person: if the write fails, the sweep frees the socket."""
    try:
        _close(row, FAILED, code[:64], message, sessions=sessions, plans=plans, clock=clock)
    except Exception as problem:
        log.warning("could not record the refused attempt %s: %s", row.id, problem.__class__.__name__)


def expired(row, provider: Provider, *, sessions, plans, clock) -> str:
    message = failure_message("expired", provider.spec.name)
    _close(row, EXPIRED, "expired", message, sessions=sessions, plans=plans, clock=clock)
    return message


def _close(row, status: str, code: str, message: str, *, sessions, plans, clock) -> None:
    with sessions.begin() as session:
        changed = repository.move_attempt(session, row.id, OPEN, status=status, failure_code=code,
                                          failure_message=message[:500], secrets=None, completed_at=clock())
    if changed:
        metrics.CONNECTS_FINISHED.labels(row.network, code).inc()
        log.info("attempt %s %s: %s", row.id, status, code)
        release(row.id, row.reservation_id, sessions=sessions, plans=plans, clock=clock)


def release(attempt_id: str, reservation_id: str | None, *, sessions, plans, clock) -> None:
    if reservation_id and plans.release(reservation_id):
        with sessions.begin() as session:
            repository.mark_released(session, attempt_id, clock())


def retryable(code: str) -> bool:
    return code in FAILURES and FAILURES[code].retryable
