"""Hand-made hostile inputs against the real services, on SQLite and on PostgreSQL (which
refuses NULs and lone surrogates in text, and pages on-call for 5xx): each answers a 4xx
with a sentence, and nothing reaches the database that it would choke on."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from shared.manage import PACKAGES, migrate_services

DEEP = "[" * 10_000 + "]" * 10_000
SURROGATE = '{"user_id": "\\ud800", "network": "x"}'


@pytest.fixture
def apps(settings):
    settings = settings.with_overrides(sandbox_url="http://127.0.0.1:9")  # every network available, none called
    migrate_services(settings)
    made = {}
    for service, package in PACKAGES.items():
        module = __import__(f"{package}.app", fromlist=["create_app"])
        made[service] = module.create_app(settings).test_client()
    return settings, made


def bearer(token: str, user: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    if user:
        headers["X-PostMate-User"] = user
    return headers


def refused(answer, status: int) -> dict:
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.json["error"] and answer.json["message"]
    return answer.json


@pytest.mark.parametrize("path", ["/start/%00?t=x", "/meta/deletions/%00", "/v1/attempts/%00",
                                  "/v1/attempts/" + "a" * 500])
def test_ids_no_id_could_be_are_not_found_on_the_gateway(apps, path):
    settings, app = apps
    headers = {**bearer(settings.dashboard_token, "ana"), "Accept": "application/json"}  # the browser's pages too
    refused(app["auth-gateway"].get(path, headers=headers), 404)


@pytest.mark.parametrize("return_to", ["http://panel.test/" + "a" * 2001, "http://panel.test/\u0000x",
                                       "http://[::1/", "http://panel.test:99999/"])
def test_a_return_page_that_is_too_long_or_malformed_is_a_400(apps, return_to):
    settings, app = apps
    answer = app["auth-gateway"].post("/v1/connections/x/attempts", json={"return_to": return_to},
                                      headers=bearer(settings.dashboard_token, "ana"))
    assert refused(answer, 400)["error"] in ("invalid_return_to", "invalid_text")


def _signed(payload: dict, secret: str) -> str:
    encoded = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    signature = base64.urlsafe_b64encode(hmac.new(secret.encode(), encoded.encode(), hashlib.sha256).digest())
    return f"{signature.rstrip(b'=').decode()}.{encoded}"


@pytest.mark.parametrize("issued_at", [1e20, float("nan"), -1e20])
def test_a_validly_signed_meta_callback_from_no_plausible_time_is_a_400(apps, issued_at):
    _, app = apps
    signed = _signed({"algorithm": "HMAC-SHA256", "issued_at": issued_at, "user_id": "1"}, "postmate-facebook-secret")
    answer = app["auth-gateway"].post("/meta/facebook/deauthorize", data={"signed_request": signed})
    assert refused(answer, 400)["error"] == "invalid_signed_request"


@pytest.mark.parametrize("service, method, path, token", [
    ("auth-gateway", "POST", "/v1/connections/x/attempts", "dashboard"),
    ("auth-gateway", "POST", "/v1/connections/bluesky", "dashboard"),
    ("auth-gateway", "POST", "/v1/attempts/a1/pages", "dashboard"),
    ("connection-store", "POST", "/v1/credentials/lookup", "internal"),
    ("plan-limits", "POST", "/v1/reservations", "internal"),
    ("plan-limits", "PUT", "/v1/users/ana/plan", "billing"),
])
@pytest.mark.parametrize("body, error", [(DEEP, "invalid_json"), (SURROGATE, "invalid_text")])
def test_every_json_endpoint_refuses_deep_nesting_and_lone_surrogates(apps, service, method, path, token, body,
                                                                      error):
    settings, app = apps
    headers = bearer(getattr(settings, f"{token}_token"), "ana")
    answer = app[service].open(path, method=method, data=body, content_type="application/json", headers=headers)
    assert refused(answer, 400)["error"] == error


def test_a_form_encoded_attempt_is_refused_not_created_with_defaults(apps):
    settings, app = apps
    answer = app["auth-gateway"].post("/v1/connections/x/attempts", data={"return_to": "http://evil.test"},
                                      headers=bearer(settings.dashboard_token, "ana"))
    assert refused(answer, 415)["error"] == "json_required"


def test_two_users_in_one_request_are_refused(apps):
    settings, app = apps
    headers = [("Authorization", f"Bearer {settings.dashboard_token}"), ("X-PostMate-User", "alice"),
               ("X-PostMate-User", "bob")]
    assert refused(app["auth-gateway"].get("/v1/connections", headers=headers), 400)["error"] == "user_ambiguous"


def test_a_user_id_with_a_slash_has_a_plan_like_anyone(apps):
    settings, app = apps
    plans = app["plan-limits"]
    assert plans.put("/v1/users/team%2Fana/plan", json={"plan": "pro"},
                     headers=bearer(settings.billing_token)).status_code == 200
    quota = plans.get("/v1/users/team%2Fana/quota", headers=bearer(settings.internal_token))
    assert quota.status_code == 200 and (quota.json["user_id"], quota.json["plan"]) == ("team/ana", "pro")


@pytest.mark.parametrize("service", sorted(PACKAGES))
def test_a_405_says_allow_on_every_service(apps, service):
    _, app = apps
    answer = app[service].delete("/healthz")
    assert answer.status_code == 405 and "GET" in answer.headers["Allow"] and answer.json["message"]
