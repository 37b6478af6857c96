"""The refresher's world for tests: the provider sandbox and connection-store served
over HTTP, and the refresher in this process with a clock the test moves (the
sandbox's clock moves with it, so token ages and expiries agree).

Events travel as the bus would carry them, through the real consumers
(`world.publish`, `world.deliver`), so a test reads as a story without a broker;
test_processes.py runs the same between real processes.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from connection_store.app import create_app as store_app
from connection_store.bootstrap import bootstrap as store_bootstrap
from connection_store.bootstrap import consumer as store_consumer
from connection_store.tables import connections
from provider_sandbox.app import create_app as sandbox_app
from shared.config import load_settings
from shared.events import AccountConnected, Event, decode, utcnow, version_at
from shared.manage import migrate_services
from shared.providers.registry import Registry
from tests.conftest import free_port
from tests.support import serve
from tests.token_refresher.sandbox import SandboxPlatforms
from token_refresher.bootstrap import bootstrap as refresher_bootstrap
from token_refresher.bootstrap import consumer as schedule_consumer
from token_refresher.bootstrap import refresh_loop
from token_refresher.domain import PlatformError
from token_refresher.policy import Policy
from token_refresher.tables import outbox, schedule


class Clock:
    """The refresher's notion of now; tests move it instead of waiting."""

    def __init__(self, start: datetime | None = None):
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return self.now


class World:
    def __init__(self, settings, sandbox: SandboxPlatforms, clock: Clock, policy: Policy):
        self.settings, self.sandbox, self.clock = settings, sandbox, clock
        self.store = store_bootstrap(settings)
        self.refresher = refresher_bootstrap(settings, clock=clock, policy=policy)
        self._store_consumer = store_consumer(self.store)
        self._schedule_consumer = schedule_consumer(self.refresher)
        self.loop = refresh_loop(self.refresher)
        self.accounts: dict[str, tuple[str, str]] = {}  # connection id → (network, sandbox account)

    # -- the story -----------------------------------------------------------------------
    def connect(self, network: str, name: str | None = None, cid: str | None = None) -> str:
        """A sandbox account approves Post Mate (the gateway's OAuth client does the flow) and
        AccountConnected reaches the store and the refresher."""
        event = self.grant(network, name, cid)
        self.publish(event)
        return event.connection_id

    def grant(self, network: str, name: str | None = None, cid: str | None = None) -> AccountConnected:
        """The approval alone: the AccountConnected the gateway emits, not delivered yet."""
        name = name or f"{network}-{len(self.accounts)}-{version_at(utcnow()) % 100_000}"
        credentials, expires_at = self.sandbox.connect(network, name, self.clock())
        cid = cid or f"conn-{name}"
        self.accounts[cid] = (network, name)
        return AccountConnected(
            producer="auth-gateway", user_id="user-1", connection_id=cid, network=network,
            version=version_at(self.clock()), occurred_at=self.clock(), provider_account_id=name,
            handle=f"@{name}", token_expires_at=expires_at,
            credentials=self.refresher.cipher.encrypt(credentials, cid))

    def publish(self, *events: Event) -> None:
        for event in events:
            self._store_consumer.apply(event)
            self._schedule_consumer.apply(event)

    def deliver(self) -> list[Event]:
        """Relay the refresher's outbox to both consumers; returns what it carried."""
        with self.refresher.engine.begin() as conn:
            rows = conn.execute(sa.select(outbox).order_by(outbox.c.id)).all()
            conn.execute(outbox.delete())
        events = [decode(row.body) for row in rows]
        self.publish(*events)
        return events

    def pending(self) -> list[Event]:
        with self.refresher.engine.connect() as conn:
            return [decode(r.body) for r in conn.execute(sa.select(outbox).order_by(outbox.c.id))]

    def run_due(self) -> int:
        return self.loop.run_once()

    def advance(self, **delta) -> None:
        """Time passes, here and at the platforms."""
        self.clock.now += timedelta(**delta)
        self.sandbox.advance(timedelta(**delta))

    def make_due(self, cid: str) -> None:
        """Time passes until the connection's next work is due."""
        wait = self.row(cid).due_at - self.clock()
        if wait > timedelta(0):
            self.advance(seconds=wait.total_seconds())

    # -- what is where -------------------------------------------------------------------
    def row(self, cid: str):
        with self.refresher.engine.connect() as conn:
            return conn.execute(sa.select(schedule).where(schedule.c.connection_id == cid)).one_or_none()

    def stored(self, cid: str):
        with self.store.engine.connect() as conn:
            return conn.execute(sa.select(connections).where(connections.c.id == cid)).one()

    def stored_credentials(self, cid: str) -> dict | None:
        row = self.stored(cid)
        return self.store.cipher.decrypt(row.credentials, cid) if row.credentials else None

    def refreshes(self, cid: str) -> int:
        return self.sandbox.refreshes(*self.accounts[cid])

    def usable(self, cid: str) -> bool:
        """Does the platform accept the access token the store holds (an identity call)?"""
        credentials = self.stored_credentials(cid)
        if credentials is None:
            return False
        try:
            self.refresher.platforms.health_check(self.accounts[cid][0], credentials)
        except PlatformError:
            return False
        return True


@pytest.fixture
def sandbox_url():
    with serve(sandbox_app({"auto_approve": True})) as url:
        yield url


@pytest.fixture
def world_env(make_env, backend, sandbox_url):
    """POSTMATE_* for this backend, pointing at the sandbox and a store about to be served."""
    return make_env(backend, POSTMATE_SANDBOX_URL=sandbox_url,
                    POSTMATE_CONNECTION_STORE_URL=f"http://127.0.0.1:{free_port()}")


def serve_store(settings, store):
    return serve(store_app(settings, store), port=int(settings.service_url("connection-store").rsplit(":", 1)[1]))


@pytest.fixture
def world(world_env, sandbox_url):
    settings = load_settings(world_env)
    migrate_services(settings)
    world = World(settings, SandboxPlatforms(sandbox_url, Registry(settings)), Clock(), Policy())
    with serve_store(settings, world.store):
        yield world
