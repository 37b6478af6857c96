"""python -m auth_gateway.worker: relays the outbox to the bus, sweeps expired attempts and revokes
disconnected accounts' tokens at their platforms."""
from auth_gateway import SERVICE
from auth_gateway.bootstrap import attempt_sweeper, bootstrap, platform_revoker, relay
from shared.logs import configure_logging
from shared.worker import run_loops


def main() -> None:
    deps = bootstrap()
    configure_logging(SERVICE, deps.settings.log_level)
    run_loops({"relay": relay(deps).run, "attempt-sweeper": attempt_sweeper(deps),
               "platform-revoker": platform_revoker(deps)}, metrics_port=deps.settings.metrics_port)


if __name__ == "__main__":
    main()
