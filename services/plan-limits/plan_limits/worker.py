"""python -m plan_limits.worker: consumes connection events into sockets."""
from shared.logs import configure_logging
from shared.worker import run_loops

from plan_limits import SERVICE
from plan_limits.bootstrap import bootstrap, consumer


def main() -> None:
    deps = bootstrap()
    configure_logging(SERVICE, deps.settings.log_level)
    run_loops({"consumer": consumer(deps).run})


if __name__ == "__main__":
    main()
