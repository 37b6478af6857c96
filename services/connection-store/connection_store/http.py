"""Internal HTTP reads: the dashboard (through the gateway), publisher, refresher.

Lists and single reads never carry credentials; only
GET /v1/connections/<id>/credentials and POST /v1/credentials/lookup do (plaintext,
for the refresher and the publisher, behind the internal token like every route here)."""
from __future__ import annotations

from flask import Blueprint, current_app, request

from connection_store import repository
from shared.connections import INTERNAL, view
from shared.crypto import CredentialCipher
from shared.web import ApiError, json_body, require_token

api = Blueprint("connections", __name__)
MAX_LOOKUP = 200  # ids per credentials lookup (the refresher asks for one lease batch)


def _deps():
    return current_app.extensions["deps"]


@api.before_request
def _authenticate():
    require_token(_deps().settings.internal_token)


def present(row) -> dict:
    """A connection as services read it (never its credentials)."""
    return view(row, INTERNAL)


@api.get("/v1/connections")
def list_connections():
    user_id = request.args.get("user_id", "").strip()
    if not user_id:
        raise ApiError(400, "user_required", "Say whose connections to list with ?user_id=….")
    rows = repository.of_user(_deps().engine, user_id, request.args.get("include_revoked") in ("1", "true"))
    return {"connections": [present(r) for r in rows]}


@api.get("/v1/connections/<connection_id>")
def get_connection(connection_id: str):
    row = repository.one(_deps().engine, connection_id)
    if row is None:
        raise ApiError(404, "connection_not_found", "There is no connection with this id.")
    return present(row)


@api.get("/v1/connections/<connection_id>/credentials")
def get_credentials(connection_id: str):
    """The connection's plaintext credentials (null once revoked) with the version they belong to."""
    deps = _deps()
    row = repository.credentials_of(deps.engine, connection_id)
    if row is None:
        raise ApiError(404, "connection_not_found", "There is no connection with this id.")
    return _with_credentials(deps.cipher, row), 200, {"Cache-Control": "no-store"}


@api.post("/v1/credentials/lookup")
def lookup_credentials():
    """Several connections' credentials in one call (the refresher reads a lease batch
    at once): {"connection_ids": [...]} → {"connections": [...], "missing": [...]}."""
    ids = json_body().get("connection_ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise ApiError(400, "connection_ids_required",
                       'Send a JSON object {"connection_ids": [...]} listing connection ids as strings.')
    if len(ids) > MAX_LOOKUP:
        raise ApiError(400, "too_many_connection_ids", f"Ask for at most {MAX_LOOKUP} connections per lookup.")
    deps, wanted = _deps(), list(dict.fromkeys(ids))
    rows = repository.credentials_of_many(deps.engine, wanted)
    found = {row.id for row in rows}
    return ({"connections": [_with_credentials(deps.cipher, row) for row in rows],
             "missing": [i for i in wanted if i not in found]},
            200, {"Cache-Control": "no-store"})


def _with_credentials(cipher: CredentialCipher, row) -> dict:
    return {"connection_id": row.id, "network": row.network, "user_id": row.user_id, "status": row.status,
            "version": row.version,
            "token_expires_at": row.token_expires_at.isoformat() if row.token_expires_at else None,
            "credentials": cipher.decrypt(row.credentials, row.id) if row.credentials else None}
