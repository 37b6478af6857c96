"""plan-limits figures. Counters add up across gunicorn workers; the gauges are
read from the database when /metrics is scraped (`refresh`), so whichever worker
answers reports the same truth ("mostrecent" across processes)."""
from __future__ import annotations

from prometheus_client import Counter, Gauge

from plan_limits import repository

DECISIONS = Counter("plan_limits_decisions_total", "Reservation decisions, by plan and outcome "
                    "(approved, denied, reconnect)", ["plan", "outcome"])
RESERVATIONS_LIVE = Gauge("plan_limits_reservations_live", "Reservations holding a place now",
                          multiprocess_mode="mostrecent")
RESERVATIONS_EXPIRED = Counter("plan_limits_reservations_expired_total",
                               "Reservations that ran out before their attempt ended")
SOCKETS = Gauge("plan_limits_sockets", "Sockets (active or needs_reauth connections), by plan", ["plan"],
                multiprocess_mode="mostrecent")


def refresh(*, sessions, clock, default_plan: str) -> None:
    with sessions() as session:
        RESERVATIONS_LIVE.set(repository.live_reservations(session, clock()))
        for plan, count in repository.sockets_by_plan(session, default_plan).items():
            SOCKETS.labels(plan).set(count)
