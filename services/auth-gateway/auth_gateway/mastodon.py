"""Mastodon: the user names the instance, and our app registers itself there once.

The instance name is user input and becomes a server-side request target, so
outside sandbox mode every call to it goes through shared.providers.egress: a
public https host only, pinned to the addresses that were checked, no redirects.
Registrations are kept in `mastodon_apps`, the client secret encrypted with the
instance as associated data, and redone when our redirect URI or scopes change.
"""
from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError

from auth_gateway import repository
from auth_gateway.adapters.oauth import AppCredentials, OAuthClient, ProviderError
from shared.providers.egress import NOT_FOUND, Egress, EgressRefused, PinnedTransport
from shared.providers.registry import LIVE, Provider
from shared.web import ApiError

HOST = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")


def normalise_instance(raw: str | None) -> str:
    """"https://Mastodon.Social/", "@me@mastodon.social" or "mastodon.social" → "mastodon.social"."""
    text = (raw or "").strip().lower()
    if not text:
        raise ApiError(400, "instance_required", "Name your Mastodon server, for example mastodon.social.")
    if text.startswith("http://"):
        raise ApiError(400, "invalid_instance", "Mastodon servers are reached over https only.")
    text = text.removeprefix("https://").split("/", 1)[0].rsplit("@", 1)[-1]
    try:
        text = text.encode("idna").decode()
    except UnicodeError:
        text = ""
    if not HOST.match(text):
        raise ApiError(400, "invalid_instance", "That doesn't look like a Mastodon server name "
                                                "(for example mastodon.social).")
    return text


def transport(instance: str, provider: Provider, egress: Egress) -> PinnedTransport | None:
    """How calls reach `instance`: pinned to its vetted public addresses (the sandbox is trusted)."""
    if provider.mode != LIVE:
        return None
    try:
        return PinnedTransport(egress.vet(f"https://{instance}"), deadline_s=provider.timeout_s)
    except EgressRefused as exc:
        if exc.reason == NOT_FOUND:
            raise ApiError(400, "instance_not_found", f"We couldn't find a server called {instance}.") from None
        raise ApiError(400, "instance_not_public", f"{instance} is not a public Mastodon server.") from None


def app_for(instance: str, *, provider: Provider, sessions, cipher, clock, egress) -> AppCredentials:
    """Our client credentials on `instance`, registering the app there the first time."""
    scopes = provider.spec.scope_string()
    with sessions() as session:
        row = repository.mastodon_app(session, instance)
    if row is not None and row.redirect_uri == provider.redirect_uri and row.scopes == scopes:
        return AppCredentials(row.client_id, cipher.decrypt(row.client_secret, instance)["client_secret"])
    app = _register(instance, provider, scopes, transport(instance, provider, egress))
    values = dict(client_id=app.client_id, client_secret=cipher.encrypt({"client_secret": app.client_secret}, instance),
                  scopes=scopes, redirect_uri=provider.redirect_uri, created_at=clock())
    try:
        with sessions.begin() as session:
            repository.save_mastodon_app(session, instance, **values)
    except IntegrityError:
        pass  # another worker registered at the same moment; both apps are valid, use ours for this attempt
    return app


def client_for(provider: Provider, instance: str | None, *, sessions, cipher, clock, egress) -> OAuthClient:
    """The OAuth client for an attempt: our app's credentials on its instance (Mastodon), else the network's."""
    if not instance:
        return OAuthClient(provider)
    app = app_for(instance, provider=provider, sessions=sessions, cipher=cipher, clock=clock, egress=egress)
    return OAuthClient(provider, app, instance, transport(instance, provider, egress))


def _register(instance: str, provider: Provider, scopes: str, via: PinnedTransport | None) -> AppCredentials:
    client = OAuthClient(provider, AppCredentials("", ""), instance, via)
    try:
        answer = client.post_form(client.url("apps_url"), {
            "client_name": "Post Mate", "redirect_uris": provider.redirect_uri, "scopes": scopes})
    except ProviderError as exc:
        raise ApiError(502, "instance_unavailable", f"{instance} did not accept Post Mate's sign-in request "
                       f"({exc.error}); check the server name or try again later.", retryable=exc.retryable) from None
    if not answer.get("client_id") or not answer.get("client_secret"):
        raise ApiError(502, "instance_unavailable", f"{instance} did not answer like a Mastodon server.")
    return AppCredentials(str(answer["client_id"]), str(answer["client_secret"]))
