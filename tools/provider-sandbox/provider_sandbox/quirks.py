"""Per-network behaviour that a table value can't express, one small function each."""
from __future__ import annotations

from typing import Any


# -- when a code exchange also yields a refresh token ----------------------------
def always(grant, code) -> bool:
    return True


def never(grant, code) -> bool:
    return False


def google_offline(grant, code) -> bool:
    """Google: access_type=offline on a consent screen it actually showed (first consent or prompt=consent)."""
    return code.offline


def offline_access_scope(grant, code) -> bool:
    """X: only when offline.access was granted."""
    return "offline.access" in grant.scopes


# -- what the redirect carries besides code and state ------------------------------
def google_redirect(grant) -> dict[str, str]:
    return {"scope": " ".join(grant.scopes)}


def tiktok_redirect(grant) -> dict[str, str]:
    return {"scopes": ",".join(grant.scopes)}


# -- token answer shapes --------------------------------------------------------
def instagram_token_shape(body: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """Instagram Login's docs wrap the code exchange in {"data": [...]}; observed answers are flat."""
    return {"data": [body]} if config["instagram_token_shape"] == "data_list" else body
