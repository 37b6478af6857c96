"""Who a sandbox account is on each network, derived from its name alone.

The same name gives the same platform ids everywhere and across restarts, so a
test (or a person typing a name on the consent page) can reconnect "the same
account" on any network without the sandbox remembering anything.
"""
from __future__ import annotations

import base64
import hashlib
import re
import secrets

PAGES_PER_ACCOUNT = 3


def _digest(text: str) -> bytes:
    return hashlib.sha256(f"provider-sandbox:{text}".encode()).digest()


def account_id(name: str) -> str:
    """A 17-digit numeric id, like Meta's (every network gets the same one)."""
    return str(10**16 + int.from_bytes(_digest(name)[:8], "big") % (9 * 10**16))


def new_account_name() -> str:
    return f"user-{secrets.token_hex(3)}"


def username(name: str) -> str:
    slug = re.sub(r"[^a-z0-9_.]+", "_", name.lower()).strip("_.")[:30]
    return slug or "user"


def display_name(name: str) -> str:
    return name.strip()[:64] or "Sandbox user"


def pages(name: str, count: int = PAGES_PER_ACCOUNT) -> list[dict[str, str]]:
    """The account's Facebook Pages: [{"id", "name"}], `count` of them (the `pages_per_account` setting),
    in a fixed order."""
    return [{"id": account_id(f"{name}#page{n}"), "name": f"{display_name(name)} Page {n}"}
            for n in range(1, count + 1)]


def did(name: str) -> str:
    return "did:plc:" + base64.b32encode(_digest(name)).decode().lower()[:24]


def youtube_channel_id(name: str) -> str:
    return "UC" + base64.urlsafe_b64encode(_digest(name)).decode()[:22]
