"""Documents that must stay true to the code: AsyncAPI of the events, OpenAPI of
each HTTP service, and the docker compose deployment."""
from __future__ import annotations

import importlib
import re
import secrets
from pathlib import Path

import pytest
import yaml

from shared import asyncapi
from shared.config import SERVICES, load_settings
from shared.crypto import new_key_spec
from shared.events import EVENT_TYPES
from shared.manage import PACKAGES

REPO = Path(__file__).resolve().parents[3]


def test_the_committed_asyncapi_document_is_generated_from_the_event_definitions():
    committed = (REPO / "docs" / "asyncapi.json").read_text()
    assert committed == asyncapi.render(), "run: python -m shared.asyncapi > docs/asyncapi.json"
    messages = asyncapi.document()["components"]["messages"]
    assert set(messages) == set(EVENT_TYPES)
    for name, cls in EVENT_TYPES.items():
        assert set(messages[name]["payload"]["properties"]["payload"]["properties"]) == set(cls.payload_fields())


def _routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        found |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def _documented(spec: dict) -> set[tuple[str, str]]:
    return {(path, method) for path, item in spec["paths"].items() for method in item
            if method in ("get", "post", "put", "patch", "delete")}


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_openapi_document_lists_exactly_its_routes(service, make_settings):
    spec = yaml.safe_load((REPO / "services" / service / "openapi.yaml").read_text())
    app = importlib.import_module(f"{PACKAGES[service]}.app").create_app(make_settings())
    assert _documented(spec) == _routes(app)


def _compose_environment(service: dict) -> dict[str, str]:
    filled = {}
    for key, value in service["environment"].items():
        # ${NAME:-default} takes its default; ${NAME:?message} a strong value, as an operator's .env would hold.
        secret = new_key_spec("k1") if "KEYS" in key else secrets.token_urlsafe(32)
        filled[key] = re.sub(r"\$\{[^}:]+:(-([^}]*)|\?[^}]*)\}", lambda m: m.group(2) if m.group(2) is not None
                             else secret, str(value))
    return filled


def test_docker_compose_runs_the_four_services_under_gunicorn_on_rabbitmq_and_postgresql():
    compose = yaml.safe_load((REPO / "deploy" / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "rabbitmq", "migrate"} <= set(services)
    for service in SERVICES:
        package = PACKAGES[service]
        web, worker = services[service], services[f"{service}-worker"]
        assert web["command"][0] == "gunicorn" and web["command"][-1] == f"{package}.app:create_app()"
        assert worker["command"] == ["python", "-m", f"{package}.worker"]
        importlib.import_module(f"{package}.app").create_app  # the targets exist
        importlib.import_module(f"{package}.worker").main
        for entry in (web, worker):
            assert entry["depends_on"]["postgres"]["condition"] == "service_healthy"
            assert entry["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
            settings = load_settings(_compose_environment(entry))
            assert settings.env == "production" and settings.effective_bus_url.startswith("amqp://")
            assert settings.database_url(service).startswith("postgresql+psycopg://")
    assert services["migrate"]["command"] == ["python", "-m", "shared.manage", "migrate"]
    init = (REPO / "deploy" / "postgres-init.sql").read_text()
    for service in SERVICES:
        assert f"CREATE DATABASE {PACKAGES[service]};" in init


def test_the_dockerfile_copies_what_the_services_need():
    copied = [word for line in (REPO / "deploy" / "Dockerfile").read_text().splitlines()
              if line.startswith("COPY ") for word in line.split()[1:-1]]
    assert set(copied) == {"pyproject.toml", "constraints.txt", "shared", "services"}
    assert all((REPO / path).exists() for path in copied)
