"""One entry per network: endpoints, scopes and why we ask for each, quirks, how
its tokens live. `CATALOG` is the one list of networks: everything else derives
from it (`NETWORKS`, settings, the event catalogue, plan-limits, the refresher).

Scopes are the product's promise (design.md) plus only what the platform needs
for the same job — publishing, knowing which account connected, keeping access
alive (providers.md §2). Never DMs, analytics or full read-write access: the
test suite holds an allow-list per network and a deny-list of patterns.
"""
from __future__ import annotations

from shared.providers import quirks
from shared.providers.spec import (
                                   BLUESKY_SESSION,
                                   DAY,
                                   HOUR,
                                   META_LONG_LIVED,
                                   MINUTE,
                                   NEVER_EXPIRES,
                                   REAUTH_ONLY,
                                   IdentityCall,
                                   LongLivedExchange,
                                   ProviderSpec,
                                   Renewal,
                                   Scope,
)

# Meta's Graph API version: one setting (POSTMATE_GRAPH_API_VERSION), filled into every Meta URL below by the
# registry and served by the sandbox. v26.0 is current (released 2026-07-29); v21.0 stops working on 2027-01-21;
# each version lives at least two years. developers.facebook.com/docs/graph-api/changelog/versions (checked
# 2026-12-02, ../shared/providers.md §17).
GRAPH_API_VERSION = "v26.0"
GRAPH = "{graph}"
GOOGLE = "https://www.googleapis.com/auth/"

INSTAGRAM = ProviderSpec(
    id="instagram", name="Instagram",
    authorize_url="https://www.instagram.com/oauth/authorize",
    token_url="https://api.instagram.com/oauth/access_token",
    scopes=(
        Scope("instagram_business_basic",
              "Lets Post Mate see which Instagram account you connected and keep the connection alive; "
              "Instagram requires it for every other permission.", promised=False),
        Scope("instagram_business_content_publish",
              "Lets Post Mate publish the posts you schedule (Instagram Login's name for "
              "instagram_content_publish)."),
    ),
    scope_separator=",", code_suffix="#_",
    long_lived=LongLivedExchange("https://graph.instagram.com/access_token", "ig_exchange_token"),
    identity=IdentityCall(f"https://graph.instagram.com/{GRAPH}/me", {"fields": "user_id,username,name"},
                          id="user_id", token_in="query"),
    token_response_fix=quirks.unwrap_data_list,
    refresh_url="https://graph.instagram.com/refresh_access_token",
    # Long-lived tokens last 60 days and renew themselves once at least 24 h old.
    renewal=Renewal(META_LONG_LIVED, lead=10 * DAY, min_age=25 * HOUR, lifetime=60 * DAY),
    signed_callbacks=True,
)

FACEBOOK = ProviderSpec(
    id="facebook", name="Facebook",
    authorize_url=f"https://www.facebook.com/{GRAPH}/dialog/oauth",
    token_url=f"https://graph.facebook.com/{GRAPH}/oauth/access_token",
    revoke_url=f"https://graph.facebook.com/{GRAPH}/me/permissions",
    scopes=(
        Scope("pages_manage_posts", "Lets Post Mate publish the posts you schedule on the Pages you choose."),
        Scope("pages_show_list",
              "Lets Post Mate list the Pages you manage so you can choose which to connect; "
              "Facebook hands out a Page's posting key only through this list.", promised=False),
        Scope("pages_read_engagement",
              "Facebook requires it together with publishing to a Page; Post Mate only reads the Page's "
              "name and its own posts with it, never insights.", promised=False),
    ),
    scope_separator=",", client_auth="query", token_method="GET", code_suffix="#_",
    long_lived=LongLivedExchange(f"https://graph.facebook.com/{GRAPH}/oauth/access_token", "fb_exchange_token",
                                 token_param="fb_exchange_token", send_client_id=True),
    extra_urls={"pages_url": f"https://graph.facebook.com/{GRAPH}/me/accounts",
                "me_url": f"https://graph.facebook.com/{GRAPH}/me"},
    list_accounts=quirks.facebook_pages,
    health_url=f"https://graph.facebook.com/{GRAPH}/me",  # a Page token's /me is the Page
    renewal=Renewal(NEVER_EXPIRES, lead=7 * DAY),  # Page tokens from a long-lived user token don't expire
    signed_callbacks=True,
    note="Each Facebook Page you choose is one connection.",
)

THREADS = ProviderSpec(
    id="threads", name="Threads",
    authorize_url="https://threads.com/oauth/authorize",
    token_url="https://graph.threads.com/oauth/access_token",
    scopes=(
        Scope("threads_basic", "Lets Post Mate see which Threads profile you connected and keep the connection "
                               "alive."),
        Scope("threads_content_publish",
              "Threads can't publish with threads_basic alone; this lets Post Mate publish the posts you "
              "schedule.", promised=False),
    ),
    scope_separator=",", code_suffix="#_",
    long_lived=LongLivedExchange("https://graph.threads.com/access_token", "th_exchange_token"),
    identity=IdentityCall("https://graph.threads.com/v1.0/me", {"fields": "id,username,name"}, token_in="query"),
    refresh_url="https://graph.threads.com/refresh_access_token",
    renewal=Renewal(META_LONG_LIVED, lead=10 * DAY, min_age=25 * HOUR, lifetime=60 * DAY),
    signed_callbacks=True,
)

TIKTOK = ProviderSpec(
    id="tiktok", name="TikTok",
    authorize_url="https://www.tiktok.com/v2/auth/authorize/",
    token_url="https://open.tiktokapis.com/v2/oauth/token/",
    revoke_url="https://open.tiktokapis.com/v2/oauth/revoke/",
    scopes=(
        Scope("user.info.basic", "Lets Post Mate show which TikTok account you connected (name and picture)."),
        Scope("video.upload", "Lets Post Mate send videos to your TikTok drafts for you to finish in the app."),
        Scope("video.publish", "Lets Post Mate post the videos you schedule straight to your TikTok."),
    ),
    scope_separator=",", client_id_param="client_key",
    # PKCE: TikTok's only documented challenge is the HEX-encoded SHA-256 of the verifier (Login Kit for
    # Desktop, developers.tiktok.com/doc/login-kit-desktop; token management,
    # developers.tiktok.com/doc/oauth-user-access-token-management), and a base64url one is answered
    # "Code verifier or code challenge is invalid". Its web guide (developers.tiktok.com/doc/login-kit-web)
    # shows no challenge at all. We send the hex S256 challenge: it binds the code to the attempt that asked
    # for it (RFC 9700 §2.1.1), in the one encoding TikTok documents. Checked 2026-12-02 (providers.md §17).
    pkce=True, pkce_encoding="hex",
    # /v2/oauth/revoke/ takes the user ACCESS token (developers.tiktok.com/doc/oauth-user-access-token-management,
    # checked 2026-12-02, providers.md §17); a 2-hour token may have ended, so it is renewed first.
    revoke_tokens=("access_token",), revoke_needs_live_token=True,
    identity=IdentityCall("https://open.tiktokapis.com/v2/user/info/",
                          {"fields": "open_id,union_id,avatar_url,display_name"},
                          id="data.user.open_id", handle="data.user.display_name", name="data.user.display_name",
                          at_handle=False),
    renewal=Renewal(lead=20 * MINUTE, rotates=True),
)

YOUTUBE = ProviderSpec(
    id="youtube", name="YouTube",
    authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
    token_url="https://oauth2.googleapis.com/token",
    revoke_url="https://oauth2.googleapis.com/revoke",
    scopes=(
        Scope(GOOGLE + "youtube.upload", "Lets Post Mate upload the videos you schedule to your channel."),
        Scope(GOOGLE + "youtube.readonly",
              "Upload-only access can't tell which channel you connected; this read-only access lets Post Mate "
              "show the channel's name and check the connection still works.", promised=False),
    ),
    pkce=True,
    # Google returns a refresh token only for offline access on a consent screen it actually showed.
    authorize_params={"access_type": "offline", "prompt": "consent"},
    identity=IdentityCall("https://www.googleapis.com/youtube/v3/channels", {"part": "id,snippet", "mine": "true"},
                          id="items.0.id", handle="items.0.snippet.customUrl", name="items.0.snippet.title",
                          missing="no_channel"),
    # Google drops refresh tokens unused for six months.
    renewal=Renewal(lead=10 * MINUTE, idle_limit=180 * DAY),
)

LINKEDIN = ProviderSpec(
    id="linkedin", name="LinkedIn",
    authorize_url="https://www.linkedin.com/oauth/v2/authorization",
    token_url="https://www.linkedin.com/oauth/v2/accessToken",
    scopes=(
        Scope("w_member_social", "Lets Post Mate publish posts as you."),
        Scope("openid", "LinkedIn tells an app who connected only through Sign In with LinkedIn; Post Mate needs "
                        "your member id to post as you.", promised=False),
        Scope("profile", "Lets Post Mate show your name on the connection.", promised=False),
    ),
    identity=IdentityCall("https://api.linkedin.com/v2/userinfo", id="sub", handle="name", name="name",
                          at_handle=False),
    # Most apps get no refresh token: the user is asked to reconnect a week before the 60 days end.
    renewal=Renewal(REAUTH_ONLY, lead=7 * DAY, lifetime=60 * DAY),
)

X = ProviderSpec(
    id="x", name="X",
    authorize_url="https://x.com/i/oauth2/authorize",
    token_url="https://api.x.com/2/oauth2/token",
    revoke_url="https://api.x.com/2/oauth2/revoke",
    scopes=(
        Scope("tweet.write", "Lets Post Mate publish the posts you schedule."),
        Scope("users.read", "Lets Post Mate see which X account you connected."),
        Scope("tweet.read", "X requires it for posting and for looking up your own profile.", promised=False),
        # POST /2/media/upload with an OAuth 2.0 user token needs media.write (docs.x.com/x-api/media/upload,
        # checked 2026-12-02, providers.md §17): without it every post with an image or a video fails.
        Scope("media.write", "Lets Post Mate upload the images and videos of the posts you schedule.",
              promised=False),
        Scope("offline.access", "Without it X ends the connection after two hours; it lets Post Mate keep your "
                                "account connected.", promised=False),
    ),
    pkce=True, client_auth="basic",
    identity=IdentityCall("https://api.x.com/2/users/me", id="data.id", handle="data.username", name="data.name"),
    renewal=Renewal(lead=15 * MINUTE, rotates=True),
)

PINTEREST = ProviderSpec(
    id="pinterest", name="Pinterest",
    authorize_url="https://www.pinterest.com/oauth/",
    token_url="https://api.pinterest.com/v5/oauth/token",
    scopes=(
        Scope("pins:write", "Lets Post Mate create the Pins you schedule."),
        Scope("boards:read", "Lets Post Mate show your boards so you can pick where a Pin goes."),
        Scope("user_accounts:read", "Lets Post Mate see which Pinterest account you connected.", promised=False),
    ),
    scope_separator=",", client_auth="basic",
    identity=IdentityCall("https://api.pinterest.com/v5/user_account", id="id", handle="username",
                          name="business_name"),
    renewal=Renewal(lead=3 * DAY, rotates=True),  # 30-day access tokens
)

MASTODON = ProviderSpec(
    id="mastodon", name="Mastodon",
    authorize_url="https://{instance}/oauth/authorize",
    token_url="https://{instance}/oauth/token",
    revoke_url="https://{instance}/oauth/revoke",
    scopes=(
        Scope("write:statuses", "Lets Post Mate publish the posts you schedule."),
        Scope("write:media", "Lets Post Mate attach your images and videos to those posts."),
        Scope("read:accounts", "Lets Post Mate see which account you connected; it can't read your posts, "
                               "follows or messages with it."),
    ),
    pkce=True,  # Mastodon 4.3+ checks it; older servers ignore it
    identity=IdentityCall("https://{instance}/api/v1/accounts/verify_credentials", handle="acct",
                          name="display_name"),
    extra_urls={"apps_url": "https://{instance}/api/v1/apps"},
    per_instance=True,
    renewal=Renewal(NEVER_EXPIRES),
    note="Any Mastodon server: name yours (for example mastodon.social).",
)

BLUESKY = ProviderSpec(
    id="bluesky", name="Bluesky", auth_kind="app_password",
    scopes=(
        Scope("app password",
              "Bluesky has no granular permissions: an app password lets Post Mate post for you, and deleting it "
              "in Bluesky's settings disconnects Post Mate without touching your main password."),
    ),
    # Rotates, but the reference PDS accepts the spent refresh JWT for a 2 h grace.
    renewal=Renewal(BLUESKY_SESSION, lead=10 * MINUTE),
    # The entryway that resolves handles and, for sessions stored without their PDS, refreshes them.
    extra_urls={"service_url": "https://bsky.social"},
    note="Create an app password at bsky.app/settings/app-passwords and paste it here.",
)

CATALOG: tuple[ProviderSpec, ...] = (INSTAGRAM, FACEBOOK, THREADS, TIKTOK, YOUTUBE, LINKEDIN, X, PINTEREST, MASTODON,
                                     BLUESKY)
