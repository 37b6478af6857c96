"""python -m plan_limits.worker: consumes connection events into sockets and
sweeps expired reservations."""
import logging
import threading

from plan_limits import SERVICE, decisions
from plan_limits.bootstrap import Deps, bootstrap, consumer
from shared.logs import configure_logging
from shared.worker import run_loops

log = logging.getLogger(__name__)
SWEEP_EVERY_S = 5.0  # expired reservations already stop counting; this only clears the rows


def sweeper(deps: Deps, every_s: float = SWEEP_EVERY_S):
    def run(stop: threading.Event) -> None:
        while not stop.wait(every_s):
            try:
                swept = deps.call(decisions.sweep_expired)
            except Exception as exc:  # the database is away: try again next round
                log.warning("sweep failed: %s", exc.__class__.__name__)
                continue
            if swept:
                log.info("swept %d expired reservation(s)", swept)
    return run


def main() -> None:
    deps = bootstrap()
    configure_logging(SERVICE, deps.settings.log_level)
    run_loops({"consumer": consumer(deps).run, "sweeper": sweeper(deps)}, metrics_port=deps.settings.metrics_port)


if __name__ == "__main__":
    main()
