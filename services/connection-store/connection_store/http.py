"""Internal HTTP reads: the dashboard (through the gateway), publisher, refresher.

Lists and single reads never carry credentials; only
GET /v1/connections/<id>/credentials and POST /v1/credentials/lookup do (plaintext,
for the refresher and the publisher, behind the internal token like every route here)."""
from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa
from flask import Blueprint, current_app, request
from sqlalchemy.engine import Engine

from connection_store.tables import connections
from shared.crypto import CredentialCipher
from shared.db import is_postgres
from shared.web import ApiError, require_token

api = Blueprint("connections", __name__)
# What a list shows; credentials never leave through it.
PUBLIC_COLUMNS = ("id", "user_id", "network", "provider_account_id", "handle", "display_name", "status",
                  "status_reason", "status_message", "scopes", "token_expires_at", "connected_at", "updated_at",
                  "version")


def _deps():
    return current_app.extensions["deps"]


@api.before_request
def _authenticate():
    require_token(_deps().settings.internal_token)


def present(row) -> dict:
    data = {name: getattr(row, name) for name in PUBLIC_COLUMNS}
    for name in ("token_expires_at", "connected_at", "updated_at"):
        data[name] = data[name].isoformat() if data[name] else None
    return data


@api.get("/v1/connections")
def list_connections():
    user_id = request.args.get("user_id", "").strip()
    if not user_id:
        raise ApiError(400, "user_required", "Say whose connections to list with ?user_id=….")
    query = sa.select(connections).where(connections.c.user_id == user_id,
                                         connections.c.provider_account_id.is_not(None))
    if request.args.get("include_revoked") not in ("1", "true"):
        query = query.where(connections.c.status != "revoked")
    with _deps().engine.connect() as conn:
        rows = conn.execute(query.order_by(connections.c.connected_at, connections.c.id)).all()
    return {"connections": [present(r) for r in rows]}


@api.get("/v1/connections/<connection_id>")
def get_connection(connection_id: str):
    with _deps().engine.connect() as conn:
        row = conn.execute(sa.select(connections).where(connections.c.id == connection_id)).one_or_none()
    if row is None:
        raise ApiError(404, "connection_not_found", "There is no connection with this id.")
    return present(row)


# The refresher's hot path (a read per refresh): statements built once, reading only the
# columns answered, on PostgreSQL in autocommit — one round trip, not BEGIN, SELECT, ROLLBACK.
_c = connections.c
_CREDENTIAL_COLUMNS = (_c.id, _c.network, _c.user_id, _c.status, _c.version, _c.token_expires_at, _c.credentials)
_CREDENTIALS = sa.select(*_CREDENTIAL_COLUMNS).where(_c.id == sa.bindparam("connection_id"))
_MANY_CREDENTIALS = sa.select(*_CREDENTIAL_COLUMNS).where(_c.id.in_(sa.bindparam("ids", expanding=True)))
MAX_LOOKUP = 200  # ids per credentials lookup (the refresher asks for one lease batch)


@lru_cache(maxsize=4)
def _reader(engine: Engine) -> Engine:
    return engine.execution_options(isolation_level="AUTOCOMMIT") if is_postgres(engine) else engine


@api.get("/v1/connections/<connection_id>/credentials")
def get_credentials(connection_id: str):
    """The connection's plaintext credentials (null once revoked) with the version they belong to."""
    deps = _deps()
    with _reader(deps.engine).connect() as conn:
        row = conn.execute(_CREDENTIALS, {"connection_id": connection_id}).one_or_none()
    if row is None:
        raise ApiError(404, "connection_not_found", "There is no connection with this id.")
    return _with_credentials(deps.cipher, row), 200, {"Cache-Control": "no-store"}


@api.post("/v1/credentials/lookup")
def lookup_credentials():
    """Several connections' credentials in one call (the refresher reads a lease batch
    at once): {"connection_ids": [...]} → {"connections": [...], "missing": [...]}."""
    body = request.get_json(silent=True)
    ids = body.get("connection_ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise ApiError(400, "connection_ids_required",
                       'Send a JSON object {"connection_ids": [...]} listing connection ids as strings.')
    if len(ids) > MAX_LOOKUP:
        raise ApiError(400, "too_many_connection_ids", f"Ask for at most {MAX_LOOKUP} connections per lookup.")
    deps = _deps()
    with _reader(deps.engine).connect() as conn:
        rows = conn.execute(_MANY_CREDENTIALS, {"ids": list(dict.fromkeys(ids))}).all() if ids else []
    found = {row.id for row in rows}
    return ({"connections": [_with_credentials(deps.cipher, row) for row in rows],
             "missing": [i for i in dict.fromkeys(ids) if i not in found]},
            200, {"Cache-Control": "no-store"})


def _with_credentials(cipher: CredentialCipher, row) -> dict:
    return {"connection_id": row.id, "network": row.network, "user_id": row.user_id, "status": row.status,
            "version": row.version,
            "token_expires_at": row.token_expires_at.isoformat() if row.token_expires_at else None,
            "credentials": cipher.decrypt(row.credentials, row.id) if row.credentials else None}
