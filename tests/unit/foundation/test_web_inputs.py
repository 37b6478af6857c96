"""The input rules every service shares (shared.web), on a bare app: what a hostile or
careless client sends gets a 4xx with a sentence, never a 500 and never a surprise."""
from __future__ import annotations

import json

import pytest
from flask import g

from shared import metrics
from shared.web import (
    MAX_BODY,
    MAX_DEPTH,
    MAX_PATH_ID,
    create_base_app,
    json_body,
    user_header,
)


@pytest.fixture
def app():
    app = create_base_app("probe", {})

    @app.post("/echo")
    def echo():
        return {"body": json_body()}

    @app.get("/items/<item_id>")
    def item(item_id: str):
        return {"id": item_id, "request_id": g.request_id}

    @app.get("/who")
    def who():
        return {"user": user_header()}

    return app


@pytest.fixture
def client(app):
    return app.test_client()


def as_wsgi(text: str) -> str:
    """A header value as a WSGI server hands it over: the client's UTF-8 bytes, read as latin-1."""
    return text.encode("utf-8").decode("latin-1")


def test_a_plain_json_object_goes_through(client):
    assert client.post("/echo", json={"name": "zoë 😀"}).json == {"body": {"name": "zoë 😀"}}


@pytest.mark.parametrize("raw, status, error", [
    ("[" * 10_000 + "]" * 10_000, 400, "invalid_json"),                     # deeper than the parser's stack
    ('{"a": ' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1), 400, "invalid_json"),
    ('{"name": "\\ud800"}', 400, "invalid_text"),                          # a lone surrogate
    ('{"\\udfff": 1}', 400, "invalid_text"),                                # in a key
    ('{"list": ["ok", "nul\\u0000"]}', 400, "invalid_text"),               # a NUL, deep in a list
    ("{not json", 400, "invalid_json"),
    ('"a string"', 400, "invalid_json"),
    (b'{"name": "\xff"}', 400, "invalid_json"),                             # not UTF-8
])
def test_a_json_body_that_could_hurt_is_a_400_with_a_sentence(client, raw, status, error):
    answer = client.post("/echo", data=raw, content_type="application/json")
    assert (answer.status_code, answer.json["error"]) == (status, error) and answer.json["message"].endswith(".")


def test_a_form_encoded_body_is_refused_not_ignored(client):
    answer = client.post("/echo", data={"name": "x"})
    assert answer.status_code == 415 and answer.json["error"] == "json_required"


def test_a_body_over_the_cap_is_a_413_with_a_sentence(client):
    answer = client.post("/echo", data=json.dumps({"x": "a" * MAX_BODY}), content_type="application/json")
    assert answer.status_code == 413 and answer.json["error"] == "body_too_large" and "KiB" in answer.json["message"]


@pytest.mark.parametrize("item_id", ["%00", "ab%00cd", "a" * (MAX_PATH_ID + 1)])
def test_a_path_id_no_id_could_be_is_not_found(client, item_id):
    answer = client.get(f"/items/{item_id}")
    assert answer.status_code == 404 and answer.json["error"] == "not_found"


def test_a_405_says_which_methods_are_allowed(client):
    answer = client.delete("/echo")
    assert answer.status_code == 405 and answer.headers["Allow"] == "OPTIONS, POST" and answer.json["message"]


def test_a_request_id_is_taken_only_in_a_short_id_shape(client):
    assert client.get("/items/a", headers={"X-Request-Id": "req-42.a:b"}).json["request_id"] == "req-42.a:b"
    hostile = "x" * 5001 + "\u2028"
    answer = client.get("/items/a", headers={"X-Request-Id": as_wsgi(hostile)})
    assert answer.json["request_id"] != hostile and len(answer.headers["X-Request-Id"]) == 32


def test_an_invented_method_is_counted_as_other(client):
    client.open("/items/a", method="FOOBARBAZ")
    rendered = metrics.render().decode()
    assert 'method="FOOBARBAZ"' not in rendered and 'method="OTHER"' in rendered


def test_the_user_header_is_utf8_text(client):
    assert client.get("/who", headers={"X-PostMate-User": as_wsgi("zoë")}).json == {"user": "zoë"}


@pytest.mark.parametrize("headers, error", [
    ([("X-PostMate-User", "alice"), ("X-PostMate-User", "bob")], "user_ambiguous"),
    ([("X-PostMate-User", "alice,bob")], "user_ambiguous"),       # what a server makes of two headers
    ([("X-PostMate-User", "zo\xeb")], "user_invalid"),            # latin-1 bytes, not UTF-8
    ([("X-PostMate-User", "ali\x01ce")], "user_required"),
    ([("X-PostMate-User", "u" * 201)], "user_required"),
    ([], "user_required"),
])
def test_an_unclear_user_header_is_a_400(client, headers, error):
    answer = client.get("/who", headers=headers)
    assert (answer.status_code, answer.json["error"]) == (400, error) and answer.json["message"]
