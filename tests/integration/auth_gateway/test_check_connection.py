"""The dashboard's "Check connection" runs the refresher's check for this user's
connection and answers its status; other users' connections are not found."""
from flask import Flask, jsonify

from connection_store.bootstrap import bootstrap as store_bootstrap
from connection_store.bootstrap import consumer as store_consumer
from tests.support import free_port, serve


def fake_refresher(seen: list):
    app = Flask("fake-refresher")

    @app.post("/v1/connections/<connection_id>/check")
    def check(connection_id):
        seen.append(connection_id)
        return jsonify(connection_id=connection_id, status="revoked", reason="revoked_at_provider",
                       message="Access was revoked on the platform.")
    return app


def connected(stack) -> str:
    stack.connect("x")
    event = stack.events()[-1]
    store_consumer(store_bootstrap(stack.settings)).apply(event)  # what the store's worker does
    return event.connection_id


def test_check_answers_the_refreshers_verdict_for_the_users_own_connection(make_stack):
    seen = []
    with serve(fake_refresher(seen)) as refresher_url:
        stack = make_stack(POSTMATE_TOKEN_REFRESHER_URL=refresher_url)
        connection_id = connected(stack)
        answer = stack.api("POST", f"/v1/connections/{connection_id}/check")
        assert answer.status_code == 200
        assert answer.json()["status"] == "revoked" and answer.json()["reason"] == "revoked_at_provider"
        assert seen == [connection_id]
        for user, path in (("someone-else", connection_id), ("user-1", "no-such-connection")):
            refused = stack.api("POST", f"/v1/connections/{path}/check", user=user)
            assert refused.status_code == 404 and refused.json()["error"] == "connection_not_found"
        assert seen == [connection_id], "the refresher is not asked about connections that aren't yours"


def test_check_says_so_when_the_refresher_is_unreachable(make_stack):
    stack = make_stack(POSTMATE_TOKEN_REFRESHER_URL=f"http://127.0.0.1:{free_port()}")
    answer = stack.api("POST", f"/v1/connections/{connected(stack)}/check")
    assert answer.status_code == 503 and "try again" in answer.json()["message"]
