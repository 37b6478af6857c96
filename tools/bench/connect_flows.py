"""OAuth connect flows through the gateway, end to end: gateway (gunicorn) with
its relay, provider sandbox, plan-limits, connection-store and its consumer, on
RabbitMQ and PostgreSQL. Each flow is what a dashboard and a browser do:
create the attempt, open the start URL, consent (auto-approved), come back to
the callback, then list the user's connections until the new one is there.

Figures: connect_flows_per_s (concurrent flows, unthrottled) and
callback_to_listed_p50_ms / _p99_ms (a steady 20 flows/s; from sending the
callback request to the first listing that shows the connection). Networks
rotate over all nine OAuth networks.
"""
from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from bench.infra import percentile, process, real_system, wait_until
from shared import providers

NETWORKS = tuple(spec.id for spec in providers.specs() if spec.auth_kind == "oauth")  # every OAuth flow
UNTHROTTLED_FLOWS, UNTHROTTLED_CLIENTS = 240, 8
PACED_RATE, PACED_SECONDS = 20, 8
DASHBOARD = "bench-dashboard-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _gunicorn(target: str, port: int, workers: int, threads: int) -> tuple[list[str], dict[str, str]]:
    return (["-m", "gunicorn", "-c", "python:shared.gunicorn_conf", target],
            {"GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers),
             "GUNICORN_THREADS": str(threads)})


class Flow:
    """One user connecting one account: the dashboard's calls and the browser's hops."""
    local = threading.local()

    def __init__(self, gateway: str, n: int):
        self.gateway, self.user, self.network = gateway, f"bench-user-{n}", NETWORKS[n % len(NETWORKS)]

    def _api(self, method: str, path: str, **kwargs) -> requests.Response:
        if not hasattr(self.local, "api"):  # one keep-alive session per client thread, as a dashboard holds
            self.local.api = requests.Session()
        headers = {"Authorization": f"Bearer {DASHBOARD}", "X-PostMate-User": self.user}
        return self.local.api.request(method, self.gateway + path, headers=headers, timeout=30, **kwargs)

    def run(self) -> float:
        """Runs the flow; returns seconds from sending the callback to seeing the connection listed."""
        body = {"instance": "bench.example"} if self.network == "mastodon" else {}
        attempt = self._api("POST", f"/v1/connections/{self.network}/attempts", json=body)
        if attempt.status_code != 201:
            raise RuntimeError(f"attempt refused: {attempt.status_code} {attempt.text[:200]}")
        browser = requests.Session()
        consent = browser.get(attempt.json()["start_url"], allow_redirects=False, timeout=30).headers["Location"]
        callback = browser.get(consent, allow_redirects=False, timeout=30).headers["Location"]
        started = time.perf_counter()
        page = browser.get(callback, allow_redirects=False, timeout=30)
        if page.status_code != 200:
            raise RuntimeError(f"{self.network} callback answered {page.status_code}")
        wait_until(lambda: self._listed(), timeout=10, interval=0.002)
        return time.perf_counter() - started

    def _listed(self) -> bool:
        return bool(self._api("GET", "/v1/connections").json()["connections"])


def unthrottled_rate(gateway: str, offset: int) -> float:
    with ThreadPoolExecutor(UNTHROTTLED_CLIENTS) as pool:
        started = time.perf_counter()
        list(pool.map(lambda n: Flow(gateway, offset + n).run(), range(UNTHROTTLED_FLOWS)))
        return UNTHROTTLED_FLOWS / (time.perf_counter() - started)


def paced_latencies(gateway: str, offset: int) -> list[float]:
    """Open loop: flow i starts at start + i / rate, whatever the earlier ones are doing."""
    total = PACED_RATE * PACED_SECONDS
    with ThreadPoolExecutor(32) as pool:
        start, futures = time.perf_counter(), []
        for n in range(total):
            time.sleep(max(0.0, start + n / PACED_RATE - time.perf_counter()))
            futures.append(pool.submit(Flow(gateway, offset + n).run))
        return [f.result() for f in futures]


def run() -> dict:
    ports = {name: _free_port() for name in ("auth-gateway", "connection-store", "plan-limits", "sandbox")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    extra = {"POSTMATE_DASHBOARD_TOKEN": DASHBOARD, "POSTMATE_SANDBOX_URL": urls["sandbox"],
             "POSTMATE_PUBLIC_URL": urls["auth-gateway"], "POSTMATE_AUTH_GATEWAY_URL": urls["auth-gateway"],
             "POSTMATE_CONNECTION_STORE_URL": urls["connection-store"], "POSTMATE_PLAN_LIMITS_URL": urls["plan-limits"],
             "POSTMATE_DEFAULT_PLAN": "pro", "POSTMATE_SANDBOX_AUTO_APPROVE": "1",
             "POSTMATE_SANDBOX_AUTO_APPROVE_PAGES": "1"}
    with real_system(**extra) as (env, _settings):
        # Sized for a small machine (2 cores here): more processes than cores only adds switching.
        servers = [_gunicorn("provider_sandbox.app:create_app_from_env()", ports["sandbox"], 1, 16),
                   _gunicorn("plan_limits.app:create_app()", ports["plan-limits"], 1, 8),
                   _gunicorn("connection_store.app:create_app()", ports["connection-store"], 1, 8),
                   _gunicorn("auth_gateway.app:create_app()", ports["auth-gateway"], 2, 8)]
        workers = [(["-m", "connection_store.worker"], {}), (["-m", "auth_gateway.worker"], {})]
        with contextlib.ExitStack() as running:
            for argv, own in [*servers, *workers]:
                running.enter_context(process(argv, {**env, **own}))
            for url in urls.values():
                wait_until(lambda u=url: _healthy(u), timeout=30, interval=0.1)
            for n in range(len(NETWORKS) * 2):  # warm up every network (and Mastodon's app registration)
                Flow(urls["auth-gateway"], 900_000 + n).run()
            # The steady rate first, so its latencies don't include the burst's backlog (relay, consumer).
            latencies = paced_latencies(urls["auth-gateway"], 100_000)
            rate = unthrottled_rate(urls["auth-gateway"], 0)
    return {"connect_flows_per_s": round(rate, 1),
            "callback_to_listed_p50_ms": round(percentile(latencies, 50) * 1000, 2),
            "callback_to_listed_p99_ms": round(percentile(latencies, 99) * 1000, 2)}


def _healthy(url: str) -> bool:
    try:
        return requests.get(url + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


if __name__ == "__main__":
    print(json.dumps(run()))
