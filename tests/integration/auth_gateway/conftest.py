"""The auth gateway fixtures (tests/fixtures/auth_gateway.py) for the tests in this folder."""
from tests.fixtures.auth_gateway import *  # noqa: F401,F403
