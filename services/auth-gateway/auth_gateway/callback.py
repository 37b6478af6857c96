"""The browser comes back: check the state, exchange the code, record the account(s).

Checks, each a clear 4xx with nothing stored: a state we never issued (tampered
or cut short), a state already used (replay), an attempt past its expiry, and a
browser other than the one that opened the start URL. The state is then claimed
(pending → exchanging) so it works once even under a race. After the claim every
outcome is written on the attempt: connected, choose_pages (several Facebook
Pages granted), or failed with a sentence — denied consent, platform down or
timing out (retryable, reservation released, no event), a different account on
a reconnect, permissions unticked.
"""
from __future__ import annotations

import hmac
import logging
import re
from dataclasses import dataclass, field
from typing import Mapping

from auth_gateway import mastodon, outcomes, repository
from auth_gateway.adapters.oauth import ProviderError
from auth_gateway.domain import (
    CHOOSE_PAGES,
    EXCHANGING,
    FAILURES,
    PENDING,
    connection_id,
    digest,
)
from shared.providers import Account, tokens
from shared.providers.registry import Provider, UnknownNetwork
from shared.web import ApiError

log = logging.getLogger(__name__)
DENIED = {"access_denied", "user_denied", "user_cancelled_login", "user_cancelled_authorize", "consent_required"}
# An error code as platforms write them (RFC 6749 §4.1.2.1 names, Meta's and LinkedIn's too): anything else in
# `error` is free text a link could carry to our page and our logs, so it is shown as unrecognised.
ERROR_CODE = re.compile(r"[a-z][a-z0-9_.]{0,63}")


@dataclass(frozen=True)
class CallbackPage:
    status: int
    outcome: str  # connected | choose_pages | failed
    title: str
    message: str
    attempt_id: str
    return_to: str | None = None
    connections: list = field(default_factory=list)


def complete_callback(network: str, params: Mapping[str, str], browser: str | None, *,
                      registry, sessions, cipher, outbox, plans, clock, egress) -> CallbackPage:
    try:
        provider = registry.get(network)
    except UnknownNetwork:
        raise ApiError(404, "unknown_network", "This sign-in page belongs to no network Post Mate knows.") from None
    row = _claim(network, params.get("state"), browser, provider, sessions=sessions, plans=plans, clock=clock)
    try:
        return _finish(row, provider, params, sessions=sessions, cipher=cipher, outbox=outbox, plans=plans,
                       clock=clock, egress=egress)
    except ApiError:
        raise
    except Exception:  # a bug or our database: the attempt must not hang in "exchanging" until it expires
        log.exception("attempt %s: the callback failed on our side", row.id)
        return _failed(row, provider, "internal_error", sessions=sessions, plans=plans, clock=clock)


def _finish(row, provider: Provider, params: Mapping[str, str], *, sessions, cipher, outbox, plans,
            clock, egress) -> CallbackPage:
    effects = dict(sessions=sessions, plans=plans, clock=clock)
    if params.get("error") or not params.get("code"):
        error = params.get("error") or "no_code"
        error = error if ERROR_CODE.fullmatch(error) else "unrecognised_error"
        return _failed(row, provider, "denied" if error in DENIED else "platform_error", error, **effects)
    try:
        accounts = _granted_accounts(row, provider, params["code"], sessions=sessions, cipher=cipher, clock=clock,
                                     egress=egress)
    except ProviderError as exc:
        log.warning("attempt %s: %s answered %s (%s)", row.id, row.network, exc.error, exc.description)
        return _failed(row, provider, *_failure_of(exc), **effects)
    accounts, problem = _the_ones_asked_for(row, provider, accounts)
    if problem:
        return _failed(row, provider, *problem, **effects)
    if len(accounts) > 1:
        return _offer_pages(row, provider, accounts, sessions=sessions, cipher=cipher)
    shown = outcomes.connected(row, provider, accounts, [row.reservation_id], sessions=sessions, cipher=cipher,
                               outbox=outbox, clock=clock)
    return CallbackPage(200, "connected", f"Connected {provider.spec.name} account {shown[0]['handle']} — "
                        "you can close this tab", "Your account is now in your Post Mate connections.",
                        row.id, row.return_to, shown)


def _failure_of(exc: ProviderError) -> tuple[str, str]:
    """(failure code, detail): outages are retryable; our own codes pass through; the rest is the platform's no."""
    if exc.retryable:
        return "platform_unavailable", exc.error
    if exc.error == "scopes_missing":
        return exc.error, exc.description
    return (exc.error, "") if exc.error in FAILURES else ("platform_error", exc.error)


def _the_ones_asked_for(row, provider: Provider, accounts: list[Account]) -> tuple[list[Account], tuple | None]:
    """A reconnect keeps only the account being reconnected; no account at all is a failure."""
    if row.reconnect_connection_id:
        signed_in = ", ".join(a.handle for a in accounts) or "another account"
        accounts = [a for a in accounts
                    if connection_id(row.user_id, row.network, a.provider_account_id) == row.reconnect_connection_id]
        if not accounts:
            return [], ("wrong_account", f"you signed in as {signed_in}")
    if not accounts:
        return [], ("no_pages" if provider.spec.list_accounts else "no_account", "")
    return accounts, None


def _claim(network: str, state: str | None, browser: str | None, provider: Provider, *, sessions, plans, clock):
    with sessions() as session:
        row = repository.attempt_by_state(session, digest(state)) if state else None
    if row is None or row.network != network:
        raise ApiError(400, "invalid_state", "This sign-in link isn't valid: it may have been changed or cut short. "
                                             "Nothing was connected; start again from Post Mate.")
    if row.status != PENDING:
        raise ApiError(409, "state_used", "This sign-in link was already used, so it can't connect anything again. "
                                          "Start again from Post Mate if you need to.")
    if clock() >= row.expires_at:
        outcomes.expired(row, provider, sessions=sessions, plans=plans, clock=clock)
        raise ApiError(410, "expired", f"This connection attempt expired before {provider.spec.name} sent you back, "
                                       "so nothing was connected. Connect again from Post Mate.")
    if not browser or not row.browser_hash or not hmac.compare_digest(row.browser_hash, digest(browser)):
        raise ApiError(403, "wrong_browser", "This browser didn't start the connection, so nothing was connected. "
                                             "Finish it in the browser where you started, or start again here.")
    with sessions.begin() as session:
        if not repository.move_attempt(session, row.id, (PENDING,), repository.state_still(row.state_hash),
                                       status=EXCHANGING):
            raise ApiError(409, "state_used", "This sign-in link was already used, so it can't connect anything "
                                              "again. Start again from Post Mate if you need to.")
    return row


def _granted_accounts(row, provider: Provider, code: str, *, sessions, cipher, clock, egress) -> list[Account]:
    verifier = cipher.decrypt(row.secrets, row.id).get("code_verifier") if row.secrets else None
    client = mastodon.client_for(provider, row.instance, sessions=sessions, cipher=cipher, clock=clock,
                                 egress=egress)
    token = client.upgrade(client.exchange_code(code, verifier))
    missing = tokens.missing_scopes(token, provider.spec.scope_names)
    if missing:
        raise ProviderError("scopes_missing", ", ".join(missing))
    return client.accounts(token)


def _failed(row, provider: Provider, code: str, detail: str = "", *, sessions, plans, clock) -> CallbackPage:
    message = outcomes.failed(row, provider, code, detail, sessions=sessions, plans=plans, clock=clock)
    return CallbackPage(FAILURES[code].status, "failed", f"{provider.spec.name} wasn't connected", message,
                        row.id, row.return_to)


def _offer_pages(row, provider: Provider, accounts: list[Account], *, sessions, cipher) -> CallbackPage:
    """Several Pages granted: keep their tokens (encrypted) until the user picks in Post Mate."""
    pages = [{"id": a.provider_account_id, "name": a.display_name} for a in accounts]
    kept = [{**page, "token": dict(a.token)} for page, a in zip(pages, accounts)]
    with sessions.begin() as session:
        repository.move_attempt(session, row.id, (EXCHANGING,), status=CHOOSE_PAGES, result={"pages": pages},
                                secrets=cipher.encrypt({"pages": kept}, row.id))
    return CallbackPage(200, CHOOSE_PAGES, f"Choose your {provider.spec.name} Pages in Post Mate",
                        f"{provider.spec.name} shared {len(pages)} Pages. Pick the ones to connect back in "
                        "Post Mate; you can close this tab.", row.id, row.return_to)
