"""Tokens, codes and verifiers never leave in an answer, a log line or a plain column."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from auth_gateway.tables import attempts
from tests.fixtures.auth_gateway import Browser


@pytest.mark.parametrize("network", ["x", "instagram", "facebook", "mastodon", "tiktok"])
def test_tokens_and_codes_never_appear_in_answers_or_logs(stack, captured_logs, network):
    attempt, walk = stack.connect(network, account="alice")
    code = parse_qs(urlsplit(walk.callback_url).query)["code"][0]
    [event] = stack.events()
    credentials = stack.credentials(event)
    secrets = [credentials["access_token"], code, *filter(None, [credentials.get("refresh_token")])]

    answers = [walk.response.text, json.dumps(stack.attempt(attempt["attempt_id"])),
               json.dumps(stack.connections()), stack.api("GET", "/v1/networks").text,
               stack.api("GET", "/metrics").text, json.dumps(attempt)]
    logged = captured_logs.getvalue()
    assert logged  # the flow did log (requests, outcomes)
    for secret in secrets:
        assert all(secret not in answer for answer in answers)
        assert secret not in logged
    assert credentials["access_token"] not in event.model_dump_json()  # ciphertext only on the bus


def test_a_failed_exchange_logs_the_reason_but_no_secret(stack, captured_logs):
    stack.fault("x", "5xx")
    attempt, walk = stack.connect("x")
    code = parse_qs(urlsplit(walk.callback_url).query)["code"][0]
    logged = captured_logs.getvalue()
    assert "platform_unavailable" in logged and code not in logged


def test_the_attempts_table_keeps_hashes_and_ciphertext_only(stack):
    browser = Browser()
    attempt = stack.start("x")
    walk = browser.walk(attempt["start_url"], account="alice", come_back=False)
    state = parse_qs(urlsplit(walk.callback_url).query)["state"][0]
    start_token = parse_qs(urlsplit(attempt["start_url"]).query)["t"][0]
    row = stack.attempt_row(attempt["attempt_id"])
    assert row.secrets.startswith("v1.") and row.state_hash != state and row.start_hash != start_token
    with stack.gateway.engine.connect() as conn:
        dumped = json.dumps([list(map(str, r)) for r in conn.execute(sa.select(attempts))])
    assert state not in dumped and start_token not in dumped
    browser.get(walk.callback_url)
    assert stack.attempt_row(attempt["attempt_id"]).secrets is None  # the verifier is gone once used
