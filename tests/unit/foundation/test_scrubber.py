"""The scrubber, probed as a property: generated secrets in every shape they reach a log in
(headers of every scheme, cookies, URL and form parameters plain or percent-encoded, JSON,
app passwords in any case) never survive it, whether written plainly or JSON-escaped into a
log line. What isn't secret (a Meta error code, a network name) stays readable."""
from __future__ import annotations

import json
from urllib.parse import quote

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from shared.logs import REDACTED, scrub

URLSAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
secrets = st.text(alphabet=URLSAFE, min_size=12, max_size=80)
schemes = st.sampled_from(["Bearer", "bearer", "Basic", "Token", "OAuth", "DPoP", "MAC", "Custom-Scheme"])
app_passwords = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz234567", min_size=4, max_size=4),
                         min_size=4, max_size=4).map("-".join)

SHAPES = [
    "Authorization: {scheme} {secret}",
    "authorization={scheme} {secret}",
    '{{"Authorization": "{scheme} {secret}"}}',
    "headers={{'authorization': '{scheme} {secret}'}}",
    'Authorization: OAuth oauth_consumer_key="ck", oauth_token="{secret}", oauth_signature="x"',
    "Cookie: postmate_connect={secret}; theme=dark",
    "Set-Cookie: postmate_panel_user={secret}; Path=/; HttpOnly",
    "X-Api-Key: {secret}",
    "x_api_key={secret}",
    "GET /oauth/x/callback?code={secret}&state=s1 HTTP/1.1",
    "GET /oauth/x/callback?state={secret}&code=c1",
    "GET /start/a1?t={secret}",
    "POST /token body grant_type=authorization_code&code={secret}&redirect_uri=https%3A%2F%2Fgw",
    "fb_exchange_token={secret}&client_id=1",
    "GET /debug_token?input_token={secret}&access_token=app|secret",
    "ig_exchange_token={secret}",
    "next=https%3A%2F%2Fgraph.facebook.com%2Fme%3Faccess_token%3D{secret}%26limit%3D25",
    "redirect=%2Fcb%3Fcode%3D{secret}",
    '{{"access_token": "{secret}", "expires_in": 3600}}',
    "{{'refresh_token': '{secret}'}}",
    "client_secret={secret}",
    '{{"refreshJwt": "{secret}"}}',
    "DPoP: {secret}",
    "client_assertion={secret}&client_assertion_type=jwt-bearer",
]


def written(text: str) -> list[str]:
    """The ways a text reaches a log line: as is, and JSON-escaped inside a message field."""
    return [text, json.dumps({"message": text})]


@settings(max_examples=300, deadline=None)
@given(secret=secrets, scheme=schemes, shape=st.sampled_from(SHAPES))
@example(secret="ya29.a0AfH6SMBx-secret", scheme="Token", shape=SHAPES[0])
def test_a_secret_in_any_shape_never_survives(secret, scheme, shape):
    text = shape.format(secret=secret, scheme=scheme)
    assume(secret not in shape.format(secret="", scheme=scheme))  # not a piece of the surrounding words
    for line in written(text):
        cleaned = scrub(line)
        assert secret not in cleaned, cleaned
        assert REDACTED in cleaned


@settings(max_examples=100, deadline=None)
@given(password=app_passwords, upper=st.booleans())
def test_an_app_password_in_any_case_never_survives(password, upper):
    password = password.upper() if upper else password
    for line in written(f"createSession for alice.bsky.social with {password} failed"):
        assert password not in scrub(line)


@settings(max_examples=100, deadline=None)
@given(secret=secrets)
def test_a_percent_encoded_token_parameter_never_survives(secret):
    url = "https://gw.example/cb?next=" + quote(f"https://graph.facebook.com/me?access_token={secret}&x=1", safe="")
    assert secret not in scrub(url)


def test_what_is_not_secret_stays_readable():
    line = '{"error": {"code": 190, "error_subcode": 458, "message": "Error validating access token"}, "network": "x"}'
    assert scrub(line) == line
    assert scrub("refresh of connection c1 on tiktok failed: invalid_grant") == \
        "refresh of connection c1 on tiktok failed: invalid_grant"
