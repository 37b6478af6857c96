"""Internal HTTP: the gateway's "Check connection" proxy (internal token)."""
from __future__ import annotations

from flask import Blueprint, current_app

from shared.web import require_token
from token_refresher.check import check_connection

api = Blueprint("refresher", __name__)


def _deps():
    return current_app.extensions["deps"]


@api.before_request
def _authenticate():
    require_token(_deps().settings.internal_token)


@api.post("/v1/connections/<connection_id>/check")
def check(connection_id: str):
    return _deps().call(check_connection, connection_id)
