"""The refresher between real processes: several replicas over one schedule, and a
replica killed at the worst moment — after the platform rotated the token, before
our commit."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from connection_store.bootstrap import bootstrap as store_bootstrap
from connection_store.bootstrap import consumer as store_consumer
from connection_store.tables import connections
from provider_sandbox.app import create_app as sandbox_app
from shared.config import load_settings
from shared.events import AccountConnected, utcnow, version_at
from shared.manage import declare_bus, migrate_services
from shared.providers.registry import Registry
from testkit.sandbox_platforms import SandboxPlatforms
from tests.fixtures.token_refresher import serve_store
from tests.processes import start_worker, stop, workers
from tests.support import free_port, serve, wait_for
from token_refresher.bootstrap import bootstrap as refresher_bootstrap
from token_refresher.bootstrap import consumer as schedule_consumer
from token_refresher.domain import PlatformError
from token_refresher.tables import schedule

pytestmark = pytest.mark.integration


class Deployment:
    """The sandbox and the store's HTTP side in this process; store consumer and refresher replicas as processes."""

    def __init__(self, env: dict[str, str], sandbox_url: str, logs: Path):
        self.env, self.logs = env, logs
        self.settings = load_settings(env)
        migrate_services(self.settings)
        declare_bus(self.settings)
        self.store = store_bootstrap(self.settings)
        self.refresher = refresher_bootstrap(self.settings)
        self.sandbox = SandboxPlatforms(sandbox_url, Registry(self.settings))
        self.accounts: dict[str, tuple[str, str]] = {}
        self.seeded_version = 0

    def seed(self, count: int, networks: tuple[str, ...], connected_ago=timedelta(minutes=50)) -> list[str]:
        """`count` accounts connected through the sandbox `connected_ago`: all due now, none expired yet."""
        now = utcnow()
        self.seeded_version = version_at(now)
        names = [f"{networks[n % len(networks)]}-{n}" for n in range(count)]
        with ThreadPoolExecutor(8) as pool:
            connected = list(pool.map(lambda n: self.sandbox.connect(networks[n % len(networks)], names[n], now),
                                      range(count)))
        events = []
        for n, (credentials, expires_at) in enumerate(connected):
            cid, network = f"conn-{n}", networks[n % len(networks)]
            self.accounts[cid] = (network, names[n])
            events.append(AccountConnected(
                producer="auth-gateway", user_id=f"user-{n % 97}", connection_id=cid, network=network,
                version=self.seeded_version, occurred_at=now - connected_ago, provider_account_id=names[n],
                handle="@h", token_expires_at=expires_at, credentials=self.refresher.cipher.encrypt(credentials, cid)))
        for start in range(0, count, 500):  # as the bus would deliver them, to both consumers
            store_consumer(self.store).apply_batch(events[start:start + 500])
            schedule_consumer(self.refresher).apply_batch(events[start:start + 500])
        return [event.connection_id for event in events]

    def refreshed_in_store(self) -> int:
        with self.store.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(connections)
                                .where(connections.c.version > self.seeded_version)).scalar_one()

    def stored(self, cid: str):
        with self.store.engine.connect() as conn:
            return conn.execute(sa.select(connections).where(connections.c.id == cid)).one()

    def stored_credentials(self, cid: str) -> dict | None:
        row = self.stored(cid)
        return self.store.cipher.decrypt(row.credentials, cid) if row.credentials else None

    def refreshes(self) -> dict[str, int]:
        """Per connection: the refreshes the platform saw."""
        seen = self.sandbox.stats()["refreshes_by_account"]
        return {cid: seen.get(network, {}).get(name, 0) for cid, (network, name) in self.accounts.items()}

    def usable(self, cid: str) -> bool:
        credentials = self.stored_credentials(cid)
        try:
            self.refresher.platforms.health_check(self.accounts[cid][0], credentials or {})
        except (PlatformError, KeyError):
            return False
        return True

    def row(self, cid: str):
        with self.refresher.engine.connect() as conn:
            return conn.execute(sa.select(schedule).where(schedule.c.connection_id == cid)).one()

    def log_text(self, name: str = "*") -> str:
        return "".join(p.read_text(errors="replace") for p in self.logs.glob(f"{name}.log"))


def _env(make_env, backend: str, sandbox_url: str, **extra) -> dict[str, str]:
    return make_env(backend, POSTMATE_SANDBOX_URL=sandbox_url,
                    POSTMATE_CONNECTION_STORE_URL=f"http://127.0.0.1:{free_port()}", **extra)


@pytest.fixture
def sandbox_10_minute_tokens():
    """Tokens that live 10 minutes, so "due now but not expired" is a real race against time."""
    app = sandbox_app({"auto_approve": True, "expires_in": {n: 600 for n in ("x", "tiktok", "youtube", "pinterest")}})
    with serve(app) as url:
        yield url


@pytest.fixture
def deployment(make_env, backend, sandbox_10_minute_tokens, tmp_path):
    system = Deployment(_env(make_env, backend, sandbox_10_minute_tokens), sandbox_10_minute_tokens, tmp_path)
    with serve_store(system.settings, system.store):
        yield system


def test_three_refreshers_share_2000_due_connections_and_refresh_each_exactly_once(
        make_env, sandbox_10_minute_tokens, tmp_path):
    env = _env(make_env, "real", sandbox_10_minute_tokens, POSTMATE_LOG_LEVEL="DEBUG")
    system = Deployment(env, sandbox_10_minute_tokens, tmp_path)
    cids = system.seed(2000, networks=("x", "tiktok", "youtube", "pinterest"))
    replicas = [start_worker("token_refresher", env, tmp_path / f"refresher-{n}.log") for n in range(3)]
    try:
        with serve_store(system.settings, system.store), workers([("connection_store", env)], tmp_path):
            wait_for(lambda: system.refreshed_in_store() == 2000, timeout=240, interval=0.5,
                     what="every connection refreshed and the store updated")
    finally:
        exits = [stop(replica) for replica in replicas]
    assert exits == [0, 0, 0], "each replica stopped cleanly on SIGTERM"
    assert sorted(system.refreshes().values()) == [1] * 2000, "the sandbox saw exactly one refresh per connection"
    soonest = min(system.stored(cid).token_expires_at for cid in cids)
    assert soonest > utcnow() + timedelta(minutes=5), "none expired: every token was renewed in time"
    assert all(system.usable(cid) for cid in cids[::20]), "the store holds tokens the platform accepts"
    working = [n for n in range(3) if "leased" in system.log_text(f"refresher-{n}")]
    assert len(working) == 3, "all three replicas took a share of the work"
    logs = system.log_text()
    secrets = [value for cid in cids[:200] for key, value in system.stored_credentials(cid).items() if "token" in key]
    assert not any(secret in logs for secret in secrets), "no token in any log"


CRASH_AFTER_ANSWER = """
import os, signal, threading
from datetime import timedelta
from token_refresher.bootstrap import bootstrap, refresh_loop
from token_refresher.policy import Policy
deps = bootstrap(policy=Policy(lease=timedelta(seconds=1)))
def die(*args, **kwargs):                 # the platform has answered (and rotated the token)...
    os.kill(os.getpid(), signal.SIGKILL)  # ...and we die before recording anything
deps.ledger.renewed = die
refresh_loop(deps).run(threading.Event())
"""
RESTARTED = """
from datetime import timedelta
from shared.worker import run_loops
from token_refresher.bootstrap import bootstrap, consumer, refresh_loop, relay
from token_refresher.policy import Policy
deps = bootstrap(policy=Policy(lease=timedelta(seconds=1)))
run_loops({"consumer": consumer(deps).run, "relay": relay(deps).run, "refresh": refresh_loop(deps).run})
"""


@pytest.mark.parametrize("network, afterwards", [
    ("x", "needs_reauth"),   # no grace for a spent refresh token: the user is asked, never left broken
    ("tiktok", "needs_reauth"),
    ("bluesky", "usable"),   # the PDS accepts the spent refresh JWT for 2 h and returns the same successor
])
def test_a_refresher_killed_after_the_platform_answered_leaves_the_connection_usable_or_needing_the_user(
        deployment, network, afterwards):
    (cid,) = deployment.seed(1, networks=(network,))
    env = {**os.environ, **deployment.env}
    crashed = subprocess.Popen([sys.executable, "-c", CRASH_AFTER_ANSWER], env=env, start_new_session=True)
    try:
        assert crashed.wait(60) == -signal.SIGKILL
    finally:
        stop(crashed)
    assert deployment.refreshes()[cid] == 1, "the platform rotated the token..."
    assert deployment.stored(cid).version == deployment.seeded_version, "...and we recorded nothing: the worst moment"

    restarted = subprocess.Popen([sys.executable, "-c", RESTARTED], env=env, start_new_session=True,
                                 stdout=open(deployment.logs / "restarted.log", "ab"), stderr=subprocess.STDOUT)
    try:
        with workers([("connection_store", deployment.env)], deployment.logs):
            if afterwards == "usable":
                wait_for(lambda: deployment.stored(cid).version > deployment.seeded_version, timeout=60,
                         what="the retry to recover the new session")
                assert deployment.stored(cid).status == "active" and deployment.usable(cid)
                renewed = deployment.refresher.platforms.bluesky_refresh(deployment.stored_credentials(cid), utcnow())
                assert renewed.credentials["refresh_token"], "the stored refresh JWT is the live one"
            else:
                wait_for(lambda: deployment.stored(cid).status == "needs_reauth", timeout=60,
                         what="the connection to be marked needs_reauth")
                assert deployment.stored(cid).status_reason == "refresh_token_expired"
                assert "Reconnect" in deployment.stored(cid).status_message
    finally:
        stop(restarted)
    assert deployment.row(cid).lease_owner is None
