"""plan-limits reservation decisions over HTTP, served by gunicorn (2 workers)
on PostgreSQL, as the gateway asks for them.

Figures: plan_decisions_per_s (concurrent clients, unthrottled) and
plan_decision_p99_ms (a steady 200 decisions/s; each latency runs from the
moment the request was due, so a server that falls behind can't hide it).
Users are a mix: Creator users holding 10 sockets (some decisions approve, the
rest are refused at the limit) and Pro users (always approved). The server is
warmed up first (every worker's database connections open), and the clients run
on the same machine, so the figures include their share of the CPU.
"""
from __future__ import annotations

import http.client
import json
import random
import socket
import threading
import time
from pathlib import Path

import requests

from bench.infra import percentile, process, real_system, wait_until
from plan_limits.bootstrap import bootstrap
from plan_limits.tables import sockets, users
from shared.events import utcnow

USERS, SOCKETS_PER_CREATOR = 2000, 10
PACED_RATE, PACED_SECONDS, PACED_CLIENTS = 200, 8, 8
UNTHROTTLED_CLIENTS, UNTHROTTLED_SECONDS = 16, 5
NETWORKS = ("instagram", "x", "tiktok", "bluesky")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seed(settings) -> None:
    """Every other user on Pro; Creator users hold some sockets already."""
    deps = bootstrap(settings)
    now = utcnow()
    with deps.engine.begin() as conn:
        conn.execute(users.insert(), [{"user_id": f"user-{n}", "plan": "pro" if n % 2 else "creator",
                                       "plan_set_at": now} for n in range(USERS)])
        conn.execute(sockets.insert(), [
            {"connection_id": f"c-{n}-{k}", "user_id": f"user-{n}", "network": "x", "status": "active",
             "version": 1, "updated_at": now}
            for n in range(0, USERS, 2) for k in range(SOCKETS_PER_CREATOR)])
    deps.engine.dispose()


class Client:
    """One keep-alive connection, as the gateway holds one; http.client rather
    than requests so the load generator leaves the CPU to the server."""

    def __init__(self, port: int, token: str):
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.random = random.Random()

    def decide(self) -> None:
        body = {"user_id": f"user-{self.random.randrange(USERS)}", "network": self.random.choice(NETWORKS)}
        self.http.request("POST", "/v1/reservations", json.dumps(body), self.headers)
        response = self.http.getresponse()
        response.read()
        if response.status not in (201, 403):
            raise RuntimeError(f"unexpected HTTP {response.status} from plan-limits")


def _threads(count: int, target) -> None:
    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def paced_p99_ms(port: int, token: str) -> float:
    """Open loop at PACED_RATE: request i is due at start + i / rate."""
    total, start = PACED_RATE * PACED_SECONDS, time.perf_counter() + 0.2
    latencies, next_index, lock = [], iter(range(total)), threading.Lock()

    def worker(_n: int) -> None:
        client = Client(port, token)
        while True:
            with lock:
                i = next(next_index, None)
            if i is None:
                return
            due = start + i / PACED_RATE
            time.sleep(max(0.0, due - time.perf_counter()))
            client.decide()
            latencies.append(time.perf_counter() - due)

    _threads(PACED_CLIENTS, worker)
    return percentile(latencies, 99) * 1000


def unthrottled_rate(port: int, token: str, seconds: float = UNTHROTTLED_SECONDS) -> float:
    counts = [0] * UNTHROTTLED_CLIENTS
    started = time.perf_counter()
    deadline = started + seconds

    def worker(n: int) -> None:
        client = Client(port, token)
        while time.perf_counter() < deadline:
            client.decide()
            counts[n] += 1

    _threads(UNTHROTTLED_CLIENTS, worker)
    return sum(counts) / (time.perf_counter() - started)


def _healthy(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def run() -> dict:
    with real_system() as (env, settings):
        _seed(settings)
        port = _free_port()
        metrics_dir = Path(env["POSTMATE_DATA_DIR"]) / "metrics"
        metrics_dir.mkdir()
        server_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2",
                      "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "POSTMATE_SERVICE_NAME": "plan-limits"}
        base = f"http://127.0.0.1:{port}"
        with process(["-m", "gunicorn", "-c", "python:shared.gunicorn_conf", "plan_limits.app:create_app()"],
                     server_env):
            wait_until(lambda: _healthy(base), timeout=20, interval=0.05)
            # Steady state first: both workers open their database connections (psycopg
            # prepares statements after a few runs on each), outside the measurements.
            unthrottled_rate(port, settings.internal_token, seconds=2)
            p99 = paced_p99_ms(port, settings.internal_token)
            rate = unthrottled_rate(port, settings.internal_token)
    return {"plan_decisions_per_s": round(rate, 1), "plan_decision_p99_ms": round(p99, 2)}


if __name__ == "__main__":
    print(json.dumps(run()))
