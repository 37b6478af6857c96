"""The house's walls, checked from the source: which package may import which, what
the production image holds, and that the list of networks is written once."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from shared import providers

REPO = Path(__file__).resolve().parents[2]
SERVICES = {path.name: next(p.name for p in path.iterdir() if (p / "__init__.py").exists())
            for path in sorted((REPO / "services").iterdir()) if path.is_dir()}
TOOLS = {"provider_sandbox", "panel", "bench", "testkit", "tests"}


def imported_packages(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every import in a file, including ones inside functions."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def foreign_imports(folder: Path, forbidden: set[str]) -> list[str]:
    return [f"{path.relative_to(REPO)}:{line} imports {package}"
            for path in sorted(folder.rglob("*.py")) for line, package in imported_packages(path)
            if package in forbidden]


def test_the_product_is_the_four_services():
    assert SERVICES == {"auth-gateway": "auth_gateway", "connection-store": "connection_store",
                        "plan-limits": "plan_limits", "token-refresher": "token_refresher"}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_no_service_imports_another_service_or_a_tool(service):
    others = (set(SERVICES.values()) - {SERVICES[service]}) | TOOLS
    assert foreign_imports(REPO / "services" / service, others) == []


def test_shared_imports_no_service_and_no_tool():
    assert foreign_imports(REPO / "shared", set(SERVICES.values()) | TOOLS) == []


def test_the_walk_sees_an_import_hidden_in_a_function(tmp_path):
    leak = tmp_path / "leak.py"
    leak.write_text("def later():\n    from connection_store.tables import connections\n")
    assert imported_packages(leak) == [(2, "connection_store")]


def _dockerfile() -> list[list[str]]:
    return [line.split() for line in (REPO / "deploy" / "Dockerfile").read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_the_production_image_copies_only_the_product():
    copied = [word for words in _dockerfile() if words[0] == "COPY" for word in words[1:-1]]
    assert set(copied) == {"pyproject.toml", "constraints.txt", "shared", "services"}
    for tool in ("tools", "tests", "bench"):
        assert not any(path == tool or path.startswith(tool + "/") for path in copied)


def test_the_production_image_installs_only_the_root_distribution():
    installs = [words for words in _dockerfile() if words[0] == "RUN" and "pip" in words]
    assert installs, "the image installs with pip"
    targets = [word for words in installs for word in words[words.index("install") + 1:]
               if not word.startswith("-") and word not in ("constraints.txt", "&&") and "=" not in word]
    assert targets[:1] == ["."] and "tools" not in " ".join(targets) and "[" not in " ".join(targets)


def test_the_root_distribution_packages_shared_and_the_services_only():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    found = project["tool"]["setuptools"]["packages"]["find"]
    assert set(found["where"]) == {"."} | {f"services/{name}" for name in SERVICES}
    assert set(found["include"]) == {"shared*"} | {f"{package}*" for package in SERVICES.values()}
    assert "optional-dependencies" not in project["project"], "test extras belong to tools/"
    for tool in ("pytest", "playwright", "pyyaml"):
        assert not any(dep.startswith(tool) for dep in project["project"]["dependencies"])


# -- the list of networks ---------------------------------------------------------

FAKE_NETWORK = r'''
import json, sys, tempfile
from dataclasses import replace
from datetime import timedelta
from shared.providers import catalog
from shared.providers.spec import DAY, ProviderSpec, Renewal, Scope
fake = ProviderSpec(id="fakenet", name="FakeNet", authorize_url="https://fake.example/authorize",
                    token_url="https://fake.example/token", scopes=(Scope("post", "to publish"),),
                    renewal=Renewal(lead=2 * DAY, rotates=True))
catalog.CATALOG = (*catalog.CATALOG, fake)  # the one place

from shared import asyncapi, providers
from shared.config import load_settings
from shared.manage import migrate_services
from shared.providers.registry import Registry
from plan_limits.app import create_app as plan_limits_app
from token_refresher.policy import Policy
from panel.demand import DemandStore

data = tempfile.mkdtemp()
settings = load_settings({"POSTMATE_DATA_DIR": data, "POSTMATE_SANDBOX_URL": "http://127.0.0.1:9",
                          "POSTMATE_FAKENET_CLIENT_ID": "fake-client", "POSTMATE_FAKENET_REFRESH_LEAD_S": "60"})
migrate_services(settings)
envelope = asyncapi.document()["components"]["messages"]["AccountConnected"]["payload"]["properties"]
answer = plan_limits_app(settings).test_client().post(
    "/v1/reservations", json={"user_id": "u-1", "network": "fakenet"},
    headers={"Authorization": f"Bearer {settings.internal_token}"})
print(json.dumps({
    "networks": list(providers.networks()),
    "name": providers.name("fakenet"),
    "settings": settings.providers.get("fakenet"),
    "registry": [p.id for p in Registry(settings)],
    "registry_mode": Registry(settings).get("fakenet").mode,
    "asyncapi": envelope["network"]["description"],
    "plan_limits": answer.status_code,
    "refresher_lead_s": Policy.from_settings(settings).network("fakenet").lead.total_seconds(),
    "refresher_rotates": Policy().network("fakenet").rotates,
    "panel_demand": DemandStore(__import__("pathlib").Path(data) / "demand.db").record("u-1", "FakeNet").supported,
}))
'''


def test_a_network_added_to_the_catalogue_appears_everywhere_it_should(tmp_path):
    run = subprocess.run([sys.executable, "-c", FAKE_NETWORK], cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["networks"][-1] == "fakenet" and seen["name"] == "FakeNet"
    assert seen["settings"] == {"client_id": "fake-client", "refresh_lead_s": "60"}
    assert "fakenet" in seen["registry"] and seen["registry_mode"] == "live"
    assert "fakenet" in seen["asyncapi"].split(" | ")
    assert seen["plan_limits"] == 201, "plan-limits reserves a socket on it"
    assert seen["refresher_lead_s"] == 60 and seen["refresher_rotates"] is True
    assert seen["panel_demand"] is True, "the panel knows it is already offered"


def _network_literals(path: Path, ids: set[str]) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        items = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", None) \
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else None
        if items:
            named = {item.value for item in items if isinstance(item, ast.Constant) and item.value in ids}
            if len(named) >= 5:
                found.append(f"{path.relative_to(REPO)}:{node.lineno} lists {len(named)} networks")
    return found


def test_no_other_module_writes_the_list_of_networks():
    """The sandbox is left out: it plays the platforms, and keeps its own model of them."""
    ids = set(providers.networks())
    folders = [REPO / "shared", *(REPO / "services").iterdir(), REPO / "tools" / "panel", REPO / "tools" / "bench",
               REPO / "tools" / "testkit", REPO / "deploy"]
    found = [hit for folder in folders for path in sorted(folder.rglob("*.py")) for hit in _network_literals(path, ids)]
    assert found == []


# --- rooms inside a service -------------------------------------------------------------------------------------
# The schema (tables.py), the statements (repository.py), the migrations and the composition root (which hands
# the outbox and processed_events tables to shared code) may name tables; nothing else may.
MAY_NAME_TABLES = {"tables.py", "repository.py", "bootstrap.py"}


def modules_naming_tables(package: Path) -> list[str]:
    tables = f"{package.name}.tables"
    return [f"{path.relative_to(package.parent)}:{node.lineno}" for path in sorted(package.rglob("*.py"))
            if "migrations" not in path.parts and path.name not in MAY_NAME_TABLES
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.ImportFrom) and node.module == tables]


def table_names(package: Path) -> set[str]:
    tree = ast.parse((package / "tables.py").read_text())
    return {node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Table"
            and node.args and isinstance(node.args[0], ast.Constant)}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_statement_of_a_service_sits_in_its_repository(service):
    package = REPO / "services" / service / SERVICES[service]
    assert (package / "repository.py").exists()
    assert modules_naming_tables(package) == []


def test_the_table_rule_sees_a_statement_outside_the_repository(tmp_path):
    package = tmp_path / "svc"
    package.mkdir()
    (package / "tables.py").write_text("import sqlalchemy as sa\nthings = sa.Table('things', sa.MetaData())\n")
    (package / "handlers.py").write_text("def later():\n    from svc.tables import things\n")
    assert modules_naming_tables(package) == ["svc/handlers.py:2"]
    assert table_names(package) == {"things"}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_no_module_is_named_like_a_table(service):
    package = REPO / "services" / service / SERVICES[service]
    modules = {path.stem for path in package.rglob("*.py") if "migrations" not in path.parts}
    assert table_names(package) and modules & table_names(package) == set()


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_service_hands_effects_to_its_use_cases_with_the_one_binder(service):
    """One composition root per service, and one way from it to a use case: `Deps.call` (shared.binding)."""
    import importlib
    import inspect

    from shared import binding
    bootstrap = importlib.import_module(f"{SERVICES[service]}.bootstrap")
    assert "binding.call(self" in inspect.getsource(bootstrap.Deps.call)
    assert bootstrap.binding is binding


# Releases with published advisories (issue 14): a floor below them lets an install without constraints.txt land there.
ADVISORY_FLOORS = {"authlib": (1, 6, 9), "requests": (2, 32, 4), "urllib3": (2, 7), "cryptography": (46, 0, 7)}


@pytest.mark.parametrize("pyproject", ["pyproject.toml", "tools/pyproject.toml"])
def test_no_dependency_floor_admits_a_release_with_a_known_advisory(pyproject):
    import re
    declared = tomllib.loads((REPO / pyproject).read_text())["project"]["dependencies"]
    for requirement in declared:
        name, _, floor = re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*>=\s*([\d.]+)", requirement).groups()
        if name.lower() in ADVISORY_FLOORS:
            assert tuple(int(part) for part in floor.split(".")) >= ADVISORY_FLOORS[name.lower()], requirement
