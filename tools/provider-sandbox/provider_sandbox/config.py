"""The sandbox's settings: defaults, checked overrides, and the one reader of the environment.

Tests pass a dict to `create_app`; the gunicorn entry reads `POSTMATE_SANDBOX_<KEY>`
variables (one per key below) through `config_from_env`, and nothing else in the
package looks at `os.environ`.
"""
from __future__ import annotations

import json
from typing import Any, Mapping

from shared.providers import GRAPH_API_VERSION

DEFAULTS: dict[str, Any] = {
    "auto_approve": False,          # GET authorize redirects with a code at once
    "auto_approve_pages": 2,        # Facebook Pages granted on auto-approve (of the account's pages_per_account)
    "pages_per_account": 3,         # Facebook Pages each sandbox account manages
    "code_ttl_s": 60,
    "min_refresh_age_s": 86400,     # Instagram/Threads refuse to refresh a token younger than this
    "expires_in": {},               # {"x": 60, "instagram.short": 5, "tiktok.refresh": 600}
    "clients": {},                  # {"x": {"client-id": "secret"}}: only these clients may connect
    "instagram_token_shape": "flat",  # "data_list": {"data": [{...}]} as Instagram Login's docs show
    "bluesky_handle_suffixes": [".sandbox"],
    "bluesky_main_password": "main-password",
    "bluesky_refresh_grace_s": 7200,
    "jwt_secret": "",               # signs Bluesky JWTs; random per app when empty
    "callback_timeout_s": 5.0,      # Meta deauthorize / data-deletion callback POSTs
    "graph_version": GRAPH_API_VERSION,  # the only Graph API version served (POSTMATE_GRAPH_API_VERSION)
}
ENV_PREFIX = "POSTMATE_SANDBOX_"


def build_config(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """DEFAULTS with `overrides` applied; an unknown key is a typo, so it fails loudly."""
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown provider-sandbox setting(s): {', '.join(unknown)}")
    if overrides.get("instagram_token_shape", "flat") not in ("flat", "data_list"):
        raise ValueError("instagram_token_shape must be 'flat' or 'data_list'")
    return {**DEFAULTS, **overrides}


def config_from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """`POSTMATE_SANDBOX_AUTO_APPROVE=1`, `…_EXPIRES_IN={"x": 60}`, … → overrides for build_config."""
    found: dict[str, Any] = {}
    for key, default in DEFAULTS.items():
        raw = environ.get(ENV_PREFIX + key.upper())
        if raw is None:
            continue
        name = ENV_PREFIX + key.upper()
        if isinstance(default, bool):
            if raw.strip().lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off", ""):
                raise ValueError(f"{name} must be 1/0/true/false, got {raw!r}")
            found[key] = raw.strip().lower() in ("1", "true", "yes", "on")
        elif isinstance(default, (int, float)):
            try:
                found[key] = type(default)(raw)
            except ValueError:
                raise ValueError(f"{name} must be a number, got {raw!r}") from None
        elif isinstance(default, list):
            found[key] = [part.strip() for part in raw.split(",") if part.strip()]
        elif isinstance(default, dict):
            try:
                found[key] = json.loads(raw)
            except ValueError:
                raise ValueError(f"{name} must be a JSON object, got {raw!r}") from None
        else:
            found[key] = raw
    if environ.get("POSTMATE_GRAPH_API_VERSION"):  # the product's one setting, read here too
        found["graph_version"] = environ["POSTMATE_GRAPH_API_VERSION"]
    return found
