"""python -m connection_store.worker: consumes the bus into the store."""
from connection_store import SERVICE
from connection_store.bootstrap import bootstrap, consumer
from shared.logs import configure_logging
from shared.worker import run_loops


def main() -> None:
    deps = bootstrap()
    configure_logging(SERVICE, deps.settings.log_level)
    run_loops({"consumer": consumer(deps).run}, metrics_port=deps.settings.metrics_port)


if __name__ == "__main__":
    main()
