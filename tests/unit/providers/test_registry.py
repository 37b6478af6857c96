"""The provider registry: what we ask each network for (and why), and how its
URLs and credentials come from settings — no network I/O here."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from auth_gateway.adapters.oauth import OAuthClient
from shared.config import ConfigError, load_settings
from shared.providers import GRAPH_API_VERSION as GRAPH
from shared.providers import tokens
from shared.providers.catalog import CATALOG
from shared.providers.errors import read_error
from shared.providers.registry import LIVE, SANDBOX, UNCONFIGURED, Registry

OAUTH = [spec.id for spec in CATALOG if spec.auth_kind == "oauth"]
GOOGLE = "https://www.googleapis.com/auth/"

# Exactly these, per network: the promise plus what the platform needs for the same job.
ALLOWED = {
    "instagram": {"instagram_business_basic", "instagram_business_content_publish"},
    "facebook": {"pages_manage_posts", "pages_show_list", "pages_read_engagement"},
    "threads": {"threads_basic", "threads_content_publish"},
    "tiktok": {"video.upload", "video.publish", "user.info.basic"},
    "youtube": {GOOGLE + "youtube.upload", GOOGLE + "youtube.readonly"},
    "linkedin": {"w_member_social", "openid", "profile"},
    "x": {"tweet.write", "users.read", "tweet.read", "media.write", "offline.access"},
    "pinterest": {"pins:write", "boards:read", "user_accounts:read"},
    "mastodon": {"write:statuses", "write:media", "read:accounts"},
}
# Never DMs, analytics or full read-write access, whatever the allow-list says.
DENIED = [
    r"messag", r"(^|[._:])dm([._:]|$)", r"direct", r"conversation", r"chat", r"inbox",
    r"insight", r"analytic", r"statistic", r"metric", r"audience", r"(^|[._:])ads?([._:]|$)", r"^ads_",
    r"^(read|write|follow|push)$", r"^admin",
    r"/auth/youtube$", r"youtube\.force-ssl", r"youtubepartner", r"w_organization_social", r"r_organization",
    r"publish_actions", r"manage_engagement", r"read_user_engagement", r"manage_comments", r"replies",
    r"keyword_search", r"(^|[._:])delete", r"\*", r"manage_metadata", r"business_management",
]
# The product's promise (design.md), by network, with the platform's own name where it differs.
PROMISED = {
    "instagram": {"instagram_business_content_publish"},  # Instagram Login's name for instagram_content_publish
    "facebook": {"pages_manage_posts"}, "threads": {"threads_basic"},
    "tiktok": {"video.upload", "video.publish", "user.info.basic"}, "youtube": {GOOGLE + "youtube.upload"},
    "linkedin": {"w_member_social"}, "x": {"tweet.write", "users.read"}, "pinterest": {"pins:write", "boards:read"},
    "mastodon": {"write:statuses", "write:media", "read:accounts"},
}


@pytest.fixture
def registry():
    return Registry(load_settings({"POSTMATE_SANDBOX_URL": "http://sandbox.test:8090",
                                   "POSTMATE_PUBLIC_URL": "https://gw.example"}))


@pytest.mark.parametrize("network", OAUTH)
def test_no_network_asks_for_messages_analytics_or_full_access(network, registry):
    for scope in registry.get(network).spec.scope_names:
        for pattern in DENIED:
            assert not re.search(pattern, scope), f"{network} asks for {scope} (matches {pattern})"


@pytest.mark.parametrize("network", OAUTH)
def test_each_network_asks_for_exactly_its_allowed_scopes(network, registry):
    assert set(registry.get(network).spec.scope_names) == ALLOWED[network]


@pytest.mark.parametrize("network", OAUTH)
def test_the_promised_scopes_are_asked_and_every_extra_one_says_why(network, registry):
    spec = registry.get(network).spec
    assert {s.name for s in spec.scopes if s.promised} == PROMISED[network]
    for scope in spec.scopes:
        assert len(scope.reason) > 30 and scope.reason.endswith(".") and scope.reason[0].isupper()


def test_the_deny_list_catches_what_it_is_for():
    for scope in ("instagram_business_manage_messages", "dm.read", "threads_manage_insights", "read_insights",
                  GOOGLE + "youtube", GOOGLE + "youtube.force-ssl", "read", "write", "pages_manage_engagement",
                  "ads_management", "w_organization_social", "pinterest:*"):
        assert any(re.search(p, scope) for p in DENIED), scope


def test_sandbox_mode_derives_every_url_from_the_real_one(registry):
    x = registry.get("x")
    assert x.mode == SANDBOX and x.client_id
    assert x.url("authorize_url") == "http://sandbox.test:8090/x/i/oauth2/authorize"
    assert x.url("token_url") == "http://sandbox.test:8090/x/2/oauth2/token"
    assert registry.get("instagram").url("long_lived_url") == "http://sandbox.test:8090/instagram/access_token"
    assert registry.get("facebook").url("pages_url") == f"http://sandbox.test:8090/facebook/{GRAPH}/me/accounts"
    assert registry.get("mastodon").url("token_url", "mastodon.social") == \
        "http://sandbox.test:8090/mastodon/mastodon.social/oauth/token"
    assert registry.get("x").redirect_uri == "https://gw.example/oauth/x/callback"


def test_real_credentials_switch_a_network_to_live_and_every_url_can_be_overridden():
    registry = Registry(load_settings({
        "POSTMATE_SANDBOX_URL": "http://sandbox.test", "POSTMATE_X_CLIENT_ID": "real-id",
        "POSTMATE_X_CLIENT_SECRET": "real-secret", "POSTMATE_PINTEREST_TOKEN_URL": "https://staging.example/token",
        "POSTMATE_TIKTOK_MODE": "live", "POSTMATE_LINKEDIN_TIMEOUT_S": "2.5"}))
    x = registry.get("x")
    assert (x.mode, x.client_id, x.client_secret) == (LIVE, "real-id", "real-secret")
    assert x.url("token_url") == "https://api.x.com/2/oauth2/token"
    assert registry.get("pinterest").url("token_url") == "https://staging.example/token"
    assert registry.get("pinterest").url("authorize_url") == "http://sandbox.test/pinterest/oauth/"
    assert registry.get("tiktok").mode == LIVE
    assert registry.get("linkedin").timeout_s == 2.5 and registry.get("x").timeout_s == 10.0


def test_without_credentials_or_sandbox_a_network_is_unconfigured_but_mastodon_and_bluesky_are_not():
    registry = Registry(load_settings({}))
    assert registry.get("x").mode == UNCONFIGURED and not registry.get("x").available
    assert registry.get("mastodon").mode == LIVE and registry.get("bluesky").available


def _query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.mark.parametrize("network", OAUTH)
def test_the_authorization_url_carries_each_networks_quirks(network, registry):
    provider = registry.get(network)
    query = _query(OAuthClient(provider, instance="mastodon.social").authorization_url("the-state", "v" * 43))
    assert query["state"] == "the-state" and query["response_type"] == "code"
    assert query["redirect_uri"] == f"https://gw.example/oauth/{network}/callback"
    separator = "," if network in ("instagram", "facebook", "threads", "tiktok", "pinterest") else " "
    assert query["scope"] == separator.join(provider.spec.scope_names)
    assert ("client_key" in query, "client_id" in query) == ((True, False) if network == "tiktok" else (False, True))
    if network in ("x", "tiktok", "youtube", "mastodon"):
        assert query["code_challenge_method"] == "S256"
        assert len(query["code_challenge"]) == (64 if network == "tiktok" else 43)  # TikTok: hex (the catalogue)
    else:
        assert "code_challenge" not in query
    if network == "youtube":
        assert (query["access_type"], query["prompt"]) == ("offline", "consent")


def test_token_responses_are_normalised_and_a_missing_refresh_token_is_left_out():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    creds = tokens.credentials({"access_token": "a", "expires_in": "3600", "refresh_token": "r",
                                "refresh_expires_in": 86400, "open_id": "o1"}, ["s1"], now)
    assert creds["expires_at"] == int((now + timedelta(hours=1)).timestamp()) and creds["refresh_token"] == "r"
    assert creds["refresh_expires_at"] and creds["open_id"] == "o1" and creds["scope"] == "s1"
    bare = tokens.credentials({"access_token": "a", "token_type": "Bearer"}, [], now)
    assert "refresh_token" not in bare and "expires_at" not in bare and bare["token_type"] == "Bearer"


@pytest.mark.parametrize("field", ["refresh_expires_in", "refresh_token_expires_in"])
def test_the_refresh_tokens_own_end_is_kept_whichever_name_the_platform_gives_it(field):
    """TikTok: refresh_expires_in; LinkedIn (365 days that refreshing does not extend), Pinterest, Google:
    refresh_token_expires_in. Both at connect and at every refresh, where the remaining time is restated."""
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    year = int((now + timedelta(days=365)).timestamp())
    creds = tokens.credentials({"access_token": "a", "expires_in": 5184000, "refresh_token": "r",
                                field: 365 * 86400}, ["w_member_social"], now)
    assert creds["refresh_expires_at"] == year
    later = now + timedelta(days=60)
    renewed = tokens.renewed(creds, {"access_token": "a2", "expires_in": 5184000, "refresh_token": "r",
                                     field: 305 * 86400}, later)
    assert renewed["refresh_expires_at"] == year  # the same fixed end, restated from the later moment


def test_granted_scopes_come_from_scope_or_instagrams_permissions():
    assert tokens.granted_scopes({"scope": "a b"}, ["x"]) == ["a", "b"]
    assert tokens.granted_scopes({"scope": "a,b"}, ["x"]) == ["a", "b"]
    assert tokens.granted_scopes({"permissions": ["a"]}, ["x"]) == ["a"]
    assert tokens.granted_scopes({}, ["x"]) == ["x"]
    assert tokens.missing_scopes({"scope": "a"}, ["a", "b"]) == ["b"] and tokens.missing_scopes({}, ["a"]) == []


@pytest.mark.parametrize("body, expected", [
    ({"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}},
     ("OAuthException:190", "Invalid OAuth access token.", False)),
    ({"error": {"message": "Too many calls", "type": "OAuthException", "code": 4}},
     ("OAuthException:4", "Too many calls", True)),
    ({"error": "invalid_grant", "error_description": "Code expired"}, ("invalid_grant", "Code expired", False)),
    ({"error": "InvalidToken", "message": "Token has been revoked"}, ("InvalidToken", "Token has been revoked", False)),
    ({"error_type": "OAuthException", "code": 400, "error_message": "Matching code was not found or was already used"},
     ("OAuthException:400", "Matching code was not found or was already used", False)),  # api.instagram.com, flat
    ({"code": 283, "message": "Invalid refresh token"}, ("pinterest:283", "Invalid refresh token", False)),
    ({"code": 8, "message": "Rate limited"}, ("pinterest:8", "Rate limited", True)),
    ({"title": "Unauthorized", "detail": "Unauthorized", "type": "about:blank"}, ("Unauthorized", "Unauthorized", False)),
    ({"data": {}, "error": {"code": "ok", "message": ""}}, None),
    ({"access_token": "t"}, None),
])
def test_every_error_shape_is_read_one_way(body, expected):
    shape = read_error(body)
    assert (shape and (shape.error, shape.description, shape.throttled)) == expected


def test_a_malformed_timeout_is_a_configuration_error_naming_the_variable():
    from shared.config import ConfigError
    with pytest.raises(ConfigError, match="POSTMATE_X_TIMEOUT_S"):
        Registry(load_settings({"POSTMATE_X_TIMEOUT_S": "soon"}))


META_URLS = ("authorize_url", "token_url", "revoke_url", "identity_url", "long_lived_url", "pages_url", "me_url",
             "health_url", "refresh_url")


def _meta_urls(registry) -> list[str]:
    found = []
    for network in ("facebook", "instagram"):
        for name in META_URLS:
            try:
                found.append(registry.get(network).url(name))
            except KeyError:
                pass  # this network has no such endpoint
    return found


@pytest.mark.parametrize("sandbox", ["", "http://sandbox.test:8090"])
def test_the_graph_version_is_one_setting_that_moves_every_meta_url(sandbox):
    default = _meta_urls(Registry(load_settings({"POSTMATE_SANDBOX_URL": sandbox})))
    moved = _meta_urls(Registry(load_settings({"POSTMATE_SANDBOX_URL": sandbox,
                                               "POSTMATE_GRAPH_API_VERSION": "v27.0"})))
    versioned = [url for url in default if f"/{GRAPH}/" in url]
    assert GRAPH == "v26.0" and len(versioned) >= 7  # every Graph URL of Facebook and Instagram carries it
    assert [url.replace(f"/{GRAPH}/", "/v27.0/") for url in default] == moved
    assert not [url for url in moved if "/v26.0/" in url or "/v21.0/" in url]


def test_a_graph_version_that_is_not_one_is_refused():
    with pytest.raises(ConfigError, match="POSTMATE_GRAPH_API_VERSION"):
        load_settings({"POSTMATE_GRAPH_API_VERSION": "latest"})


def test_tiktok_gets_the_hex_challenge_it_documents_and_x_the_rfc_one():
    import base64
    import hashlib
    registry = Registry(load_settings({"POSTMATE_SANDBOX_URL": "http://sandbox.test"}))
    verifier = "v" * 50
    digest = hashlib.sha256(verifier.encode()).digest()
    tiktok = parse_qs(urlsplit(OAuthClient(registry.get("tiktok")).authorization_url("s", verifier)).query)
    x = parse_qs(urlsplit(OAuthClient(registry.get("x")).authorization_url("s", verifier)).query)
    assert (tiktok["code_challenge"], tiktok["code_challenge_method"]) == ([digest.hex()], ["S256"])
    assert x["code_challenge"] == [base64.urlsafe_b64encode(digest).decode().rstrip("=")]
