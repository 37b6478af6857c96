"""connection-store as the refresher sees it: an answer that isn't the documented
JSON means the store is unavailable — the work waits — never a crash of the loop."""
from __future__ import annotations

import pytest

from tests.support import serve
from token_refresher.adapters.store import HttpConnectionStore
from token_refresher.domain import StoreUnavailable


def garbage(body: bytes):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(body)))])
        return [body]
    return app


@pytest.mark.parametrize("body", [b"<html>proxy error</html>", b'{"connections": "no"}', b"[]", b'{"id": 1}'])
def test_an_answer_that_is_not_the_documented_json_means_the_store_is_unavailable(body):
    with serve(garbage(body)) as url:
        store = HttpConnectionStore(url, "token")
        with pytest.raises(StoreUnavailable):
            store.credentials_many(["conn-1"])
        with pytest.raises(StoreUnavailable):
            store.credentials("conn-1")
