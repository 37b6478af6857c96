"""What each network's identity endpoint answers for an account (the view is in identity.py)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

from provider_sandbox import accounts
from provider_sandbox.errors import SandboxError


@dataclass(frozen=True)
class Who:
    name: str  # the sandbox account
    id: str
    scopes: tuple[str, ...]
    args: Mapping[str, str]
    instance: str = ""
    page: dict | None = None  # Facebook: the Page a Page token acts for


def _graph_fields(who: Who, available: dict[str, Any]) -> dict[str, Any]:
    """Graph APIs answer the fields asked for (unknown ones are left out), and always the id."""
    wanted = [f.strip() for f in (who.args.get("fields") or "").split(",") if f.strip()]
    body = {"id": available["id"]}
    body.update({f: available[f] for f in wanted if f in available})
    return body


def _picture(who: Who) -> str:
    return f"https://sandbox.invalid/avatars/{who.id}.png"


def instagram(who: Who) -> dict:
    return _graph_fields(who, {"id": who.id, "user_id": who.id, "username": accounts.username(who.name),
                               "name": accounts.display_name(who.name), "account_type": "BUSINESS",
                               "profile_picture_url": _picture(who)})


def facebook(who: Who) -> dict:
    if who.page:
        return _graph_fields(who, dict(who.page))
    return _graph_fields(who, {"id": who.id, "name": accounts.display_name(who.name)})


def threads(who: Who) -> dict:
    return _graph_fields(who, {"id": who.id, "username": accounts.username(who.name),
                               "name": accounts.display_name(who.name), "threads_profile_picture_url": _picture(who),
                               "threads_biography": "", "is_verified": False})


def tiktok(who: Who) -> dict:
    available = {"open_id": who.id, "union_id": f"union-{who.id}", "avatar_url": _picture(who),
                 "display_name": accounts.display_name(who.name)}
    wanted = [f.strip() for f in (who.args.get("fields") or "open_id").split(",") if f.strip()]
    return {"data": {"user": {f: available[f] for f in wanted if f in available}},
            "error": {"code": "ok", "message": "", "log_id": secrets.token_hex(10)}}


def youtube(who: Who) -> dict:
    if who.args.get("mine") != "true":
        raise SandboxError("invalid_request", "No filter selected. Expected one of: mine, id, forHandle.",
                           status=400, api=True)
    channel: dict[str, Any] = {"kind": "youtube#channel", "etag": "sandbox",
                               "id": accounts.youtube_channel_id(who.name)}
    if "snippet" in (who.args.get("part") or "").split(","):
        channel["snippet"] = {"title": accounts.display_name(who.name), "description": "",
                              "customUrl": "@" + accounts.username(who.name),
                              "publishedAt": "2020-01-01T00:00:00Z"}
    return {"kind": "youtube#channelListResponse", "etag": "sandbox",
            "pageInfo": {"totalResults": 1, "resultsPerPage": 5}, "items": [channel]}


def linkedin(who: Who) -> dict:
    given, _, family = accounts.display_name(who.name).partition(" ")
    body = {"sub": who.id, "name": accounts.display_name(who.name), "given_name": given,
            "family_name": family, "picture": _picture(who), "locale": {"country": "US", "language": "en"}}
    if "email" in who.scopes:
        body.update(email=f"{accounts.username(who.name)}@sandbox.invalid", email_verified=True)
    return body


def x(who: Who) -> dict:
    return {"data": {"id": who.id, "name": accounts.display_name(who.name), "username": accounts.username(who.name)}}


def pinterest(who: Who) -> dict:
    return {"account_type": "BUSINESS", "id": who.id, "username": accounts.username(who.name),
            "business_name": accounts.display_name(who.name), "profile_image": _picture(who),
            "website_url": "", "board_count": 0, "pin_count": 0}


def mastodon(who: Who) -> dict:
    handle = accounts.username(who.name)
    return {"id": who.id, "username": handle, "acct": handle, "display_name": accounts.display_name(who.name),
            "locked": False, "bot": False, "note": "", "url": f"https://{who.instance}/@{handle}",
            "avatar": _picture(who), "followers_count": 0, "following_count": 0, "statuses_count": 0,
            "created_at": datetime.fromtimestamp(0, timezone.utc).isoformat().replace("+00:00", "Z")}
