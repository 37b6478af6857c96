"""Internal HTTP reads: the dashboard (through the gateway), publisher, refresher.

Lists and single reads never carry credentials; only
GET /v1/connections/<id>/credentials does (plaintext, for the refresher and the
publisher, behind the internal token like every route here)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, request

from shared.crypto import CredentialCipher
from shared.web import ApiError, require_token

from connection_store.tables import connections

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


@api.get("/v1/connections/<connection_id>/credentials")
def get_credentials(connection_id: str):
    """The connection's plaintext credentials (null once revoked) with the version they belong to."""
    deps = _deps()
    with deps.engine.connect() as conn:
        row = conn.execute(sa.select(connections).where(connections.c.id == connection_id)).one_or_none()
    if row is None:
        raise ApiError(404, "connection_not_found", "There is no connection with this id.")
    body = {"connection_id": row.id, "network": row.network, "user_id": row.user_id, "status": row.status,
            "version": row.version,
            "token_expires_at": row.token_expires_at.isoformat() if row.token_expires_at else None,
            "credentials": _open(deps.cipher, row)}
    return body, 200, {"Cache-Control": "no-store"}


def _open(cipher: CredentialCipher, row) -> dict | None:
    return cipher.decrypt(row.credentials, row.id) if row.credentials else None
