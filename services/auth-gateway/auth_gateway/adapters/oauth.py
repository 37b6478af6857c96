"""The OAuth conversation with one network, through Authlib's httpx client.

Authlib builds the authorization URL (state, PKCE S256) and exchanges the code;
this module adds what differs per network: how the client authenticates
(Basic, body — with TikTok's `client_key` — or the query of Facebook's GET
token endpoint), Meta's short → long-lived swap, the identity call, and error
and timeout handling that turns every failure into a ProviderError. The
network's facts come from shared.providers.

Redirects are never followed. A host the user named (a Mastodon instance) is
reached only through `transport`: shared.providers.egress's pinned transport.
"""
from __future__ import annotations

import hashlib
import json
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from authlib.common.urls import add_params_to_qs, add_params_to_uri
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.integrations.base_client import OAuthError

with warnings.catch_warnings():
    # Authlib 1.9 warns when it runs on httpx rather than its httpx2 fork. We stay on httpx (pinned):
    # atproto and our pinned egress transport are built on it; moving all three is its own step.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client

from shared.logs import remember_secret
from shared.providers.egress import EgressRefused
from shared.providers.errors import read_error
from shared.providers.registry import Provider
from shared.providers.spec import Account


class ProviderError(Exception):
    """The platform refused, or did not answer. `retryable`: the same request may work later."""

    def __init__(self, error: str, description: str = "", *, retryable: bool = False, status: int | None = None):
        super().__init__(f"{error}: {description}" if description else error)
        self.error, self.description, self.retryable, self.status = error, description, retryable, status


def json_or_raise(response: httpx.Response) -> dict:
    """The JSON object of a successful answer; ProviderError for anything else. 5xx, 429 and
    Meta's throttling are retryable; every other refusal is the platform saying no."""
    status = response.status_code
    if status >= 500 or status == 429:
        raise ProviderError("platform_unavailable", f"HTTP {status}", retryable=True, status=status)
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ProviderError("bad_response", f"HTTP {status}, not a JSON object", status=status)
    problem = read_error(body)
    if problem:
        raise ProviderError(problem.error, problem.description, retryable=problem.throttled, status=status)
    if status >= 300:
        raise ProviderError(f"http_{status}", "", status=status)
    return body


@dataclass(frozen=True)
class AppCredentials:
    client_id: str
    client_secret: str


def _dig(data, path: str):
    """`data` at a dotted path ("data.user.open_id", "items.0.id"); None when absent."""
    for part in path.split("."):
        if isinstance(data, list) and part.isdigit():
            data = data[int(part)] if int(part) < len(data) else None
        elif isinstance(data, dict):
            data = data.get(part)
        else:
            return None
    return data


@contextmanager
def _transport_errors():
    try:
        yield
    except httpx.TimeoutException:
        raise ProviderError("timeout", "the platform did not answer in time", retryable=True) from None
    except httpx.HTTPError as exc:
        raise ProviderError("unreachable", exc.__class__.__name__, retryable=True) from None
    except EgressRefused as exc:  # a redirect elsewhere, or an address the rule refuses
        raise ProviderError("egress_refused", exc.reason) from None
    except OAuthError as exc:
        raise ProviderError(exc.error, exc.description or "") from None


class OAuthClient:
    def __init__(self, provider: Provider, app: AppCredentials | None = None, instance: str | None = None,
                 transport: httpx.BaseTransport | None = None):
        self.provider, self.spec, self.instance, self.transport = provider, provider.spec, instance, transport
        self.app = app or AppCredentials(provider.client_id, provider.client_secret)

    def url(self, name: str) -> str:
        return self.provider.url(name, self.instance)

    # -- Authlib --------------------------------------------------------------
    def _session(self) -> OAuth2Client:
        auth_method = {"basic": "client_secret_basic"}.get(self.spec.client_auth, "postmate")
        session = OAuth2Client(
            client_id=self.app.client_id, client_secret=self.app.client_secret,
            token_endpoint_auth_method=auth_method, revocation_endpoint_auth_method=auth_method,
            scope=self.spec.scope_string(), redirect_uri=self.provider.redirect_uri,
            code_challenge_method="S256" if self.spec.pkce else None,
            transport=self.transport, timeout=self.provider.timeout_s)
        session.register_client_auth_method(("postmate", self._client_auth))
        session.register_compliance_hook("access_token_response", self._checked)
        return session

    def _client_auth(self, auth, method, uri, headers, body):
        """Client credentials in the form body, or in the query of a GET token endpoint."""
        credentials = [(self.spec.client_id_param, auth.client_id), ("client_secret", auth.client_secret)]
        if self.spec.client_auth == "query" or method == "GET":
            return add_params_to_uri(uri, credentials), headers, body
        return uri, headers, add_params_to_qs(body or "", credentials)

    def _checked(self, response: httpx.Response) -> httpx.Response:
        body = json_or_raise(response)
        if self.spec.token_response_fix:
            body = self.spec.token_response_fix(body)
        if not body.get("access_token"):
            raise ProviderError("bad_response", "the token answer holds no access token")
        remember_secret(body["access_token"], body.get("refresh_token") or "")
        response._content = json.dumps(body).encode()  # Authlib parses the reshaped answer
        return response

    def authorization_url(self, state: str, code_verifier: str | None) -> str:
        extra = dict(self.spec.authorize_params)
        if self.spec.pkce and code_verifier and self.spec.pkce_encoding == "hex":
            # Authlib only writes RFC 7636's base64url challenge; TikTok's is hex (see the catalogue)
            extra.update(code_challenge=hashlib.sha256(code_verifier.encode()).hexdigest(),
                         code_challenge_method="S256")
            code_verifier = None
        uri, _ = self._session().create_authorization_url(
            self.url("authorize_url"), state=state, code_verifier=code_verifier if self.spec.pkce else None, **extra)
        if self.spec.client_id_param != "client_id":
            parts = urlsplit(uri)
            query = [(self.spec.client_id_param if k == "client_id" else k, v) for k, v in parse_qsl(parts.query)]
            uri = urlunsplit(parts._replace(query=urlencode(query)))
        return uri

    def exchange_code(self, code: str, code_verifier: str | None) -> dict:
        remember_secret(code, code_verifier or "", self.app.client_secret)
        if self.spec.code_suffix:
            code = code.removesuffix(self.spec.code_suffix)
        extra = {"code_verifier": code_verifier} if self.spec.pkce and code_verifier else {}
        with _transport_errors(), self._session() as session:
            token = session.fetch_token(self.url("token_url"), method=self.spec.token_method, code=code, **extra)
        return dict(token)

    def refresh(self, refresh_token: str) -> dict:
        """A refresh-token grant (the revoker renews an ended token that the revoke endpoint wants live)."""
        remember_secret(refresh_token, self.app.client_secret)
        with _transport_errors(), self._session() as session:
            return dict(session.refresh_token(self.url("token_url"), refresh_token=refresh_token))

    def revoke(self, token: str, hint: str) -> None:
        """RFC 7009 revocation of one token. A token the platform no longer knows counts as revoked
        (Google answers 400 invalid_token for it); anything else raises ProviderError."""
        remember_secret(token)
        with _transport_errors(), self._session() as session:
            response = session.revoke_token(self.url("revoke_url"), token=token, token_type_hint=hint)
        if response.status_code < 300:
            return
        try:
            json_or_raise(response)
        except ProviderError as exc:
            if exc.error in ("invalid_token", "invalid_grant"):
                return
            raise
        raise ProviderError(f"http_{response.status_code}", "", status=response.status_code)

    # -- after the code exchange ----------------------------------------------
    def upgrade(self, token: dict) -> dict:
        """Swap Meta's one-hour token for the long-lived one (60 days; Page tokens from it never expire)."""
        exchange = self.spec.long_lived
        if exchange is None:
            return token
        params = {"grant_type": exchange.grant_type, "client_secret": self.app.client_secret,
                  exchange.token_param: token["access_token"]}
        if exchange.send_client_id:
            params["client_id"] = self.app.client_id
        answer = self.get_json(self.url("long_lived_url"), params)
        if not answer.get("access_token"):
            raise ProviderError("bad_response", "the long-lived token answer holds no access token")
        remember_secret(answer["access_token"])
        kept = {k: v for k, v in token.items() if k not in ("expires_in", "expires_at")}
        return {**kept, **answer}

    def accounts(self, token: dict) -> list[Account]:
        """The platform accounts this login granted (one, or Facebook's Pages)."""
        if self.spec.list_accounts:
            return self.spec.list_accounts(self, token)
        call = self.spec.identity
        answer = self.get_json(self.url("identity_url"), dict(call.params), token["access_token"], call.token_in)
        account_id = _dig(answer, call.id) or (token.get("user_id") if call.id == "user_id" else None)
        if account_id in (None, ""):
            raise ProviderError(call.missing, f"{self.spec.name} did not say which account signed in")
        handle = str(_dig(answer, call.handle) or "")
        name = str(_dig(answer, call.name) or handle)
        if call.at_handle and handle:
            handle = "@" + handle.lstrip("@")
        if self.spec.per_instance:  # Mastodon: ids and handles are only unique with their server
            account_id, handle = f"{account_id}@{self.instance}", f"{handle}@{self.instance}" if handle else handle
        return [Account(str(account_id), handle or name, name, token)]

    def get_json(self, url: str, params: dict, access_token: str | None = None, token_in: str = "header") -> dict:
        headers = {"Accept": "application/json"}
        if access_token and token_in == "query":
            params = {**params, "access_token": access_token}
        elif access_token:
            headers["Authorization"] = f"Bearer {access_token}"
        with _transport_errors(), self._http() as http:
            response = http.get(url, params=params, headers=headers)
        return json_or_raise(response)

    def post_form(self, url: str, data: dict) -> dict:
        with _transport_errors(), self._http() as http:
            response = http.post(url, data=data, headers={"Accept": "application/json"})
        return json_or_raise(response)

    def _http(self) -> httpx.Client:
        return httpx.Client(transport=self.transport, timeout=self.provider.timeout_s)
