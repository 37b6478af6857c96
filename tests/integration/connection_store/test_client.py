"""connection-store's typed client (shared.clients.connection_store), as the gateway and
the refresher use it: an answer that isn't the documented JSON means the store is
unavailable — the work waits — never a crash; and an id can only ever name itself."""
from __future__ import annotations

import json

import pytest

from shared.clients.connection_store import ConnectionStoreClient, StoreUnavailable
from shared.clients.plan_limits import PlanLimitsClient
from shared.clients.token_refresher import RefresherClient
from tests.support import free_port, serve


def answering(body: bytes, status: str = "200 OK", seen: list | None = None):
    def app(environ, start_response):
        if seen is not None:
            seen.append(environ.get("RAW_URI") or environ["PATH_INFO"])
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
    return app


@pytest.mark.parametrize("body", [b"<html>proxy error</html>", b'{"connections": "no"}', b"[]", b'{"id": 1}'])
def test_an_answer_that_is_not_the_documented_json_means_the_store_is_unavailable(body):
    with serve(answering(body)) as url:
        store = ConnectionStoreClient(url, "token")
        with pytest.raises(StoreUnavailable):
            store.credentials_many(["conn-1"])
        with pytest.raises(StoreUnavailable):
            store.credentials("conn-1")


def test_a_store_that_is_not_there_is_unavailable():
    store = ConnectionStoreClient(f"http://127.0.0.1:{free_port()}", "token", timeout_s=1)
    for call in (lambda: store.list("u-1"), lambda: store.get("c-1"), lambda: store.credentials("c-1")):
        with pytest.raises(StoreUnavailable):
            call()


@pytest.mark.parametrize("hostile", ["c-1?x", "c-1#x", "../users/c-1", "c-1/credentials", "c%2F1", "c 1"])
def test_every_id_is_quoted_into_its_path_so_it_names_only_itself(hostile):
    seen: list[str] = []
    record = json.dumps({"id": hostile}).encode()
    with serve(answering(record, seen=seen)) as url:
        ConnectionStoreClient(url, "t").get(hostile)
        RefresherClient(url, "t").check(hostile)
        PlanLimitsClient(url, "t").release(hostile)
        PlanLimitsClient(url, "t").quota(hostile)
    quoted = "".join(f"%{b:02X}" if chr(b) not in "-_.~" and not chr(b).isalnum() else chr(b)
                     for b in hostile.encode())
    assert seen == [f"/v1/connections/{quoted}", f"/v1/connections/{quoted}/check", f"/v1/reservations/{quoted}",
                    f"/v1/users/{quoted}/quota"]
