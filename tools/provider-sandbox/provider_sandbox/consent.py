"""The authorize endpoint: a consent page, or (config `auto_approve`) an immediate redirect.

A bad client id or redirect_uri gets an error page, never a redirect (the
redirect target is not trusted yet); any other bad parameter is sent back to the
redirect_uri as `error=…`, like a real authorization server. Approve and Deny
POST back to the same URL, so the original query is simply read again.

Who consents: the name typed on the page, else the `sandbox_account` cookie,
else a brand-new account. Facebook's page also asks which Pages to grant.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import redirect, render_template, request

from provider_sandbox import accounts, credentials, mastodon, pkce
from provider_sandbox.state import Code, Grant, Sandbox, sandbox

ACCOUNT_COOKIE = "sandbox_account"
_SCOPE = re.compile(r"^[A-Za-z0-9_.:/\-]+$")


class PageError(Exception):
    """Shown as an error page: the request can't be answered through its redirect_uri."""


@dataclass(frozen=True)
class AuthRequest:
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    challenge: str | None
    challenge_method: str | None
    access_type: str
    prompt: str
    error: dict[str, str] | None  # sent back to the redirect_uri instead of a code


def authorize(net, instance: str = ""):
    sb = sandbox()
    try:
        req = read_request(sb, net, instance)
    except PageError as exc:
        return render_template("error.html", network=net.name, message=str(exc)), 400
    if req.error:
        return _redirect(net, req, req.error)
    if request.method == "GET" and not sb.config["auto_approve"]:
        return _page(sb, net, req)
    if request.method == "POST" and request.form.get("decision") != "approve":
        sb.count(net.id, "denied")
        return _redirect(net, req, net.deny_params)
    name = _account_name()
    code = _approve(sb, net, instance, req, name, _granted_pages(sb, net, name))
    sb.count(net.id, "authorize")
    grant = sb.grants[code.grant_id]
    return _redirect(net, req, {"code": code.value, **(net.redirect_extras(grant) if net.redirect_extras else {})})


def read_request(sb: Sandbox, net, instance: str) -> AuthRequest:
    args = request.args
    client_id = (args.get(net.client_id_param) or "").strip()
    if not client_id:
        raise PageError(f"Missing {net.client_id_param}.")
    registered = credentials.registered_clients(sb, net, instance)
    if registered is not None and client_id not in registered:
        raise PageError(f"Unknown client {client_id!r}.")
    redirect_uri = args.get("redirect_uri") or ""
    parts = urlsplit(redirect_uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment or "#" in redirect_uri:
        raise PageError("redirect_uri must be an absolute http(s) URL without a fragment.")
    if net.per_instance and not mastodon.redirect_allowed(sb, instance, client_id, redirect_uri):
        raise PageError("The redirect URI included is not valid.")
    scopes = tuple(s for s in re.split(net.scope_split, (args.get("scope") or net.default_scope or "").strip()) if s)
    challenge = args.get("code_challenge") or None
    method = args.get("code_challenge_method") or ("plain" if challenge else None)
    error = _problem(sb, net, instance, client_id, scopes, challenge, method)
    return AuthRequest(client_id, redirect_uri, scopes, args.get("state"), challenge, method,
                       args.get("access_type") or "online", args.get("prompt") or "", error)


def _problem(sb, net, instance, client_id, scopes, challenge, method) -> dict[str, str] | None:
    def error(name: str, description: str) -> dict[str, str]:
        return {"error": name, "error_description": description}

    if request.args.get("response_type") != "code":
        return error("unsupported_response_type", "response_type must be code.")
    if not scopes:
        return error("invalid_request", "Missing required parameter: scope.")
    malformed = [s for s in scopes if not _SCOPE.match(s)]
    if malformed:
        joiner = "commas" if net.scope_split == "," else "spaces"
        return error("invalid_scope", f"Invalid scope {malformed[0]!r}: {net.name} separates scopes with {joiner}.")
    if net.per_instance and not mastodon.scopes_allowed(sb, instance, client_id, scopes):
        return error("invalid_scope", "The requested scope is invalid, unknown, or malformed.")
    if net.pkce_required and not challenge:
        return error("invalid_request", "Missing required parameter [code_challenge].")
    if challenge and method not in net.pkce_methods:
        return error("invalid_request", f"code_challenge_method must be {' or '.join(net.pkce_methods)}.")
    if challenge and not pkce.well_formed(challenge):
        return error("invalid_request", "Invalid code_challenge.")
    return None


def _page(sb: Sandbox, net, req: AuthRequest):
    name = request.cookies.get(ACCOUNT_COOKIE) or accounts.new_account_name()
    managed = accounts.pages(name, sb.config["pages_per_account"]) if net.grants_pages else []
    pages = [{**page, "number": n, "checked": n <= sb.config["auto_approve_pages"]} for n, page in enumerate(managed, 1)]
    return render_template("consent.html", network=net.name, client=req.client_id, scopes=req.scopes,
                           account=name, pages=pages, returns_to=urlsplit(req.redirect_uri).netloc)


def _account_name() -> str:
    typed = request.form.get("account", "").strip() if request.method == "POST" else ""
    return (typed or request.cookies.get(ACCOUNT_COOKIE, "").strip() or accounts.new_account_name())[:64]


def _granted_pages(sb: Sandbox, net, name: str) -> tuple[str, ...]:
    if not net.grants_pages:
        return ()
    pages = accounts.pages(name, sb.config["pages_per_account"])
    if request.method == "POST":
        ticked = set(request.form.getlist("pages"))
        return tuple(page["id"] for n, page in enumerate(pages, 1) if str(n) in ticked)
    return tuple(page["id"] for page in pages[:sb.config["auto_approve_pages"]])


def _approve(sb: Sandbox, net, instance: str, req: AuthRequest, name: str, pages: tuple[str, ...]) -> Code:
    with sb.lock:
        sb.account(name)
        seen = (net.id, instance, name, req.client_id)
        first_consent = seen not in sb.consented
        sb.consented.add(seen)
        grant = Grant(sb.next_id("grant-"), net.id, instance, name, req.client_id, req.scopes, sb.now(), pages)
        sb.grants[grant.id] = grant
        offline = req.access_type == "offline" and (first_consent or "consent" in req.prompt.split())
        code = Code(secrets.token_urlsafe(32), grant.id, req.client_id, req.redirect_uri,
                    sb.now() + sb.config["code_ttl_s"], req.challenge, req.challenge_method, offline)
        sb.codes[code.value] = code
    return code


def _redirect(net, req: AuthRequest, params: dict[str, str]):
    params = {**params, **({"state": req.state} if req.state is not None else {})}
    parts = urlsplit(req.redirect_uri)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return redirect(urlunsplit(parts._replace(query=query)) + net.code_suffix, 302)
