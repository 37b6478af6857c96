"""Whose connections the page shows.

The local panel has no sign-in: `?user=alice` picks the Post Mate user and a
cookie remembers it (default `demo-user`). The real dashboard replaces
`current_user()` with its signed-in session's user; nothing else changes.
"""
from __future__ import annotations

import re

from flask import request

from shared.web import ApiError

COOKIE = "postmate_panel_user"
DEFAULT_USER = "demo-user"
_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")


def current_user() -> str:
    user = request.args.get("user") or request.cookies.get(COOKIE) or DEFAULT_USER
    if not _SHAPE.match(user):
        raise ApiError(400, "invalid_user", "A user name is 1–64 letters, digits or . _ @ + -.")
    return user


def remember(response, user: str):
    response.set_cookie(COOKIE, user, httponly=True, samesite="Lax", max_age=30 * 24 * 3600)
    return response
