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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("migrate", help="upgrade service databases to the latest schema")
    cmd.add_argument("services", nargs="*", choices=[*SERVICES, []], default=list(SERVICES))
    args = parser.parse_args(argv)
    if args.command == "migrate":
        migrate_services(load_settings(), args.services or SERVICES)
        print("migrated:", ", ".join(args.services or SERVICES))


if __name__ == "__main__":
    main()
