"""Fixtures shared by the whole suite.

`stack` gives a test its own isolated settings on one of two backends:
- "embedded": SQLite files and the filesystem bus under a temporary folder;
- "real": the machine's PostgreSQL (one fresh database per service) and RabbitMQ
  (a namespace of exchange/queue names of its own, deleted afterwards).
Tests that take `backend` run on both. In CI (CI=true) a missing server is a
failure, never a skip.
"""
from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest

from shared.config import SERVICES, Settings, load_settings

pytest_plugins = ["tests.tiers"]

PG_ADMIN_URL = os.environ.get("POSTMATE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
RABBIT_URL = os.environ.get("POSTMATE_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672//")
REPO = Path(__file__).resolve().parent.parent

from tests.support import LogCapture  # noqa: E402


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_servers() -> None:
    missing = [name for name, port in (("PostgreSQL", 5432), ("RabbitMQ", 5672)) if not _reachable("127.0.0.1", port)]
    if missing:
        message = f"{' and '.join(missing)} not reachable on 127.0.0.1"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI requires the real servers)")
        pytest.skip(message)


class PostgresDatabases:
    """Creates throwaway databases on the machine's PostgreSQL."""

    def __init__(self):
        self.created: list[str] = []

    def create(self, prefix: str = "pm") -> str:
        import psycopg
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"

    def drop_all(self) -> None:
        import psycopg
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()


def delete_rabbit_namespace(namespace: str, services=SERVICES) -> None:
    from kombu import Connection
    with Connection(RABBIT_URL) as conn:
        channel = conn.default_channel
        for service in services:
            for queue in (f"{namespace}.{service}", f"{namespace}.{service}.dlq"):
                try:
                    channel.queue_delete(queue)
                except Exception:
                    channel = conn.channel()
        try:
            channel.exchange_delete(f"{namespace}.events")
        except Exception:
            pass


@pytest.fixture(params=["embedded", "real"])
def backend(request) -> str:
    if request.param == "real":
        require_servers()
    return request.param


@pytest.fixture
def make_env(tmp_path, request):
    """Builds POSTMATE_* environments for a backend; cleans up what it created."""
    databases = PostgresDatabases()
    namespaces: list[str] = []

    def build(backend: str = "embedded", **extra: str) -> dict[str, str]:
        namespace = f"t{uuid.uuid4().hex[:10]}"
        env = {
            "POSTMATE_ENV": "test",
            "POSTMATE_DATA_DIR": str(tmp_path / "var"),
            "POSTMATE_BUS_NAMESPACE": namespace,
            "POSTMATE_RETRY_BASE_DELAY_S": "0.05",
            "POSTMATE_RETRY_MAX_ATTEMPTS": "3",
        }
        if backend == "real":
            require_servers()
            env["POSTMATE_BUS_URL"] = RABBIT_URL
            namespaces.append(namespace)
            for service in SERVICES:
                env[f"POSTMATE_{service.upper().replace('-', '_')}_DATABASE_URL"] = databases.create()
        env.update(extra)
        return env

    yield build
    for namespace in namespaces:
        delete_rabbit_namespace(namespace)
    if databases.created:
        databases.drop_all()


@pytest.fixture
def make_settings(make_env):
    def build(backend: str = "embedded", **extra: str) -> Settings:
        return load_settings(make_env(backend, **extra))
    return build


@pytest.fixture
def settings(make_settings, backend) -> Settings:
    """Isolated settings on the parametrised backend, databases migrated."""
    from shared.manage import migrate_services
    settings = make_settings(backend)
    migrate_services(settings)
    return settings


@pytest.fixture
def captured_logs() -> LogCapture:
    """Everything logged during the test: its text as production writes it, `.records` before scrubbing."""
    capture = LogCapture()
    with capture.installed():
        yield capture
