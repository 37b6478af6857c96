"""One settings object from POSTMATE_* variables, with embedded defaults."""
import pytest

from shared.config import ConfigError, load_settings


def test_with_nothing_set_everything_is_embedded_under_one_data_folder():
    settings = load_settings({})
    assert settings.effective_bus_url == "filesystem://"
    assert settings.database_url("connection-store") == "sqlite:///var/connection-store.db"
    assert settings.service_url("auth-gateway") == "http://127.0.0.1:8080"
    assert settings.port("provider-sandbox") == 8090


def test_real_servers_are_a_matter_of_urls():
    settings = load_settings({
        "POSTMATE_BUS_URL": "amqp://guest:guest@rabbit:5672//",
        "POSTMATE_PLAN_LIMITS_DATABASE_URL": "postgresql+psycopg://pm@db/plans",
        "POSTMATE_CONNECTION_STORE_URL": "http://store:8081/",
        "POSTMATE_AUTH_GATEWAY_PORT": "9000",
    })
    assert settings.effective_bus_url.startswith("amqp://")
    assert settings.database_url("plan-limits") == "postgresql+psycopg://pm@db/plans"
    assert settings.service_url("connection-store") == "http://store:8081"
    assert settings.port("auth-gateway") == 9000


def test_provider_settings_use_authlib_style_names():
    settings = load_settings({"POSTMATE_X_CLIENT_ID": "abc", "POSTMATE_TIKTOK_TOKEN_URL": "http://t"})
    assert settings.providers == {"x": {"client_id": "abc"}, "tiktok": {"token_url": "http://t"}}


@pytest.mark.parametrize("env, names", [
    ({"POSTMATE_PREFETCH": "lots"}, "POSTMATE_PREFETCH"),
    ({"POSTMATE_SANDBOX_AUTO_APPROVE": "maybe"}, "POSTMATE_SANDBOX_AUTO_APPROVE"),
    ({"POSTMATE_ENV": "staging"}, "POSTMATE_ENV"),
    ({"POSTMATE_ENV": "production"}, "POSTMATE_CREDENTIAL_KEYS"),
])
def test_bad_settings_fail_fast_naming_the_variable(env, names):
    with pytest.raises(ConfigError, match=names):
        load_settings(env)


def test_the_settings_repr_never_shows_secrets():
    settings = load_settings({"POSTMATE_DASHBOARD_TOKEN": "dash-secret-123",
                              "POSTMATE_X_CLIENT_SECRET": "x-secret-456"})
    assert "dash-secret-123" not in repr(settings) and "x-secret-456" not in repr(settings)


def test_refresher_policy_is_tunable_from_the_environment():
    from datetime import timedelta

    from token_refresher.policy import Policy
    settings = load_settings({"POSTMATE_REFRESHER_BLUESKY_CYCLE_S": "300", "POSTMATE_REFRESHER_CONCURRENCY": "4"})
    policy = Policy.from_settings(settings)
    assert policy.bluesky_cycle == timedelta(seconds=300) and policy.concurrency == 4
    assert Policy.from_settings(load_settings({})).concurrency == Policy().concurrency
