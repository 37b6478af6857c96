"""Giving access back at the platform after a disconnect, in the background.

The disconnect itself is done the moment its AccountRevoked commits; telling the
platform can wait for it to answer. `queue` writes the credentials to revoke
(encrypted, the connection id as associated data) in the disconnect's own
transaction; the worker's revoker (`revoker`) works the queue:

- OAuth networks with a revoke endpoint (TikTok, YouTube, X, Mastodon): RFC 7009,
  with the tokens the catalogue says each endpoint takes (`revoke_tokens`): the
  refresh token first where it is accepted (it is the lasting key; Google ends the
  whole grant with it), then the access token; TikTok takes only the access token,
  renewed first when it has ended. A token the platform no longer knows is done.
- Bluesky: deleteSession with the refresh JWT at the account's PDS. The app
  password itself can only be deleted by its owner, in Bluesky's settings.
- Facebook: none per Page. DELETE /me/permissions would remove Post Mate from
  every Page the person shared, so one Page's disconnect only wipes its token.
- Instagram, Threads, LinkedIn, Pinterest: no revoke endpoint (providers.md);
  the token is wiped here and dies at its expiry; the person can remove Post Mate
  in the platform's settings.

A platform that is away (5xx, 429, timeout) is asked again with exponential
back-off and jitter, for about three days; a platform that refuses (401, 403)
won't change its mind, so that is logged and dropped. Rows are claimed by moving
`next_attempt_at` forward (a lease, with SKIP LOCKED on PostgreSQL), so several
gateway workers never revoke one token twice at the same time.
"""
from __future__ import annotations

import logging
import random
import threading
from datetime import timedelta

import httpx
from atproto_client import exceptions as xrpc

from auth_gateway import metrics, repository
from auth_gateway.adapters.oauth import ProviderError
from auth_gateway.bluesky.xrpc import xrpc_client
from auth_gateway.mastodon import client_for
from shared.providers.egress import Egress, EgressRefused

log = logging.getLogger(__name__)

RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=6)
MAX_ATTEMPTS = 20  # 30 s doubling to 6 h: about three days of trying
LEASE = timedelta(minutes=5)  # longer than one row's calls can take (two calls, each with its timeout)
BATCH = 20
NO_PER_PAGE_REVOKE = ("facebook",)

WHY_NOT = {
    "facebook": "Facebook can only remove Post Mate from all your Pages at once, so this Page's access key was "
                "deleted on our side. To remove Post Mate entirely, use Facebook's Business integrations settings.",
    "bluesky": "Post Mate signed out of Bluesky. To be sure, delete the \"Post Mate\" app password in Bluesky's "
               "settings (Privacy and security → App passwords).",
}


class Refused(Exception):
    """The platform will not revoke this token, now or later."""


def revocable(network: str, registry) -> bool:
    """Whether a disconnect from `network` has something to tell the platform."""
    if network == "bluesky":
        return True
    if network in NO_PER_PAGE_REVOKE:
        return False
    return bool(registry.get(network).spec.revoke_url)


def platform_note(network: str, name: str, revocable_there: bool) -> str:
    if network in WHY_NOT:
        return WHY_NOT[network]
    if revocable_there:
        return f"Post Mate is also telling {name} to cancel its access; that finishes in the background."
    return (f"{name} gives apps no way to hand access back, so Post Mate deleted its access key on our side. "
            f"You can also remove Post Mate in {name}'s settings.")


def queue(session, connection_id: str, network: str, credentials: dict, *, cipher, now) -> None:
    repository.queue_revocation(session, connection_id=connection_id, network=network,
                                instance=credentials.get("instance") or None,
                                credentials=cipher.encrypt(credentials, connection_id), next_attempt_at=now)


def backoff(attempts: int) -> timedelta:
    """Full jitter: a random wait up to base·2^(attempts-1), capped."""
    ceiling = min(RETRY_CAP, RETRY_BASE * 2 ** max(0, attempts - 1))
    return max(RETRY_BASE / 2, ceiling * random.random())


def revoke_due(*, sessions, cipher, registry, egress, clock) -> int:
    """One pass over the due rows; returns how many were worked. Ends by counting what
    is left, for the pending gauge (a small table: rows leave once the platform is told)."""
    claimed = _claim(sessions, clock())
    for row in claimed:
        _work(row, sessions=sessions, cipher=cipher, registry=registry, egress=egress, clock=clock)
    _count_pending(sessions, registry)
    return len(claimed)


def _count_pending(sessions, registry) -> None:
    with sessions() as session:
        counts = repository.pending_revocations_by_network(session)
    for provider in registry:  # every network, so a backlog that cleared shows 0, not its last count
        metrics.PLATFORM_REVOCATIONS_PENDING.labels(provider.id).set(counts.get(provider.id, 0))


def _claim(sessions, now) -> list:
    with sessions.begin() as session:
        return repository.claim_revocations(session, now, BATCH, LEASE)


def _work(row, *, sessions, cipher, registry, egress, clock) -> None:
    try:
        _revoke(row.network, cipher.decrypt(row.credentials, row.connection_id), row.instance,
                registry=registry, egress=egress, sessions=sessions, cipher=cipher, clock=clock)
    except Refused as exc:
        _finish(sessions, row, "refused", f"refused: {exc}")
    except ProviderError as exc:
        if not exc.retryable and exc.status in (401, 403):
            _finish(sessions, row, "refused", f"refused: {exc.error}")
        else:
            _again(sessions, row, exc.error, clock())
    except Exception as exc:  # anything else (a bug, the database): try again later, never lose the row
        _again(sessions, row, exc.__class__.__name__, clock())
    else:
        _finish(sessions, row, "revoked", "revoked")


def _finish(sessions, row, outcome: str, detail: str) -> None:
    with sessions.begin() as session:
        repository.drop_revocation(session, row.id)
    metrics.PLATFORM_REVOCATIONS.labels(row.network, outcome).inc()
    (log.info if outcome == "revoked" else log.warning)(
        "platform revocation for connection %s on %s: %s", row.connection_id, row.network, detail)


def _again(sessions, row, error: str, now) -> None:
    attempts = row.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        return _finish(sessions, row, "gave_up", f"gave up after {attempts} attempts ({error})")
    with sessions.begin() as session:
        repository.retry_revocation(session, row.id, attempts=attempts, next_attempt_at=now + backoff(attempts),
                                    last_error=error[:500])
    metrics.PLATFORM_REVOCATIONS.labels(row.network, "retry").inc()
    log.info("platform revocation for connection %s on %s failed (%s); attempt %d will follow",
             row.connection_id, row.network, error, attempts + 1)


def _revoke(network: str, credentials: dict, instance: str | None, *, registry, egress, sessions, cipher,
            clock) -> None:
    if network == "bluesky":
        return _end_bluesky_session(credentials, egress, registry)
    provider = registry.get(network)
    client = client_for(provider, instance, sessions=sessions, cipher=cipher, clock=clock, egress=egress)
    for name in provider.spec.revoke_tokens:  # the token(s) each platform's revoke endpoint documents
        token = credentials.get(name)
        if not token:
            continue
        if name == "access_token" and provider.spec.revoke_needs_live_token and _ended(credentials, clock()) \
                and credentials.get("refresh_token"):
            try:
                token = client.refresh(credentials["refresh_token"])["access_token"]
            except ProviderError as exc:
                if exc.retryable:
                    raise
                return  # the grant no longer renews: nothing of it is left to revoke
        client.revoke(token, name)


def _ended(credentials: dict, now) -> bool:
    expires_at = credentials.get("expires_at")
    return isinstance(expires_at, (int, float)) and expires_at <= now.timestamp() + 60  # a minute's margin


def _end_bluesky_session(credentials: dict, egress: Egress, registry) -> None:
    try:
        target = egress.vet(credentials["pds_url"])
    except (EgressRefused, KeyError) as exc:
        raise Refused("the session's server is not one Post Mate may call") from exc
    timeout_s = registry.get("bluesky").timeout_s
    try:
        with xrpc_client(target, timeout_s) as client:
            client.com.atproto.server.delete_session(
                headers={"Authorization": f"Bearer {credentials['refresh_token']}"})
    except xrpc.RequestErrorBase as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status in (400, 401):  # ExpiredToken / InvalidToken: the session is already gone
            return
        raise ProviderError("platform_unavailable", f"HTTP {status}", retryable=True, status=status) from None
    except httpx.HTTPError as exc:
        raise ProviderError("unreachable", exc.__class__.__name__, retryable=True) from None


def revoker(interval_s: float = 2.0, *, sessions, cipher, registry, egress, clock):
    """A worker loop (see shared.worker.run_loops) running `revoke_due` every `interval_s`."""
    def run(stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                worked = revoke_due(sessions=sessions, cipher=cipher, registry=registry, egress=egress,
                                    clock=clock)
            except Exception as exc:  # database away: try again next round
                log.warning("platform revocation pass failed: %s", exc.__class__.__name__)
                worked = 0
            if not worked:
                stop.wait(interval_s)
    return run
