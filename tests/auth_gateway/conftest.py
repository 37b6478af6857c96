"""A gateway with its neighbours, all over real HTTP on loopback: the provider
sandbox (auto-approve), a plan-limits (the contract fake, or the real service),
connection-store, and the gateway itself; plus a `Browser` that walks the
redirects the way a user's browser does (cookies included)."""
from __future__ import annotations

import contextlib
import html
import io
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import sqlalchemy as sa

from auth_gateway.app import create_app as create_gateway
from auth_gateway.bootstrap import bootstrap as gateway_bootstrap
from auth_gateway.tables import outbox
from connection_store.app import create_app as create_store
from shared.config import load_settings
from shared.events import decode, utcnow
from shared.logs import JsonFormatter
from shared.manage import migrate_services
from tests.auth_gateway.fakes import FakePlanLimits
from tests.conftest import free_port
from tests.support import serve

DASHBOARD_TOKEN = "dev-dashboard-token"
DASHBOARD_ORIGIN = "http://dashboard.test"
OAUTH_NETWORKS = ["instagram", "facebook", "threads", "tiktok", "youtube", "linkedin", "x", "pinterest", "mastodon"]


def sandbox_app(config: dict):
    from provider_sandbox.app import create_app
    return create_app(config)


def page_text(response: requests.Response) -> str:
    """A page's text as a person reads it (entities decoded)."""
    return html.unescape(response.text)


class Clock:
    """Real time, plus whatever the test moves it forward by."""

    def __init__(self):
        self.offset = timedelta()

    def __call__(self):
        return utcnow() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@dataclass
class Walk:
    """One trip through the consent flow, hop by hop."""
    consent_url: str = ""
    callback_url: str = ""
    response: requests.Response | None = None

    @property
    def consent_query(self) -> dict:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.consent_url).query).items()}


@dataclass
class Browser:
    """A user's browser: its own cookies; follows each redirect itself so tests see every hop."""
    account: str | None = None
    session: requests.Session = field(default_factory=requests.Session)

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.session.get(url, allow_redirects=False, timeout=30, **kwargs)

    def walk(self, start_url: str, account: str | None = None, decision: str | None = None,
             pages: list[int] | None = None, come_back: bool = True) -> Walk:
        """Start → consent (auto-approved, or a click on Approve/Deny) → callback."""
        walk = Walk()
        started = self.get(start_url)
        if started.status_code != 302:
            walk.response = started
            return walk
        walk.consent_url = started.headers["Location"]
        account = account or self.account
        if decision is None:
            consent = self.get(walk.consent_url, cookies={"sandbox_account": account} if account else None)
        else:
            form = {"decision": decision, "account": account or "", "pages": [str(p) for p in pages or []]}
            consent = self.session.post(walk.consent_url, data=form, allow_redirects=False, timeout=30)
        assert consent.status_code in (302, 303), f"the sandbox did not redirect back: {consent.status_code}"
        walk.callback_url = consent.headers["Location"]
        if come_back:
            walk.response = self.get(walk.callback_url)
        return walk


class Stack:
    def __init__(self, settings, plans: FakePlanLimits | None, clock: Clock, sandbox_config: dict):
        self.settings, self.plans, self.clock, self.sandbox_config = settings, plans, clock, sandbox_config
        self.gateway = gateway_bootstrap(settings, clock=clock)
        self.base = settings.gateway_public_url

    def api(self, method: str, path: str, user: str | None = "user-1", token: str | None = DASHBOARD_TOKEN,
            **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if user is not None:
            headers["X-PostMate-User"] = user
        return requests.request(method, self.base + path, headers=headers, timeout=30, **kwargs)

    def start(self, network: str, user: str = "user-1", **body) -> dict:
        if network == "mastodon":
            body.setdefault("instance", "mastodon.example")
        response = self.api("POST", f"/v1/connections/{network}/attempts", user=user, json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def connect(self, network: str, account: str = "alice", user: str = "user-1", browser: Browser | None = None,
                **body) -> tuple[dict, Walk]:
        attempt = self.start(network, user=user, **body)
        walk = (browser or Browser()).walk(attempt["start_url"], account)
        return attempt, walk

    def sandbox(self, method: str, path: str, **body) -> dict:
        """The sandbox's admin API (faults, stats, revoke, clock)."""
        response = requests.request(method, f"{self.settings.sandbox_url}/_sandbox/{path}",
                                    json=body if method != "GET" else None, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def fault(self, network: str, mode: str, endpoint: str = "token", **options) -> None:
        self.sandbox("POST", "faults", network=network, endpoint=endpoint, mode=mode, **options)

    def attempt(self, attempt_id: str, user: str = "user-1") -> dict:
        return self.api("GET", f"/v1/attempts/{attempt_id}", user=user).json()

    def connections(self, user: str = "user-1") -> list[dict]:
        response = self.api("GET", "/v1/connections", user=user)
        assert response.status_code == 200, response.text
        return response.json()["connections"]

    def events(self) -> list:
        with self.gateway.engine.connect() as conn:
            return [decode(row.body) for row in conn.execute(sa.select(outbox).order_by(outbox.c.id))]

    def credentials(self, event) -> dict:
        return self.gateway.cipher.decrypt(event.credentials, event.connection_id)

    def attempt_row(self, attempt_id: str):
        from auth_gateway.tables import attempts
        with self.gateway.engine.connect() as conn:
            return conn.execute(sa.select(attempts).where(attempts.c.id == attempt_id)).one()


@pytest.fixture
def make_stack(make_env):
    """build(backend="embedded", plans=FakePlanLimits() | None (real plan-limits), sandbox={...}, **env)."""
    with contextlib.ExitStack() as stack:
        def build(backend: str = "embedded", plans: FakePlanLimits | None | str = "fake",
                  sandbox: dict | None = None, **extra: str) -> Stack:
            sandbox_config = {"auto_approve": True, "auto_approve_pages": 1, **(sandbox or {})}
            sandbox_url = stack.enter_context(serve(sandbox_app(sandbox_config)))
            gateway_port, store_port = free_port(), free_port()
            env = {"POSTMATE_SANDBOX_URL": sandbox_url, "POSTMATE_SANDBOX_AUTO_APPROVE": "1",
                   "POSTMATE_PUBLIC_URL": f"http://127.0.0.1:{gateway_port}",
                   "POSTMATE_CONNECTION_STORE_URL": f"http://127.0.0.1:{store_port}",
                   "POSTMATE_ALLOWED_RETURN_ORIGINS": DASHBOARD_ORIGIN}
            fake = FakePlanLimits() if plans == "fake" else plans
            if fake is not None:
                env["POSTMATE_PLAN_LIMITS_URL"] = stack.enter_context(serve(fake.app()))
            settings = load_settings(make_env(backend, **{**env, **extra}))
            migrate_services(settings, ["auth-gateway", "connection-store"] + (["plan-limits"] if fake is None else []))
            if fake is None:  # the real plan-limits service
                from plan_limits.app import create_app as create_plan_limits
                settings = settings.with_overrides(service_urls={
                    **settings.service_urls, "plan-limits": stack.enter_context(serve(create_plan_limits(settings)))})
            built = Stack(settings, fake, Clock(), sandbox_config)
            stack.enter_context(serve(create_store(settings), port=store_port))
            stack.enter_context(serve(create_gateway(settings, built.gateway), port=gateway_port))
            return built
        yield build


@pytest.fixture
def stack(make_stack) -> Stack:
    return make_stack()


@pytest.fixture
def captured_logs():
    """Everything logged during the test, as the JSON lines production would write."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("test"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous)
