"""JSON logs carry request and event ids and never a secret, however it is logged."""
import io
import json
import logging

import pytest

from shared import logs
from shared.crypto import CredentialCipher, new_key_spec
from shared.events import AccountConnected

TOKEN = "ya29.super-secret-access-token"


@pytest.fixture
def output():
    stream = io.StringIO()
    logs.configure_logging("test-service", "DEBUG", stream)
    yield stream
    logging.getLogger().handlers.clear()


def lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.parametrize("call", [
    lambda log: log.info("token response %s", {"access_token": TOKEN, "expires_in": 3600}),
    lambda log: log.info("calling with Authorization: Bearer %s", TOKEN),
    lambda log: log.warning("refresh failed", extra={"refresh_token": TOKEN}),
    lambda log: log.info("query access_token=%s&x=1", TOKEN),
    lambda log: log.error("json body: %s", json.dumps({"client_secret": TOKEN})),
])
def test_secrets_under_known_names_never_reach_the_output(output, call):
    call(logging.getLogger("t"))
    assert TOKEN not in output.getvalue() and "[redacted]" in output.getvalue()


def test_jwts_app_passwords_and_remembered_values_are_scrubbed_too(output):
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkaWQ6cGxjOngifQ.c2lnbmF0dXJl"
    bare = "opaque-token-without-a-name-1234"
    logs.remember_secret(bare)
    logging.getLogger("t").info("saw %s and abcd-efgh-ijkl-mnop and %s", jwt, bare)
    text = output.getvalue()
    assert jwt not in text and "abcd-efgh-ijkl-mnop" not in text and bare not in text


def test_an_exception_carrying_a_secret_is_scrubbed(output):
    try:
        raise ValueError(f"provider said no to access_token={TOKEN}")
    except ValueError:
        logging.getLogger("t").exception("refresh failed")
    assert TOKEN not in output.getvalue()


def test_an_event_in_a_log_call_shows_only_ciphertext(output):
    cipher = CredentialCipher(new_key_spec("k"))
    event = AccountConnected(producer="t", user_id="u", connection_id="c", network="x", version=1,
                             provider_account_id="1", handle="@h",
                             credentials=cipher.encrypt({"access_token": TOKEN}, "c"))
    logging.getLogger("t").info("publishing %r / %s", event, event.model_dump())
    assert TOKEN not in output.getvalue()


def test_records_carry_request_and_event_ids(output):
    tokens = logs.request_id.set("req-1"), logs.event_id.set("evt-1")
    try:
        logging.getLogger("t").info("hello")
    finally:
        logs.request_id.reset(tokens[0])
        logs.event_id.reset(tokens[1])
    (record,) = lines(output)
    assert record["request_id"] == "req-1" and record["event_id"] == "evt-1"
    assert record["service"] == "test-service" and record["message"] == "hello"
