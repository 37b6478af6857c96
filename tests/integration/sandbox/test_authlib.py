"""A real OAuth client (Authlib's requests OAuth2Session) against the sandbox over real HTTP."""
from __future__ import annotations

import requests
from authlib.integrations.requests_client import OAuth2Session

from provider_sandbox.app import create_app
from shared.providers import GRAPH_API_VERSION as GRAPH

REDIRECT = "https://app.example/callback"


def test_authlib_connects_an_instagram_account(serve):
    with serve(create_app({"auto_approve": True})) as base:
        ig = f"{base}/instagram"
        session = OAuth2Session("postmate-instagram", "postmate-instagram-secret",
                                scope="instagram_business_basic,instagram_business_content_publish",
                                redirect_uri=REDIRECT, token_endpoint_auth_method="client_secret_post")
        url, state = session.create_authorization_url(f"{ig}/oauth/authorize")
        browser = requests.Session()
        browser.cookies.set("sandbox_account", "lena")
        callback = browser.get(url, allow_redirects=False, timeout=5).headers["Location"]
        # Meta appends "#_"; left on, Authlib takes the fragment for an implicit-grant answer. Strip it.
        assert callback.endswith("#_")
        short = session.fetch_token(f"{ig}/oauth/access_token", authorization_response=callback.removesuffix("#_"),
                                    state=state)
        long = session.get(f"{ig}/access_token", params={
            "grant_type": "ig_exchange_token", "client_secret": "postmate-instagram-secret",
            "access_token": short["access_token"]}, timeout=5).json()
        me = session.get(f"{ig}/{GRAPH}/me", params={"fields": "user_id,username",
                                                    "access_token": long["access_token"]}, timeout=5).json()

    assert short["user_id"] and long["expires_in"] == 5184000
    assert me["username"] == "lena" and me["user_id"] == str(short["user_id"])
