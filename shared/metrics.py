"""Metrics of the delivery machinery every service shares.

prometheus-client's multiprocess mode makes /metrics correct under several
gunicorn workers: the launcher points PROMETHEUS_MULTIPROC_DIR at one folder per
service (before anything imports prometheus_client), and the service's worker
process writes there too, so its consumer and relay figures show up on the
service's /metrics. A worker in a container of its own (docker compose) serves
its figures itself on POSTMATE_METRICS_PORT instead. Labels stay bounded: service, event type, outcome.
"""
from __future__ import annotations

import os

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)

OUTBOX_BACKLOG = Gauge("postmate_outbox_backlog", "Events written but not yet confirmed by the broker",
                       ["service"], multiprocess_mode="livemax")
RELAY_PUBLISHED = Counter("postmate_relay_published_total", "Events published with confirms", ["service"])
RELAY_FAILURES = Counter("postmate_relay_failures_total", "Relay passes that failed (broker down, …)", ["service"])
CONSUMED = Counter("postmate_consumer_messages_total", "Messages consumed, by outcome",
                   ["service", "event_type", "outcome"])
DEAD_LETTERS = Counter("postmate_consumer_dead_letters_total", "Messages parked in the dead-letter queue",
                       ["service"])
CONSUMER_LAG = Histogram("postmate_consumer_lag_seconds", "From the event's occurrence to its commit here",
                         ["service"], buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300))
HTTP_REQUESTS = Counter("postmate_http_requests_total", "HTTP requests answered", ["service", "method", "status"])
HTTP_LATENCY = Histogram("postmate_http_request_seconds", "HTTP request latency", ["service"])


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def render() -> bytes:
    return generate_latest(_registry())


def serve_worker_metrics(port: int):
    """/metrics for a worker process that has no web process beside it (its own container)."""
    server, _ = start_http_server(port, registry=_registry())
    return server
