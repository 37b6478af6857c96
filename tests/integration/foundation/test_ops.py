"""Every service: /healthz, /readyz (database and bus), /metrics correct under
several gunicorn workers, JSON errors, graceful shutdown."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest
import requests

from shared.config import SERVICES, load_settings
from shared.manage import PACKAGES, migrate_services
from tests.processes import start_worker, stop
from tests.support import free_port, wait_for


def app_for(service, settings):
    module = __import__(f"{PACKAGES[service]}.app", fromlist=["create_app"])
    return module.create_app(settings)


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_healthy_and_ready_with_its_database_and_bus(service, settings):
    client = app_for(service, settings).test_client()
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["checks"] == {"database": "ok", "bus": "ok"}
    assert b"postmate_http_requests_total" in client.get("/metrics").data


@pytest.mark.parametrize("service", SERVICES)
def test_readiness_says_which_dependency_is_missing(service, make_settings):
    settings = make_settings(**{f"POSTMATE_{service.upper().replace('-', '_')}_DATABASE_URL":
                                f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none",
                                "POSTMATE_BUS_URL": f"amqp://guest:guest@127.0.0.1:{free_port()}//"})
    ready = app_for(service, settings).test_client().get("/readyz")
    assert ready.status_code == 503
    assert ready.json["checks"]["database"].startswith("unavailable")
    assert ready.json["checks"]["bus"].startswith("unavailable")


def test_unknown_routes_and_methods_answer_json_with_a_sentence(make_settings):
    client = app_for("connection-store", make_settings()).test_client()
    assert client.get("/nowhere").status_code == 404 and client.get("/nowhere").json["message"]
    assert client.post("/healthz").status_code == 405 and client.post("/healthz").json["error"]


def test_metrics_add_up_across_gunicorn_workers_and_shutdown_is_graceful(make_env, tmp_path):
    env = make_env()
    migrate_services(load_settings(env), ["connection-store"])
    port = free_port()
    metrics_dir = tmp_path / "metrics"  # not there yet: gunicorn makes it (as in a fresh container)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:shared.gunicorn_conf", "connection_store.app:create_app()"],
        env={**os.environ, **env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "GUNICORN_WORKERS": "3",
             "GUNICORN_BIND": f"127.0.0.1:{port}"}, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _up(base), timeout=30, what="gunicorn to listen")
        token = {"Authorization": "Bearer dev-internal-token"}
        for _ in range(60):
            response = requests.get(f"{base}/v1/connections?user_id=u", headers=token, timeout=5)
            assert response.status_code == 200
        # Workers are separate processes; the figure must be their sum whichever worker answers.
        for _ in range(5):
            text = requests.get(f"{base}/metrics", timeout=5).text
            pattern = r'postmate_http_requests_total\{method="GET",service="connection-store",status="200"\} (\S+)'
            assert float(re.search(pattern, text).group(1)) == 60.0
        assert len(list(metrics_dir.glob("counter_*.db"))) >= 2, "requests should have spread over workers"
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(20) == 0


def _up(base):
    try:
        return requests.get(base + "/healthz", timeout=1).status_code == 200
    except (requests.ConnectionError, requests.Timeout):
        return False


def test_a_worker_stops_cleanly_on_sigterm(make_env, tmp_path):
    env = make_env()
    migrate_services(load_settings(env), ["connection-store"])
    worker = start_worker("connection_store", env, tmp_path / "w.log")
    wait_for(lambda: "consuming" in (tmp_path / "w.log").read_text(), what="the consumer to start")
    assert stop(worker) == 0
    assert "worker stopped" in (tmp_path / "w.log").read_text()


@pytest.mark.parametrize("service, figure", [
    ("connection-store", "# TYPE postmate_consumer_messages_total counter"),
    ("plan-limits", "# TYPE postmate_consumer_messages_total counter"),
    ("auth-gateway", "# TYPE postmate_outbox_backlog gauge"),
    ("token-refresher", "# TYPE token_refresher_refreshes_total counter"),
])
def test_a_worker_in_a_container_of_its_own_serves_its_figures(make_env, tmp_path, service, figure):
    env = make_env(POSTMATE_METRICS_PORT=str(port := free_port()))
    migrate_services(load_settings(env), [service])
    worker = start_worker(PACKAGES[service], env, tmp_path / "w.log")
    try:
        text = wait_for(lambda: _metrics(f"http://127.0.0.1:{port}/metrics"), timeout=30, what="worker /metrics")
        assert figure in text
    finally:
        assert stop(worker) == 0


def _metrics(url):
    try:
        return requests.get(url, timeout=1).text
    except (requests.ConnectionError, requests.Timeout):
        return None
