"""Throwaway real infrastructure for benchmarks: PostgreSQL databases and a bus
namespace of their own on the machine's servers, and a data folder (the processes'
logs), removed afterwards — the folder is kept when the benchmark failed."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg

from shared.config import SERVICES, load_settings
from shared.manage import declare_bus, migrate_services

PG_ADMIN = os.environ.get("POSTMATE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
AMQP = os.environ.get("POSTMATE_BENCH_AMQP", "amqp://guest:guest@127.0.0.1:5672//")


@contextmanager
def real_system(**extra: str):
    """Yields (env, settings) for a fresh, migrated system on RabbitMQ + PostgreSQL."""
    names = {service: f"bench_{uuid.uuid4().hex[:10]}" for service in SERVICES}
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'CREATE DATABASE "{name}"')
    folder = tempfile.mkdtemp(prefix="postmate-bench-")
    env = {"POSTMATE_ENV": "test", "POSTMATE_DATA_DIR": folder, "POSTMATE_BUS_URL": AMQP,
           "POSTMATE_BUS_NAMESPACE": f"bench{uuid.uuid4().hex[:8]}", "POSTMATE_LOG_LEVEL": "WARNING", **extra}
    for service, name in names.items():
        env[f"POSTMATE_{service.upper().replace('-', '_')}_DATABASE_URL"] = \
            f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    settings = load_settings(env)
    migrate_services(settings)
    declare_bus(settings)
    try:
        yield env, settings
    except BaseException:
        print(f"  (the processes' logs are kept in {folder})", file=sys.stderr, flush=True)
        raise
    else:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        _delete_namespace(settings)
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for name in names.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _delete_namespace(settings) -> None:
    from kombu import Connection
    with Connection(AMQP) as conn:
        for service in SERVICES:
            for queue in (f"{settings.bus_namespace}.{service}", f"{settings.bus_namespace}.{service}.dlq"):
                try:
                    conn.channel().queue_delete(queue)
                except Exception:
                    pass
        try:
            conn.channel().exchange_delete(f"{settings.bus_namespace}.events")
        except Exception:
            pass


@contextmanager
def process(argv: list[str], env: dict[str, str]):
    log = Path(env["POSTMATE_DATA_DIR"]) / f"{argv[-1].replace('/', '_')}.log"
    child = subprocess.Popen([sys.executable, *argv], env={**os.environ, **env},
                             stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(15)
        except subprocess.TimeoutExpired:
            child.kill()


def wait_until(check, timeout: float, interval: float = 0.005) -> float:
    """Seconds until `check()` is true; raises after `timeout`."""
    start = time.perf_counter()
    while not check():
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"benchmark condition not reached in {timeout}s")
        time.sleep(interval)
    return time.perf_counter() - start


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
