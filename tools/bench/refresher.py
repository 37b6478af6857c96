"""Token refresher: refresh throughput over 100,000 stored connections, and the
due-work query among 1,000,000 schedule rows — on PostgreSQL and RabbitMQ.

Figures:
- refreshes_per_s: refresher worker processes (`python -m token_refresher.worker`)
  over 100,000 stored connections, of which LIVE are due now (real grants made
  through the provider sandbox's OAuth flow) and the rest due over the next weeks:
  credentials read from connection-store (gunicorn; a lease batch per call),
  refresh-token grants at the provider sandbox (gunicorn, one worker: its state
  is in memory), outcome + TokenRefreshed committed and relayed to RabbitMQ. Counted over a fixed window
  after a warm-up; the store's consumer is not running (its cost is the pipeline
  benchmark's), so the figure is the refresher's own pace. The deployment is the
  default one (policy defaults, gunicorn counts below); seeding retries a connect
  flow that hit a kept-alive connection the sandbox had just closed. The figure is
  CPU-bound (every process shares the 2 cores) and moves with other load on the machine.
- due_lookup_ms_at_1m: the refresher's due-work query (FOR UPDATE SKIP LOCKED,
  LIMIT 100) among 1,000,000 schedule rows (1% due), median of 30; plus the whole
  lease statement (`lease_100_ms_at_1m`) and whether EXPLAIN shows the index
  (`due_lookup_uses_index`).
"""
from __future__ import annotations

import json
import socket
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import timedelta

import psycopg
import requests
import sqlalchemy as sa

from bench.infra import process, real_system, wait_until
from shared.events import utcnow, version_at
from shared.providers.registry import Registry
from testkit.sandbox_platforms import SandboxPlatforms
from token_refresher import schedule as statements
from token_refresher.bootstrap import bootstrap as refresher_bootstrap

CONNECTIONS = 100_000
LIVE = 20_000  # due now, with real sandbox grants: more than warm-up + window use up at 700/s
NETWORKS = ("x", "tiktok", "youtube", "pinterest")
REFRESHERS = 2  # worker processes (this machine has 2 cores)
WARMUP_S, WINDOW_S = 5, 20
SCHEDULE_ROWS = 1_000_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _gunicorn(app: str, port: int, workers: int, threads: int) -> tuple[list[str], dict[str, str]]:
    return (["-m", "gunicorn", "-c", "python:shared.gunicorn_conf", app],
            {"GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers),
             "GUNICORN_THREADS": str(threads)})


def _started(url: str) -> None:
    def up():
        try:
            return requests.get(url, timeout=1).status_code < 500
        except requests.RequestException:
            return False
    wait_until(up, timeout=30, interval=0.1)


def _pg(settings, service: str) -> str:
    return settings.database_url(service).replace("postgresql+psycopg://", "postgresql://")


def _grants(settings, platform_url: str) -> list[tuple[str, dict]]:
    """LIVE sandbox accounts approving Post Mate, through the gateway's own OAuth client."""
    sandbox = SandboxPlatforms(platform_url, Registry(settings.with_overrides(sandbox_url=platform_url)))
    now = utcnow()

    def connect(n: int) -> tuple[str, dict]:
        network = NETWORKS[n % len(NETWORKS)]
        for attempt in range(3):  # now and then a kept-alive connection the sandbox just closed fails a step
            try:
                return network, sandbox.connect(network, f"bench-{n}", now)[0]
            except requests.ConnectionError:
                if attempt == 2:
                    raise
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(connect, range(LIVE)))


def _seed(settings, cipher, platform_url: str) -> None:
    """100,000 connections in the store and in the schedule; LIVE of them due now, none expired."""
    now = utcnow()
    version, expires, due = version_at(now), now + timedelta(minutes=30), now - timedelta(minutes=1)
    live = _grants(settings, platform_url)
    rows = []
    for n in range(CONNECTIONS):
        network, credentials = live[n] if n < LIVE else \
            (NETWORKS[n % len(NETWORKS)], {"access_token": f"later-{n}", "refresh_token": f"later-{n}"})
        rows.append((f"bench-{n}", f"user-{n % 5000}", network, credentials,
                     due if n < LIVE else now + timedelta(hours=1, minutes=n % 40_000)))
    with psycopg.connect(_pg(settings, "connection-store")) as conn, conn.cursor() as cur:
        with cur.copy("COPY connections (id, user_id, network, provider_account_id, handle, status, scopes, "
                      "credentials, token_expires_at, connected_at, updated_at, version) FROM STDIN") as copy:
            for cid, user, network, credentials, _ in rows:
                copy.write_row((cid, user, network, cid, "@b", "active", "[]", cipher.encrypt(credentials, cid),
                                expires, now, now, version))
    with psycopg.connect(_pg(settings, "token-refresher")) as conn, conn.cursor() as cur:
        with cur.copy("COPY schedule (connection_id, user_id, network, state, kind, token_expires_at, issued_at, "
                      "planned_at, due_at, store_version, updated_at) FROM STDIN") as copy:
            for cid, user, network, _, due_at in rows:
                copy.write_row((cid, user, network, "active", "refresh", expires, now - timedelta(hours=1), due_at,
                                due_at, version, now))
        cur.execute("ANALYZE schedule")


def _refreshed(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM schedule WHERE last_outcome = 'refreshed'")).scalar_one()


def refreshes_per_s(env: dict[str, str], settings) -> float:
    deps = refresher_bootstrap(settings)
    with ExitStack() as stack:
        platform_port, store_url = free_port(), settings.service_url("connection-store")
        argv, extra = _gunicorn("provider_sandbox.app:create_app()", platform_port, 1, 16)
        stack.enter_context(process(argv, {**env, **extra, "POSTMATE_SANDBOX_AUTO_APPROVE": "1"}))
        argv, extra = _gunicorn("connection_store.app:create_app()", int(store_url.rsplit(":", 1)[1]), 2, 8)
        stack.enter_context(process(argv, {**env, **extra}))
        platform_url = f"http://127.0.0.1:{platform_port}"
        _started(f"{platform_url}/healthz")
        _started(f"{store_url}/healthz")
        _seed(settings, deps.cipher, platform_url)
        worker_env = {**env, "POSTMATE_SANDBOX_URL": platform_url}
        for n in range(REFRESHERS):
            stack.enter_context(process(["-m", "token_refresher.worker"], worker_env))
        wait_until(lambda: _refreshed(deps.engine) > 0, timeout=60, interval=0.2)
        time.sleep(WARMUP_S)
        before, start = _refreshed(deps.engine), time.perf_counter()
        time.sleep(WINDOW_S)
        after, elapsed = _refreshed(deps.engine), time.perf_counter() - start
    deps.engine.dispose()
    if after >= LIVE:
        print(f"  (all {LIVE} due connections were refreshed before the window closed: raise LIVE)", flush=True)
    return (after - before) / elapsed


def _fill_schedule(url: str) -> None:
    """1,000,000 rows: tokens expiring over 60 days, 1% due now, a few needing the user."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE schedule")
        conn.execute("""
            INSERT INTO schedule (connection_id, user_id, network, state, kind, token_expires_at, issued_at,
                                  planned_at, due_at, store_version, updated_at)
            SELECT 'c' || g, 'u' || (g %% 20000),
                   (ARRAY['x','tiktok','youtube','pinterest','linkedin','instagram','threads','facebook',
                          'mastodon','bluesky'])[1 + g %% 10],
                   CASE WHEN g %% 97 = 0 THEN 'needs_reauth' ELSE 'active' END, 'refresh',
                   now() + (g %% 5184000) * interval '1 second', now() - interval '1 day',
                   d, d, 1, now()
            FROM generate_series(1, %s) AS g,
                 LATERAL (SELECT CASE WHEN g %% 100 = 0 THEN now() - (g %% 3600) * interval '1 second'
                                      ELSE now() + (g %% 5184000) * interval '1 second' END AS d) AS due
        """, (SCHEDULE_ROWS,))
        conn.execute("VACUUM ANALYZE schedule")


def due_lookup(settings) -> dict:
    _fill_schedule(_pg(settings, "token-refresher"))
    deps = refresher_bootstrap(settings)
    query = statements.due_query(utcnow(), 100).with_for_update(skip_locked=True)
    lookups, leases = [], []
    with deps.engine.connect() as conn:
        sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        plan = "\n".join(r[0] for r in conn.execute(sa.text("EXPLAIN " + sql)))
        conn.rollback()
        for _ in range(30):
            start = time.perf_counter()
            found = conn.execute(query).all()
            lookups.append((time.perf_counter() - start) * 1000)
            conn.rollback()
    with deps.sessions() as session:  # the whole lease statement, rolled back each time
        for _ in range(30):
            now = utcnow()
            start = time.perf_counter()
            leased = statements.lease_due(session, "bench", now, now + timedelta(minutes=2), 100)
            leases.append((time.perf_counter() - start) * 1000)
            session.rollback()
    deps.engine.dispose()
    assert len(found) == 100 and len(leased) == 100
    print("  (due-work plan: " + " / ".join(line.strip() for line in plan.splitlines()[:4]) + ")", flush=True)
    return {"due_lookup_ms_at_1m": round(statistics.median(lookups), 2),
            "lease_100_ms_at_1m": round(statistics.median(leases), 2),
            "due_lookup_uses_index": "ix_schedule_state_due" in plan and "Seq Scan" not in plan}


def run() -> dict:
    with real_system(POSTMATE_CONNECTION_STORE_URL=f"http://127.0.0.1:{free_port()}") as (env, settings):
        rate = refreshes_per_s(env, settings)
        print(f"  (refreshes_per_s {rate:.1f}; filling {SCHEDULE_ROWS:,} schedule rows)", flush=True)
        lookup = due_lookup(settings)
    return {"refreshes_per_s": round(rate, 1), **lookup}


if __name__ == "__main__":
    print(json.dumps(run()))
