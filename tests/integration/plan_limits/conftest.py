"""The plan limits fixtures (tests/fixtures/plan_limits.py) for the tests in this folder."""
from tests.fixtures.plan_limits import *  # noqa: F401,F403
