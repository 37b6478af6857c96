"""python -m token_refresher.worker: consumes connection events into the schedule,
refreshes what is due, relays the outbox, keeps the gauges current."""
from shared.logs import configure_logging
from shared.worker import run_loops
from token_refresher import SERVICE
from token_refresher.bootstrap import bootstrap, consumer, gauges, refresh_loop, relay


def main() -> None:
    deps = bootstrap()
    configure_logging(SERVICE, deps.settings.log_level)
    run_loops({"consumer": consumer(deps).run, "relay": relay(deps).run, "refresh": refresh_loop(deps).run,
               "gauges": gauges(deps).run}, metrics_port=deps.settings.metrics_port)


if __name__ == "__main__":
    main()
