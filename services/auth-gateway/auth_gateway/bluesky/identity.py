"""Where a Bluesky account lives: handle → DID → DID document → its PDS.

With a `service` URL, the user named the server: it is vetted (the egress rule) and
asked to resolve the handle. Without one, the entryway resolves the handle
(`com.atproto.identity.resolveHandle`; https://bsky.social unless
POSTMATE_BLUESKY_SERVICE_URL says otherwise), the PLC directory (or the did:web
host) gives the DID document, and the document's `#atproto_pds` endpoint — chosen
by whoever controls the account, so vetted like user input — is where we sign in.
The provider sandbox has no PLC directory: there, the entryway hosts every account.
"""
from __future__ import annotations

from dataclasses import dataclass

import httpx
from atproto import DidDocument
from atproto_client import exceptions as xrpc

from auth_gateway.bluesky.domain import check_did
from auth_gateway.bluesky.errors import from_xrpc, refuse, xrpc_error_name
from auth_gateway.bluesky.xrpc import get_json, vet, xrpc_client
from shared.providers.egress import Egress, Target


@dataclass(frozen=True)
class Directory:
    entryway: str  # resolves handles (operator-configured: trusted)
    plc_url: str | None  # serves did:plc documents; None: the entryway hosts every account (the sandbox)


@dataclass(frozen=True)
class Place:
    did: str
    pds: Target


def locate(handle: str, service: str | None, *, directory: Directory, egress: Egress, timeout_s: float) -> Place:
    if service:
        pds = vet(egress, service)
        return Place(resolve_handle(pds, handle, timeout_s), pds)
    entryway = egress.trusted(directory.entryway)
    did = resolve_handle(entryway, handle, timeout_s)
    if directory.plc_url is None:
        return Place(did, entryway)
    return Place(did, vet(egress, pds_endpoint(did, handle, directory.plc_url, egress, timeout_s)))


def resolve_handle(server: Target, handle: str, timeout_s: float) -> str:
    try:
        with xrpc_client(server, timeout_s) as client:
            did = client.com.atproto.identity.resolve_handle({"handle": handle}).did
    except xrpc.BadRequestError:  # InvalidRequest / HandleNotFound "Unable to resolve handle"
        raise refuse("handle_not_found", handle=handle) from None
    except xrpc.UnauthorizedError as exc:  # resolving needs no sign-in: this server is odd, not the password
        raise refuse("bluesky_error", host=server.host, error=xrpc_error_name(exc) or "HTTP 401") from None
    except (xrpc.AtProtocolError, httpx.HTTPError) as exc:
        raise from_xrpc(exc, host=server.host, handle=handle) from None
    try:
        return check_did(did)
    except ValueError:
        raise refuse("bluesky_error", host=server.host, error="an account id Post Mate can't use") from None


def pds_endpoint(did: str, handle: str, plc_url: str, egress: Egress, timeout_s: float) -> str:
    """The PDS named by the account's DID document (did:plc from the directory, did:web from its host)."""
    if did.startswith("did:plc:"):
        server, path = egress.trusted(plc_url), f"/{did}"
    else:
        host = did.removeprefix("did:web:").replace("%3A", ":").replace("%3a", ":")
        server, path = vet(egress, f"https://{host}"), "/.well-known/did.json"
    try:
        response = get_json(server, path, timeout_s)
    except httpx.HTTPError:
        raise refuse("bluesky_unavailable", host=server.host) from None
    if response.status_code in (404, 410):
        raise refuse("handle_not_found", handle=handle)
    if response.status_code != 200:
        raise refuse("bluesky_unavailable", host=server.host)
    try:
        document = DidDocument.from_dict(response.json())
        endpoint = document.get_pds_endpoint() if document.id == did else None
    except ValueError:
        endpoint = None
    if not endpoint:
        raise refuse("no_pds", handle=handle)
    return endpoint
