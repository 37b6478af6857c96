"""Everything the sandbox remembers, in memory, on the app object.

One `Sandbox` per app (`app.extensions["provider_sandbox"]`): accounts, consent
grants, authorization codes, tokens, Bluesky sessions, Mastodon app
registrations, fault rules and counters. It is a single-process dev/test
stand-in, so one re-entrant lock guards it all; views hold it only for short
read-check-write steps, never across a sleep or an outgoing HTTP call.
"""
from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask import current_app

from provider_sandbox import accounts


@dataclass
class Account:
    name: str
    id: str
    created_at: float
    handle: str | None = None  # Bluesky handle, once the account logged in there


@dataclass
class Grant:
    """One approval on a consent page: who let which client do what."""
    id: str
    network: str
    instance: str  # Mastodon server; "" elsewhere
    account: str
    client_id: str
    scopes: tuple[str, ...]
    created_at: float
    pages: tuple[str, ...] = ()  # Facebook Page ids ticked on the consent page
    revoked_reason: str | None = None  # "removed_app" | "password_changed" | "revoked"


@dataclass
class Code:
    value: str
    grant_id: str
    client_id: str
    redirect_uri: str
    expires_at: float
    challenge: str | None = None
    challenge_method: str | None = None
    offline: bool = False  # Google: this consent may yield a refresh token
    used: bool = False


@dataclass
class Token:
    value: str
    kind: str  # "access" | "refresh" | "page"
    grant_id: str
    family: str  # every token descended from one code exchange or one Bluesky login
    issued_at: float
    expires_at: float | None  # None: never expires
    stage: str = ""  # Meta: "short" | "long"
    page_id: str | None = None
    revoked: bool = False
    replaced_by: str | None = None  # a rotated refresh token's successor


@dataclass
class BlueskySession:
    """One refresh JWT (by jti) of a Bluesky login; rotation links it to its successor."""
    jti: str
    jwt: str
    family: str
    account: str
    scope: str
    app_password: str | None
    expires_at: float
    successor: str | None = None  # the next refresh JWT, handed out again inside the grace window
    grace_until: float | None = None
    revoked: bool = False


@dataclass
class MastodonApp:
    instance: str
    client_id: str
    client_secret: str
    name: str
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]


@dataclass
class Fault:
    network: str  # a network id or "*"
    endpoint: str  # token | refresh | identity | revoke | any
    mode: str  # 5xx | 429 | timeout
    retry_after: int | None = None
    count: int | None = None  # None: until cleared
    delay_s: float = 5.0
    status: int = 503


class Sandbox:
    def __init__(self, config: dict[str, Any]):
        self.config = config
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.clock_offset = 0.0
            self.accounts: dict[str, Account] = {}
            self.grants: dict[str, Grant] = {}
            self.codes: dict[str, Code] = {}
            self.tokens: dict[str, Token] = {}
            self.sessions: dict[str, BlueskySession] = {}
            self.revoked_app_passwords: set[tuple[str, str]] = set()
            self.mastodon_apps: dict[tuple[str, str], MastodonApp] = {}
            self.consented: set[tuple[str, str, str, str]] = set()  # (network, instance, account, client)
            self.faults: list[Fault] = []
            self.counters: Counter[tuple[str, str]] = Counter()  # (network, event)
            self.family_refreshes: Counter[str] = Counter()
            self.families: dict[str, tuple[str, str]] = {}  # family → (network, account)
            self._ids = itertools.count(1)

    def now(self) -> float:
        return time.time() + self.clock_offset

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    def account(self, name: str) -> Account:
        """The sandbox account called `name`, created on first use."""
        with self.lock:
            if name not in self.accounts:
                self.accounts[name] = Account(name, accounts.account_id(name), self.now())
            return self.accounts[name]

    def find_account(self, key: str) -> Account | None:
        """An account by name, platform id, Bluesky handle or DID."""
        with self.lock:
            for account in self.accounts.values():
                if key in (account.name, account.id, account.handle, accounts.did(account.name)):
                    return account
        return None

    def new_family(self, network: str, account: str) -> str:
        with self.lock:
            family = self.next_id("family-")
            self.families[family] = (network, account)
            return family

    def count(self, network: str, event: str, family: str | None = None) -> None:
        with self.lock:
            self.counters[(network, event)] += 1
            if family and event == "refresh":
                self.family_refreshes[family] += 1

    def lookup(self, value: str | None, *kinds: str) -> tuple[Token, Grant] | tuple[None, None]:
        with self.lock:
            token = self.tokens.get(value or "")
            if token is None or (kinds and token.kind not in kinds):
                return None, None
            return token, self.grants[token.grant_id]

    def token_status(self, token: Token, grant: Grant) -> str:
        """"active", "revoked" or "expired"."""
        if token.revoked or grant.revoked_reason:
            return "revoked"
        if token.expires_at is not None and token.expires_at <= self.now():
            return "expired"
        return "active"


def sandbox() -> Sandbox:
    return current_app.extensions["provider_sandbox"]
