"""Every refusal of the Bluesky connect, written once: HTTP status, code, sentence.

Sentences never repeat what the person typed unless it passed validation (a
password pasted into the handle field must not come back in an answer), and
never carry anything a Bluesky server said beyond its error name.
`from_xrpc` turns what the atproto SDK raises into one of these.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from atproto_client import exceptions as xrpc

from shared.web import ApiError

APP_PASSWORDS_URL = "https://bsky.app/settings/app-passwords"
STEPS = ("In Bluesky, open Settings → Privacy and security.",
         "Choose App Passwords.",
         "Choose Add App Password and name it \"Post Mate\".",
         "Copy the password it shows (it looks like xxxx-xxxx-xxxx-xxxx) and paste it here.")
HOW_TO = ("create one at bsky.app/settings/app-passwords (Settings → Privacy and security → App Passwords → "
          "Add App Password), name it \"Post Mate\", and paste it here")


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str  # {handle}, {host}, {error}, {wait} are filled in
    retryable: bool = False
    guide: bool = False  # the answer carries the app-password steps


REFUSALS: dict[str, Refusal] = {
    # What the person sent.
    "invalid_handle": Refusal(400, "That isn't a Bluesky handle. Enter the handle shown on your profile, like "
                                   "alice.bsky.social (without the @)."),
    "invalid_app_password": Refusal(400, "That isn't a Bluesky app password (they look like xxxx-xxxx-xxxx-xxxx). "
                                         "Post Mate connects with an app password, never your main password: "
                                         f"{HOW_TO}.", guide=True),
    "invalid_service": Refusal(400, "The server address must look like https://pds.example.com (no path). Leave "
                                    "it empty if Bluesky hosts your account."),
    "invalid_reconnect": Refusal(400, "reconnect must be the id of the connection to reconnect."),
    "service_not_https": Refusal(400, "Post Mate only talks to Bluesky servers over https. Give your server's "
                                      "https:// address."),
    "service_not_found": Refusal(400, "We couldn't find a server called {host}. Check the address, or leave it "
                                      "empty if Bluesky hosts your account."),
    "service_not_public": Refusal(400, "{host} is not a public internet address (it points into a private, local "
                                       "or reserved network), so Post Mate won't connect to it. Use your server's "
                                       "public https address."),
    "too_many_attempts": Refusal(429, "Too many Bluesky sign-in attempts. Please wait {wait} and try again.", True),
    # Who the account is.
    "handle_not_found": Refusal(400, "We couldn't find a Bluesky account called @{handle}. Check the spelling: "
                                     "it's the handle on your profile, like alice.bsky.social. A deactivated or "
                                     "suspended account can't be found until it is restored."),
    "no_pds": Refusal(400, "@{handle} doesn't say which server hosts it, so Post Mate can't sign in to it. If you "
                           "host your own server, give its address too."),
    "wrong_account": Refusal(409, "@{handle} is not the Bluesky account you are reconnecting. Use the app "
                                  "password of the connected account, or connect this one as a new account."),
    # What the account's server said.
    "wrong_password": Refusal(400, "Bluesky didn't accept this handle and app password together. Check that the "
                                   "app password belongs to @{handle}: Bluesky shows it only once, so if in doubt "
                                   f"{HOW_TO}. An account Bluesky has suspended can't sign in either.", guide=True),
    "main_password": Refusal(400, "That's your main Bluesky password, so Post Mate signed out again at once and "
                                  f"kept nothing. Please use an app password instead: {HOW_TO}. You can revoke it "
                                  "there any time without changing your main password.", guide=True),
    "not_an_app_password": Refusal(400, "Bluesky signed in with access Post Mate doesn't recognise as an app "
                                        "password, so Post Mate signed out again at once and kept nothing. Please "
                                        f"use an app password: {HOW_TO}.", guide=True),
    "account_taken_down": Refusal(403, "Bluesky has taken @{handle} down, so it can't be connected. Contact "
                                       "Bluesky's moderation team to have it restored."),
    "account_deactivated": Refusal(403, "@{handle} is deactivated. Reactivate it by signing in to Bluesky, then "
                                        "connect it again."),
    "identity_mismatch": Refusal(502, "{host} signed in a different account than @{handle}, so Post Mate signed "
                                      "out again and connected nothing."),
    "bluesky_rate_limited": Refusal(429, "Bluesky is refusing sign-ins to @{handle} for now because there were "
                                         "too many. Please try again {wait}.", True),
    "bluesky_unavailable": Refusal(502, "The Bluesky server {host} didn't answer, so nothing was connected. Please "
                                        "try again in a minute.", True),
    "bluesky_error": Refusal(502, "The Bluesky server {host} refused the sign-in ({error}), so nothing was "
                                  "connected. Please try again later."),
}
_ERROR_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,39}$")


def refuse(code: str, retry_after_s: float | None = None, **words: str) -> ApiError:
    refusal = REFUSALS[code]
    extra: dict = {}
    if refusal.guide:
        extra["help"] = {"url": APP_PASSWORDS_URL, "steps": list(STEPS)}
    if refusal.retryable:
        extra["retryable"] = True
    seconds = math.ceil(retry_after_s) if retry_after_s is not None and retry_after_s > 0 else None
    if seconds:
        extra["retry_after"] = seconds
    words.setdefault("wait", _wait(seconds, in_=code == "bluesky_rate_limited"))
    return ApiError(refusal.status, code, refusal.message.format_map(_Words(words)), **extra)


class _Words(dict):
    def __missing__(self, key: str) -> str:  # a word the caller didn't have: never a KeyError mid-refusal
        return {"host": "your Bluesky server", "handle": "this account"}.get(key, "")


def _wait(seconds: int | None, in_: bool) -> str:
    if seconds is None:
        return "later" if in_ else "a few minutes"
    minutes = max(1, math.ceil(seconds / 60))
    amount = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"in about {amount}" if in_ else amount


def xrpc_error_name(exc: Exception) -> str:
    """The XRPC error name a server answered with ("AuthenticationRequired"), or ""."""
    response = getattr(exc, "response", None)
    content = getattr(response, "content", None)
    name = getattr(content, "error", None)
    return name if isinstance(name, str) and _ERROR_NAME.match(name) else ""


def from_xrpc(exc: Exception, *, host: str, handle: str) -> ApiError:
    """What a failed createSession (or resolveHandle) means for the person."""
    name = xrpc_error_name(exc)
    if isinstance(exc, xrpc.ModelError):
        return refuse("bluesky_error", host=host, error="an answer Post Mate couldn't read")
    if isinstance(exc, xrpc.RateLimitExceededError):
        return refuse("bluesky_rate_limited", _retry_after(exc), handle=handle)
    if name == "AccountTakedown":
        return refuse("account_taken_down", handle=handle)
    if name == "AccountDeactivated":
        return refuse("account_deactivated", handle=handle)
    if name == "AuthFactorTokenRequired":  # email 2FA guards the main password only
        return refuse("main_password")
    if name == "AuthenticationRequired" or (isinstance(exc, xrpc.UnauthorizedError) and not name):
        return refuse("wrong_password", handle=handle)
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if isinstance(exc, xrpc.NetworkError) or status is None or status >= 500:
        return refuse("bluesky_unavailable", host=host)
    return refuse("bluesky_error", host=host, error=name or f"HTTP {status}")


def _retry_after(exc: xrpc.RateLimitExceededError) -> float | None:
    if exc.retry_after is not None:
        return exc.retry_after
    if exc.reset_at is not None:
        return (exc.reset_at - datetime.now(timezone.utc)).total_seconds()
    return None
