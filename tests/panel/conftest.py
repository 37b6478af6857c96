"""Browser fixtures: Debian's Chromium driven by Playwright, and the whole system
started per test (tests/panel/system.py). Screenshots go to test-artifacts/panel/."""
from __future__ import annotations

import re
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.panel.system import start_system, system_env

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "panel"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: tests/setup.sh installs Debian's chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def make_system(make_env):
    """make_system(**POSTMATE_* overrides) → a running System, stopped after the test."""
    with ExitStack() as stack:
        yield lambda **extra: stack.enter_context(start_system(system_env(make_env, **extra)))


@pytest.fixture
def system(make_system):
    return make_system()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(15000)
    yield context
    context.close()


@pytest.fixture
def user() -> str:
    return f"user-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def open_panel(context, user):
    """open_panel(system) → the Connections page for this test's user, loaded."""
    def open_(system, who: str = user):
        page = context.new_page()
        page.goto(f"{system.panel}/?user={who}")
        page.locator("#networks .network").first.wait_for()
        return page
    return open_


@pytest.fixture
def shot(request):
    """shot(page, "name") saves test-artifacts/panel/<test>--<name>.png (full page)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^\w-]+", "_", request.node.name)[:80]

    def save(page, name: str) -> Path:
        path = ARTIFACTS / f"{test}--{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
    return save
