"""python -m token_refresher.worker: relays the outbox to the bus."""
from shared.logs import configure_logging
from shared.worker import run_loops

from token_refresher import SERVICE
from token_refresher.bootstrap import bootstrap, relay


def main() -> None:
    deps = bootstrap()
    configure_logging(SERVICE, deps.settings.log_level)
    run_loops({"relay": relay(deps).run})


if __name__ == "__main__":
    main()
