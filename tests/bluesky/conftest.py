"""The Bluesky connect's world: tests/auth_gateway's stack (provider sandbox, fake or
real plan-limits, connection-store and the gateway, all over HTTP on loopback), with
the gateway served by an app whose DNS the test controls (`world.resolver`)."""
from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from auth_gateway.app import create_app as create_gateway
from auth_gateway.bluesky import wiring
from auth_gateway.tables import attempts
from tests.auth_gateway.conftest import Stack, captured_logs, make_stack  # noqa: F401 (fixtures reused)
from tests.bluesky.stand_ins import StaticResolver, StubPds
from tests.support import serve

APP_PASSWORD = "abcd-efgh-ij23-kl45"
MAIN_PASSWORD = "main-main-main-main"  # a main password that happens to look like an app password
ALLOW_PRIVATE = {"POSTMATE_BLUESKY_ALLOW_PRIVATE_SERVICE": "1"}


class World:
    def __init__(self, stack: Stack, resolver: StaticResolver):
        self.stack, self.resolver = stack, resolver

    def connect(self, handle: str = "alice.sandbox", app_password: str = APP_PASSWORD, user: str = "user-1",
                address: str | None = None, **body) -> requests.Response:
        headers = {"X-PostMate-Client-Address": address} if address else {}
        return self.stack.api("POST", "/v1/connections/bluesky", user=user, headers=headers,
                              json={"handle": handle, "app_password": app_password, **body})

    def stats(self) -> dict:
        return self.stack.sandbox("GET", "stats")["networks"]["bluesky"]

    def open_sessions(self, account: str) -> int:
        listed = self.stack.sandbox("GET", "accounts")["accounts"]
        return next((a["bluesky_sessions"] for a in listed if a["name"] == account), 0)

    def attempts(self) -> list:
        with self.stack.gateway.engine.connect() as conn:
            return conn.execute(sa.select(attempts).order_by(attempts.c.created_at)).all()

    def assert_nothing_stored(self, user: str = "user-1") -> None:
        """No event, no connection, and no socket held: every reservation made was given back."""
        assert self.stack.events() == []
        assert self.stack.connections(user) == []
        if self.stack.plans is not None:
            assert self.stack.plans.live == {}, "a reservation was left behind"
        for row in self.attempts():
            assert row.status == "failed" and row.reservation_released_at is not None
            assert self.stack.plans is None or row.reservation_id in self.stack.plans.released

    def data_files(self) -> list[Path]:
        """Every file the services wrote: SQLite databases (with their WAL), bus messages."""
        return [p for p in Path(self.stack.settings.data_dir).rglob("*") if p.is_file()]


@pytest.fixture
def make_world(make_stack):
    """build(plans="fake"|FakePlanLimits|None, sandbox={...}, **POSTMATE_* env) → World."""
    with contextlib.ExitStack() as exits:
        def build(plans="fake", sandbox: dict | None = None, **env: str) -> World:
            stack = make_stack(plans=plans, sandbox=sandbox, **env)
            resolver = StaticResolver()
            app = create_gateway(stack.settings, stack.gateway)  # the same gateway, with a DNS the test controls
            app.extensions["bluesky"] = wiring.build(stack.settings, stack.gateway.registry, resolver)
            stack.base = exits.enter_context(serve(app))
            return World(stack, resolver)
        yield build


@pytest.fixture
def world(make_world) -> World:
    return make_world()


@pytest.fixture
def stub_pds():
    stub = StubPds()
    with serve(stub.app()) as url:
        stub.url = url
        yield stub


@pytest.fixture
def log_records():
    """Every log record of the test as the code emitted it, before any scrubbing."""
    import logging

    class Keep(logging.Handler):
        def __init__(self):
            super().__init__(logging.DEBUG)
            self.records: list[logging.LogRecord] = []

        def emit(self, record):
            self.records.append(record)

    keep, root = Keep(), logging.getLogger()
    previous = root.level
    root.addHandler(keep)
    root.setLevel(logging.DEBUG)
    yield keep.records
    root.removeHandler(keep)
    root.setLevel(previous)


def raw_text(records) -> str:
    """What the records would say unscrubbed: message, arguments and exception text."""
    import logging
    formatter = logging.Formatter()
    return "\n".join(record.getMessage() + (formatter.formatException(record.exc_info) if record.exc_info else "")
                     for record in records)
