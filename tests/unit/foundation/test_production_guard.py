"""Production refuses weak settings at start-up, each with a sentence naming the variable.

A production environment that passes is the baseline; each probe changes one thing
the way an operator (or an attacker who got to the configuration) might."""
from __future__ import annotations

import base64
import secrets

import pytest

from shared.config import DEV_CREDENTIAL_KEY, ConfigError, load_settings
from shared.crypto import new_key_spec

DEV_KEY_BYTES = DEV_CREDENTIAL_KEY.partition(":")[2]
OTHER_KEY = "k2:" + base64.b64encode(bytes(range(32))).decode()  # fixed: parameters must be the same in every worker


def production(**changes: str) -> dict[str, str]:
    env = {"POSTMATE_ENV": "production", "POSTMATE_CREDENTIAL_KEYS": new_key_spec("k1"),
           "POSTMATE_INTERNAL_TOKEN": secrets.token_urlsafe(32), "POSTMATE_DASHBOARD_TOKEN": secrets.token_urlsafe(32),
           "POSTMATE_BILLING_TOKEN": secrets.token_urlsafe(32), "POSTMATE_PUBLIC_URL": "https://connect.example"}
    env.update(changes)
    return {k: v for k, v in env.items() if v is not None}


def refusal(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as refused:
        load_settings(env)
    return str(refused.value)


def test_a_strong_production_environment_starts():
    settings = load_settings(production())
    assert settings.env == "production"


def test_every_refusal_is_told_at_once():
    message = refusal(production(POSTMATE_INTERNAL_TOKEN="x", POSTMATE_PUBLIC_URL="http://connect.example"))
    assert "POSTMATE_INTERNAL_TOKEN" in message and "POSTMATE_PUBLIC_URL" in message


@pytest.mark.parametrize("keys", [
    DEV_CREDENTIAL_KEY,                                        # the development ring as it is
    f"{OTHER_KEY},{DEV_CREDENTIAL_KEY}",                       # second in the ring: still decrypts, still known
    f"{OTHER_KEY},prod7:{DEV_KEY_BYTES}",                      # its bytes under another key id
], ids=["alone", "second", "renamed"])
def test_development_key_material_anywhere_in_the_ring_is_refused(keys):
    message = refusal(production(POSTMATE_CREDENTIAL_KEYS=keys))
    assert "POSTMATE_CREDENTIAL_KEYS holds the development key" in message and "new_key_spec" in message


def test_a_key_id_used_twice_is_refused_in_every_environment():
    twice = f"k1:{base64.b64encode(b'a' * 32).decode()},k1:{base64.b64encode(b'b' * 32).decode()}"
    assert "appears twice" in refusal(production(POSTMATE_CREDENTIAL_KEYS=twice))
    assert "appears twice" in refusal({"POSTMATE_CREDENTIAL_KEYS": twice})


@pytest.mark.parametrize("name", ["POSTMATE_INTERNAL_TOKEN", "POSTMATE_DASHBOARD_TOKEN", "POSTMATE_BILLING_TOKEN"])
@pytest.mark.parametrize("weak", ["x", "dev-internal-token", "a" * 64, "Qm9vdHN0cmFwLXRva2VuLTI0Yg", None])
def test_a_short_guessable_or_missing_service_token_is_refused(name, weak):
    message = refusal(production(**{name: weak}))
    assert f"{name} must be at least 32 random bytes" in message


def test_the_same_token_for_two_callers_is_refused():
    shared_token = secrets.token_urlsafe(32)
    message = refusal(production(POSTMATE_INTERNAL_TOKEN=shared_token, POSTMATE_DASHBOARD_TOKEN=shared_token))
    assert "must all differ" in message and "plaintext credentials" in message


@pytest.mark.parametrize("setting, says", [
    ({"POSTMATE_SANDBOX_URL": "http://sandbox.internal"}, "POSTMATE_SANDBOX_URL"),
    ({"POSTMATE_SANDBOX_AUTO_APPROVE": "1"}, "POSTMATE_SANDBOX_AUTO_APPROVE"),
    ({"POSTMATE_X_MODE": "sandbox"}, "POSTMATE_X_MODE"),
    ({"POSTMATE_BLUESKY_ALLOW_PRIVATE_SERVICE": "1"}, "POSTMATE_BLUESKY_ALLOW_PRIVATE_SERVICE"),
    ({"POSTMATE_PUBLIC_URL": "http://connect.example"}, "POSTMATE_PUBLIC_URL"),
    ({"POSTMATE_PUBLIC_URL": None}, "POSTMATE_PUBLIC_URL"),
])
def test_development_only_settings_are_refused(setting, says):
    assert says in refusal(production(**setting))


def test_development_keeps_its_conveniences():
    settings = load_settings({"POSTMATE_SANDBOX_URL": "http://127.0.0.1:8090", "POSTMATE_INTERNAL_TOKEN": "x",
                              "POSTMATE_BLUESKY_ALLOW_PRIVATE_SERVICE": "1"})
    assert settings.env == "development" and settings.sandbox_url
