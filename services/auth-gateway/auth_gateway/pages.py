"""Facebook: the user picks which of the granted Pages to connect.

One Page = one connection = one socket: the first chosen Page uses the
attempt's reservation, each further Page asks plan-limits for its own (as a
reconnect when that Page is already connected, so it never costs a new
socket). If any is refused, the ones already made are released and nothing is
connected.
"""
from __future__ import annotations

from auth_gateway import outcomes, repository
from auth_gateway.domain import CHOOSE_PAGES, connection_id
from shared.clients.connection_store import StoreUnavailable
from shared.clients.plan_limits import PlanLimitReached, PlanLimitsUnavailable
from shared.providers import Account
from shared.web import ApiError


def choose_pages(attempt_id: str, user_id: str, page_ids: list, *,
                 registry, sessions, cipher, outbox, plans, store, clock) -> list[dict]:
    with sessions() as session:
        row = repository.attempt(session, attempt_id)
    if row is None or row.user_id != user_id:
        raise ApiError(404, "attempt_not_found", "There is no such connect attempt.")
    provider = registry.get(row.network)
    if row.status != CHOOSE_PAGES:
        raise ApiError(409, "not_choosing_pages", "This connect attempt isn't waiting for a choice of Pages.")
    if clock() >= row.expires_at:
        raise ApiError(410, "expired", outcomes.expired(row, provider, sessions=sessions, plans=plans, clock=clock))
    offered = {page["id"]: page for page in cipher.decrypt(row.secrets, row.id)["pages"]}
    chosen = list(dict.fromkeys(str(p) for p in page_ids)) if isinstance(page_ids, list) else []
    if not chosen or any(page_id not in offered for page_id in chosen):
        raise ApiError(400, "invalid_pages", "Choose at least one of the Pages Facebook shared with Post Mate.")
    accounts = [Account(p, offered[p]["name"], offered[p]["name"], offered[p]["token"]) for p in chosen]
    extra = _reserve_more(row, accounts[1:], plans=plans, store=store)
    try:
        return outcomes.connected(row, provider, accounts, [row.reservation_id, *extra], sessions=sessions,
                                  cipher=cipher, outbox=outbox, clock=clock)
    except Exception:
        for reservation_id in extra:
            plans.release(reservation_id)
        raise


def _reserve_more(row, accounts: list[Account], *, plans, store) -> list[str]:
    try:
        held = {c["id"] for c in store.list(row.user_id)} if accounts else set()
    except StoreUnavailable:
        held = set()
    made: list[str] = []
    try:
        for account in accounts:
            cid = connection_id(row.user_id, row.network, account.provider_account_id)
            made.append(plans.reserve(row.user_id, row.network, cid if cid in held else None).id)
    except PlanLimitReached as exc:
        _release_all(plans, made)
        raise ApiError(403, "plan_limit", (exc.body.get("message") or "Your plan has no room for that many Pages.")
                       + " Choose fewer Pages or upgrade.",
                       **{k: v for k, v in exc.body.items() if k not in ("error", "message")}) from None
    except PlanLimitsUnavailable:
        _release_all(plans, made)
        raise ApiError(503, "plan_limits_unavailable", "We can't check your plan's account limit right now; "
                                                       "please try again in a minute.") from None
    return made


def _release_all(plans, reservation_ids: list[str]) -> None:
    for reservation_id in reservation_ids:
        plans.release(reservation_id)
