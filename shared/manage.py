"""Operations commands: python -m shared.manage migrate [service …]"""
from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from shared.config import SERVICES, Settings, load_settings
from shared.db import migrate

PACKAGES = {name: name.replace("-", "_") for name in SERVICES}


def migrations_dir(service: str) -> Path:
    package = importlib.import_module(PACKAGES[service])
    return Path(package.__file__).parent / "migrations"


def migrate_services(settings: Settings, services=SERVICES) -> None:
    for service in services:
        migrate(migrations_dir(service), settings.database_url(service))


def declare_bus(settings: Settings) -> None:
    """Declare every consumer's queue and dead-letter queue, so events published
    before a consumer first starts wait for it instead of being dropped."""
    from shared import bus
    queues = []
    for service in SERVICES:
        bootstrap = importlib.import_module(f"{PACKAGES[service]}.bootstrap")
        if hasattr(bootstrap, "consumer"):
            consumer = bootstrap.consumer(bootstrap.bootstrap(settings))
            queues += [consumer.queue, consumer.dead_letters]
    with bus.connect(settings) as connection:
        bus.declare(connection, queues)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("migrate", help="upgrade service databases to the latest schema")
    cmd.add_argument("services", nargs="*", help=f"default: all of {', '.join(SERVICES)}")
    args = parser.parse_args(argv)
    unknown = set(args.services) - set(SERVICES)
    if unknown:
        parser.error(f"unknown service(s): {', '.join(sorted(unknown))}")
    if args.command == "migrate":
        settings = load_settings()
        migrate_services(settings, args.services or SERVICES)
        declare_bus(settings)
        print("migrated:", ", ".join(args.services or SERVICES), "and declared the bus queues")


if __name__ == "__main__":
    main()
