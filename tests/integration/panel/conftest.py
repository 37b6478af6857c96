"""The panel fixtures (tests/fixtures/panel.py) for the tests in this folder."""
from tests.fixtures.panel import *  # noqa: F401,F403
