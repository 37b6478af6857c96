"""The sandbox fixtures (tests/fixtures/sandbox.py) for the tests in this folder."""
from tests.fixtures.sandbox import *  # noqa: F401,F403
