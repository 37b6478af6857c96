"""The dashboard's "Check connection": the refresher's own code path, run now."""
from __future__ import annotations

from shared.clients.connection_store import StoreUnavailable
from shared.clients.token_refresher import RefresherUnavailable
from shared.web import ApiError

UNAVAILABLE = "Checking connections is unavailable right now; please try again in a minute."


def check_connection(connection_id: str, user_id: str, *, store, refresher) -> tuple[dict, int]:
    try:
        connection = store.get(connection_id)
    except StoreUnavailable:
        raise ApiError(503, "store_unavailable", UNAVAILABLE) from None
    if connection is None or connection.get("user_id") != user_id:  # someone else's is "not found" too
        raise ApiError(404, "connection_not_found", "There is no such connection on your account.")
    try:
        status, body = refresher.check(connection_id)
    except RefresherUnavailable:
        raise ApiError(503, "refresher_unavailable", UNAVAILABLE) from None
    if status >= 500:
        raise ApiError(503, "refresher_unavailable", UNAVAILABLE)
    return body, status
