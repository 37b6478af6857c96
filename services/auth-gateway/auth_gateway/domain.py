"""The rules of a connect attempt, free of I/O.

An attempt lives from `POST …/attempts` to one of connected / failed / expired:

    pending ──start──▶ pending (bound to a browser) ──callback──▶ exchanging ─▶ connected
                                                                     │      └─▶ choose_pages ─▶ connected
                                                                     └─▶ failed
    pending/exchanging/choose_pages past their expiry ─▶ expired

`exchanging` is the callback's claim on the state: it makes the state single-use
even when two requests race. The dashboard sees it as `pending`.
"""
from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

# One place for the connection-id namespace: a connection is (user, network,
# platform account), so a reconnect of the same account lands on the same id.
CONNECTION_NAMESPACE = uuid.UUID("6f0c5b8e-2f4d-5a61-9c3e-7d1b0a9e4c21")

PENDING, EXCHANGING, CHOOSE_PAGES = "pending", "exchanging", "choose_pages"
CONNECTED, FAILED, EXPIRED = "connected", "failed", "expired"
OPEN = (PENDING, EXCHANGING, CHOOSE_PAGES)
FINISHED = (CONNECTED, FAILED, EXPIRED)


def connection_id(user_id: str, network: str, provider_account_id: str) -> str:
    return str(uuid.uuid5(CONNECTION_NAMESPACE, f"{user_id}:{network}:{provider_account_id}"))


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def public_status(status: str) -> str:
    return PENDING if status == EXCHANGING else status


MAX_RETURN_TO = 2000  # the attempts.return_to column


def origin(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # raises on a port that is not a number
    except ValueError:  # "http://[::1", "http://host:99999"
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    return f"{parts.scheme}://{parts.netloc.lower()}"


def allowed_return_to(url: str | None, allowed_origins: tuple[str, ...]) -> bool:
    """Only absolute http(s) URLs on an allow-listed origin (no open redirects)."""
    return bool(url) and len(url) <= MAX_RETURN_TO and origin(url) in {o.lower() for o in allowed_origins}


@dataclass(frozen=True)
class Failure:
    status: int  # the HTTP status of the browser page (and of API answers)
    retryable: bool
    message: str  # {network} and {detail} are filled in


FAILURES: dict[str, Failure] = {
    "denied": Failure(400, False, "You declined the request on {network}, so nothing was connected. "
                                  "Connect again and approve to add the account."),
    "expired": Failure(410, False, "The {network} tab never came back to Post Mate, so this attempt expired. "
                                   "Browser extensions (ad or privacy blockers) sometimes block that last step: "
                                   "pause them or use a private window, then connect again."),
    "platform_unavailable": Failure(502, True, "{network} didn't answer in time, so nothing was connected. "
                                               "Please try again in a minute."),
    "platform_error": Failure(502, False, "{network} refused the sign-in ({detail}). Please connect again."),
    "scopes_missing": Failure(400, False, "Post Mate needs every permission it asked for to publish for you "
                                          "(missing: {detail}). Connect again and keep them all switched on."),
    "wrong_account": Failure(409, False, "You signed in to a different {network} account than the one you are "
                                         "reconnecting ({detail}). Switch accounts on {network}, then reconnect."),
    "no_pages": Failure(400, False, "No Facebook Page was shared with Post Mate. Connect again and select at "
                                    "least one Page you can post to."),
    "no_account": Failure(502, False, "{network} did not tell Post Mate which account signed in. "
                                      "Please connect again."),
    "internal_error": Failure(500, True, "Something went wrong on our side, so nothing was connected. "
                                        "Please try again."),
    "no_channel": Failure(400, False, "This Google account has no YouTube channel yet. Create one on YouTube, "
                                      "then connect again."),
}


def failure_message(code: str, network_name: str, detail: str = "") -> str:
    return FAILURES[code].message.format(network=network_name, detail=detail or "no details given")
