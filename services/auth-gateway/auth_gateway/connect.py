"""Starting a connect: the dashboard creates an attempt, the browser opens its start URL.

Creating an attempt reserves a socket with plan-limits first (fail closed); only
then, for Mastodon, is our app registered on the server the user named (a user the
plan refuses makes us call nobody). It hands back a start URL carrying a one-time
token; only its hash is stored.
Opening that URL binds the attempt to the browser (an HttpOnly, SameSite=Lax
cookie whose hash is stored), draws the OAuth state and PKCE verifier, and
redirects to the platform's consent page.
"""
from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import timedelta

from auth_gateway import mastodon, metrics, outcomes, queries, repository
from auth_gateway.domain import PENDING, allowed_return_to, digest, new_secret
from shared.clients.plan_limits import PlanLimitReached, PlanLimitsUnavailable
from shared.providers.registry import Provider, Registry, UnknownNetwork
from shared.web import ApiError


@dataclass(frozen=True)
class NewAttempt:
    user_id: str
    network: str
    return_to: str | None = None
    instance: str | None = None
    reconnect: str | None = None  # the connection id being reconnected


def oauth_provider(registry: Registry, network: str) -> Provider:
    try:
        provider = registry.get(network)
    except UnknownNetwork:
        raise ApiError(404, "unknown_network", f"Post Mate can't connect to “{network}”. "
                                               "Tell us which network you miss and we'll count it.") from None
    if provider.spec.auth_kind == "app_password":
        # Bluesky signs in with an app password instead (bluesky/connect.py).
        raise ApiError(400, "use_app_password", f"{provider.spec.name} connects with an app password, not a sign-in "
                                                "page: send it to POST /v1/connections/bluesky.")
    if not provider.available:
        raise ApiError(503, "network_not_configured", f"Connecting {provider.spec.name} isn't set up on this "
                                                      "Post Mate server yet.")
    return provider


def create_attempt(cmd: NewAttempt, *, registry, plans, store, sessions, cipher, settings, clock, egress) -> dict:
    provider = oauth_provider(registry, cmd.network)
    if cmd.return_to is not None and not allowed_return_to(cmd.return_to, settings.allowed_return_origins):
        raise ApiError(400, "invalid_return_to", "return_to must be a page on an allowed Post Mate address.")
    reconnecting = connection_to_reconnect(cmd.user_id, cmd.network, cmd.reconnect, store=store, sessions=sessions,
                                           clock=clock) if cmd.reconnect else None
    instance = _instance(cmd, provider, reconnecting)
    reservation = reserve(plans, cmd.user_id, cmd.network, cmd.reconnect)
    now, attempt_id, start_token = clock(), str(uuid.uuid4()), new_secret()
    if instance:  # only a user the plan admits makes us register an app on a server they name
        try:
            mastodon.app_for(instance, provider=provider, sessions=sessions, cipher=cipher, clock=clock,
                             egress=egress)
        except Exception:
            outcomes.release(attempt_id, reservation.id, sessions=sessions, plans=plans, clock=clock)
            raise
    expires_at = now + timedelta(seconds=settings.attempt_ttl_s)
    try:
        with sessions.begin() as session:
            repository.add_attempt(session, id=attempt_id, user_id=cmd.user_id, network=cmd.network, kind="oauth",
                                   status=PENDING, start_hash=digest(start_token), return_to=cmd.return_to,
                                   instance=instance, reconnect_connection_id=cmd.reconnect,
                                   reservation_id=reservation.id, created_at=now, expires_at=expires_at)
    except Exception:
        outcomes.release(attempt_id, reservation.id, sessions=sessions, plans=plans, clock=clock)
        raise
    metrics.CONNECTS_STARTED.labels(cmd.network).inc()
    start_url = f"{settings.gateway_public_url.rstrip('/')}/start/{attempt_id}?t={start_token}"
    return {"attempt_id": attempt_id, "start_url": start_url, "expires_at": expires_at.isoformat(),
            "reservation": {"id": reservation.id, "kind": reservation.kind}}


def connection_to_reconnect(user_id: str, network: str, connection_id: str, *, store, sessions, clock) -> dict:
    """The user's connection being reconnected, as the dashboard lists it (read-your-writes included);
    404 unless it is theirs and on this network. Every kind of connect (OAuth, Bluesky) asks here."""
    listed = queries.list_connections(user_id, store=store, sessions=sessions, clock=clock)["connections"]
    held = next((c for c in listed if c["id"] == connection_id and c["network"] == network), None)
    if held is None:
        raise ApiError(404, "connection_not_found", "There is no such connection to reconnect on this network.")
    return held


def _instance(cmd: NewAttempt, provider: Provider, reconnecting: dict | None) -> str | None:
    if not provider.spec.per_instance:
        return None
    held = (reconnecting or {}).get("provider_account_id", "").rpartition("@")[2] or None
    instance = mastodon.normalise_instance(cmd.instance or held)
    if held and instance != held:
        raise ApiError(400, "wrong_instance", f"This connection lives on {held}; reconnect it there.")
    return instance


def reserve(plans, user_id: str, network: str, reconnect: str | None):
    """A socket from plan-limits (a reconnect of `reconnect` costs none), or the dashboard's 403 / 503."""
    try:
        return plans.reserve(user_id, network, reconnect)
    except PlanLimitReached as exc:
        metrics.PLAN_DENIALS.labels(network).inc()
        body = {k: v for k, v in exc.body.items() if k not in ("error", "message")}
        raise ApiError(403, "plan_limit", exc.body.get("message") or "You've reached your plan's account limit.",
                       **body) from None
    except PlanLimitsUnavailable:
        raise ApiError(503, "plan_limits_unavailable", "We can't check your plan's account limit right now, so "
                                                       "nothing was started. Please try again in a minute.") from None


def start_attempt(attempt_id: str, start_token: str, browser: str | None, *,
                  registry, sessions, cipher, plans, clock, egress) -> tuple[str, str]:
    """(consent page URL, browser cookie value) for a browser opening the start URL."""
    row, provider = _startable(attempt_id, start_token, registry=registry, sessions=sessions, plans=plans,
                               clock=clock)
    browser = browser or new_secret()
    if row.browser_hash and not hmac.compare_digest(row.browser_hash, digest(browser)):
        raise ApiError(409, "started_elsewhere", "This connect link was opened in another browser. "
                                                 "Start again from Post Mate in this one.")
    state, verifier = new_secret(), new_secret()
    client = mastodon.client_for(provider, row.instance, sessions=sessions, cipher=cipher, clock=clock,
                                 egress=egress)
    url = client.authorization_url(state, verifier)
    with sessions.begin() as session:
        if not repository.move_attempt(session, row.id, (PENDING,), repository.unbound_or(digest(browser)),
                                       state_hash=digest(state), browser_hash=digest(browser), started_at=clock(),
                                       secrets=cipher.encrypt({"code_verifier": verifier}, row.id)):
            raise ApiError(409, "attempt_finished", "This connect link was already used. Start again from Post Mate.")
    return url, browser


def _startable(attempt_id: str, start_token: str, *, registry, sessions, plans, clock):
    with sessions() as session:
        row = repository.attempt(session, attempt_id)
    if row is None or not row.start_hash or not hmac.compare_digest(row.start_hash, digest(start_token or "")):
        raise ApiError(404, "invalid_start_link", "This connect link isn't valid. Start again from Post Mate.")
    provider = registry.get(row.network)
    if row.status != PENDING:
        raise ApiError(409, "attempt_finished", "This connect link was already used. Start again from Post Mate.")
    if clock() >= row.expires_at:
        outcomes.expired(row, provider, sessions=sessions, plans=plans, clock=clock)
        raise ApiError(410, "expired", "This connect link has expired. Start again from Post Mate.")
    return row, provider
