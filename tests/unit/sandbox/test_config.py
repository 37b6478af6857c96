"""Settings: dict overrides for tests, POSTMATE_SANDBOX_* for the gunicorn entry."""
from __future__ import annotations

import pytest

from provider_sandbox.config import DEFAULTS, build_config, config_from_env


def test_defaults():
    config = build_config()
    assert config["auto_approve"] is False and config["code_ttl_s"] == 60
    assert config["min_refresh_age_s"] == 86400 and config["auto_approve_pages"] == 2


def test_an_unknown_setting_is_a_typo():
    with pytest.raises(ValueError, match="auto_aprove"):
        build_config({"auto_aprove": True})


def test_the_environment_is_read_by_key_and_type():
    found = config_from_env({"POSTMATE_SANDBOX_AUTO_APPROVE": "1", "POSTMATE_SANDBOX_CODE_TTL_S": "5",
                             "POSTMATE_SANDBOX_EXPIRES_IN": '{"x": 60}',
                             "POSTMATE_SANDBOX_BLUESKY_HANDLE_SUFFIXES": ".sandbox,.test",
                             "POSTMATE_SANDBOX_URL": "http://127.0.0.1:8090", "PATH": "/bin"})
    assert found == {"auto_approve": True, "code_ttl_s": 5, "expires_in": {"x": 60},
                     "bluesky_handle_suffixes": [".sandbox", ".test"]}
    assert set(found) <= set(DEFAULTS)


@pytest.mark.parametrize("name,value", [("AUTO_APPROVE", "maybe"), ("CODE_TTL_S", "soon"), ("CLIENTS", "{")])
def test_a_malformed_variable_names_itself(name, value):
    with pytest.raises(ValueError, match=f"POSTMATE_SANDBOX_{name}"):
        config_from_env({f"POSTMATE_SANDBOX_{name}": value})


def test_a_shared_settings_object_is_understood_for_auto_approve_and_the_graph_version():
    from provider_sandbox.app import create_app
    from shared.config import load_settings
    settings = load_settings({"POSTMATE_SANDBOX_AUTO_APPROVE": "1", "POSTMATE_GRAPH_API_VERSION": "v27.0"})
    client = create_app(settings).test_client()
    answer = client.get("/linkedin/oauth/v2/authorization", query_string={
        "client_id": "a", "redirect_uri": "https://app.example/cb", "response_type": "code", "scope": "openid"})
    assert answer.status_code == 302
    assert client.get("/facebook/v27.0/me").json["error"]["type"] == "OAuthException"  # served: wants a token
    assert "is not served here" in client.get("/facebook/v26.0/me").json["error"]["message"]
